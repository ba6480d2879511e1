using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary><c>trainplat check</c> on temporary git repositories (real git).</summary>
public sealed partial class CheckCommandTests
{
    private static GitWorkTree RecipeRepository()
    {
        var repo = new GitWorkTree();
        repo.Write("trainplat.yaml", "apiVersion: trainplat/v1\nname: checks\n");
        repo.Write("recipes/lr_test.yaml", GitWorkTree.Recipe("lr_test", "1.2.0", "2.0e-4"));
        repo.Write("recipes/other.yaml", GitWorkTree.Recipe("other", "1.0.0"));
        repo.Commit("recipes");
        repo.Git("checkout", "-q", "-b", "feature");
        return repo;
    }

    [Fact]
    public void A_learning_rate_change_without_a_version_bump_fails_at_the_version_line()
    {
        using var repo = RecipeRepository();
        repo.Write("recipes/lr_test.yaml", GitWorkTree.Recipe("lr_test", "1.2.0", "1.0e-4"));

        var r = CliRun.Process(repo.Path, null, "check");
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.StartsWith("recipes/lr_test.yaml:3:10: error TP0400: content changed but version 1.2.0 was not bumped\n", r.Out);
        Assert.Contains("  hint: raise it above 1.2.0 (merge base with main): 1.2.1 for a fix, 1.3.0 for a change of behaviour, 2.0.0 for an incompatible one", r.Out);
        Assert.Contains("recipes/lr_test.yaml: lr_test 1.2.0 → 1.2.0 (modified)", r.Out);
        Assert.Matches(@"Checked 1 changed recipe against merge base with main \([0-9a-f]{7}\) at 7B, 70B: 1 error, 0 warnings\.\n$", r.Out);
        Assert.Equal("", r.Error);
    }

    [Fact]
    public void With_the_version_bumped_the_check_passes_and_the_markdown_lists_the_learning_rate_as_critical()
    {
        using var repo = RecipeRepository();
        repo.Write("recipes/lr_test.yaml", GitWorkTree.Recipe("lr_test", "1.3.0", "1.0e-4"));

        var r = CliRun.Process(repo.Path, null, "check", "--format", "markdown");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.StartsWith("## trainplat check\n", r.Out);
        Assert.Contains("### `recipes/lr_test.yaml`: lr_test 1.2.0 → 1.3.0 (modified)", r.Out);
        foreach (var size in new[] { "7B", "70B" })
        {
            Assert.Matches($@"#### trainplat diff: `[0-9a-f]{{7}}:recipes/lr_test\.yaml \({size}\)` → `recipes/lr_test\.yaml \({size}\)`", r.Out);
        }

        Assert.Contains("| **critical** | `optimizer.learning_rate` | `0.0002` | `0.0001` | -0.3 orders of magnitude |", r.Out);
        Assert.DoesNotContain("other.yaml", r.Out);
    }

    [Fact]
    public void Comment_and_formatting_changes_need_no_bump()
    {
        using var repo = RecipeRepository();
        repo.Write("recipes/lr_test.yaml", "# a new comment\n" + GitWorkTree.Recipe("lr_test", "1.2.0", "0.0002").Replace("tags: [sft]", "tags:\n  - sft", StringComparison.Ordinal));

        var r = CliRun.InProcess(repo.Path, "check", "--base", "main", "--sizes", "7B");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("recipes/lr_test.yaml: lr_test 1.2.0 → 1.2.0 (modified, content unchanged)", r.Out);
        Assert.Contains("No differences.", r.Out);
    }

    [Fact]
    public void Added_renamed_deleted_and_untracked_recipes()
    {
        using var repo = RecipeRepository();
        repo.Delete("recipes/other.yaml");
        repo.Git("mv", "recipes/lr_test.yaml", "recipes/lr_moved.yaml");
        repo.Write("recipes/lr_moved.yaml", GitWorkTree.Recipe("lr_moved", "1.2.0", "2.0e-4"));
        repo.Write("recipes/brand_new.yaml", GitWorkTree.Recipe("brand_new", "0.1.0")); // untracked
        repo.Write("notes/readme.yaml", "not: a recipe\n");                                 // outside the recipe folders

        var r = CliRun.InProcess(repo.Path, "check", "--base", "main", "--sizes", "7B", "--format", "json");
        Assert.True(r.ExitCode == 0, r.ToString());
        var json = JsonNode.Parse(r.Out)!;
        var recipes = json["recipes"]!.AsArray().ToDictionary(x => x!["path"]!.GetValue<string>(), x => x!);
        Assert.Equal(["recipes/brand_new.yaml", "recipes/lr_moved.yaml", "recipes/other.yaml"], recipes.Keys);
        Assert.Equal("added", recipes["recipes/brand_new.yaml"]["status"]!.GetValue<string>());
        Assert.Equal("renamed", recipes["recipes/lr_moved.yaml"]["status"]!.GetValue<string>());
        Assert.Equal("recipes/lr_test.yaml", recipes["recipes/lr_moved.yaml"]["old_path"]!.GetValue<string>());
        Assert.Equal("deleted", recipes["recipes/other.yaml"]["status"]!.GetValue<string>());
        var warning = json["diagnostics"]!.AsArray().Single()!;
        Assert.Equal("TP0402", warning["code"]!.GetValue<string>());
        Assert.Equal("warning", warning["severity"]!.GetValue<string>());
        Assert.StartsWith("recipe other@1.0.0 was deleted; jobs recorded with it may still reference it", warning["message"]!.GetValue<string>());
    }

    [Fact]
    public void The_github_output_follows_the_workflow_command_syntax_and_escaping()
    {
        using var repo = RecipeRepository();
        repo.Write("recipes/lr_test.yaml", GitWorkTree.Recipe("lr_test", "1.2.0", "1.0e-4"));
        repo.Write("recipes/odd,name:x.yaml", GitWorkTree.Recipe("odd_name", "1.0.0").Replace("learning_rate:", "learning%rate:", StringComparison.Ordinal));
        repo.Delete("recipes/other.yaml");

        var r = CliRun.InProcess(repo.Path, "check", "--format", "github", "--sizes", "7B");
        Assert.Equal(1, r.ExitCode);
        Approvals.Verify(ShortCommit().Replace(r.Out, "(BASE)"), "check_github");
        foreach (var line in r.Out.Split('\n').Where(l => l.StartsWith("::", StringComparison.Ordinal)))
        {
            Assert.Matches(@"^::(error|warning) file=[^,:]+,line=\d+,col=\d+,title=TP\d{4}::[^\r\n]*$", line);
        }
    }

    [Fact]
    public void The_sarif_output_validates_against_the_sarif_2_1_0_schema()
    {
        using var repo = RecipeRepository();
        repo.Write("recipes/lr_test.yaml", GitWorkTree.Recipe("lr_test", "1.2.0", "1.0e-4"));
        repo.Write("recipes/odd,name:x.yaml", GitWorkTree.Recipe("odd_name", "1.0.0"));
        repo.Delete("recipes/other.yaml");

        var r = CliRun.InProcess(repo.Path, "check", "--format", "sarif", "--sizes", "7B");
        Assert.Equal(1, r.ExitCode);

        var schemaText = File.ReadAllText(Path.Combine(Repo.Root, "tests/TrainingPlatform.Tool.Tests/Schemas/sarif-schema-2.1.0.json"));
        var schema = JsonSchema.FromText(schemaText, new BuildOptions { SchemaRegistry = new SchemaRegistry() });
        using var doc = JsonDocument.Parse(r.Out);
        var result = schema.Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid, string.Join("\n", (result.Details ?? []).Where(d => d.Errors is not null)
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}"))));

        var sarif = JsonNode.Parse(r.Out)!;
        var run = sarif["runs"]![0]!;
        Assert.Equal("2.1.0", sarif["version"]!.GetValue<string>());
        Assert.Equal("trainplat", run["tool"]!["driver"]!["name"]!.GetValue<string>());
        Assert.Equal(ToolVersion.Current, run["tool"]!["driver"]!["version"]!.GetValue<string>());
        var rules = run["tool"]!["driver"]!["rules"]!.AsArray().Select(x => x!["id"]!.GetValue<string>()).ToArray();
        Assert.Equal(["TP0202", "TP0400", "TP0402"], rules);
        var results = run["results"]!.AsArray();
        var bump = results.Single(x => x!["ruleId"]!.GetValue<string>() == "TP0400")!;
        Assert.Equal("error", bump["level"]!.GetValue<string>());
        Assert.Equal(rules.ToList().IndexOf("TP0400"), bump["ruleIndex"]!.GetValue<int>());
        var location = bump["locations"]![0]!["physicalLocation"]!;
        Assert.Equal("recipes/lr_test.yaml", location["artifactLocation"]!["uri"]!.GetValue<string>());
        Assert.Equal(3, location["region"]!["startLine"]!.GetValue<int>());
        Assert.Equal(10, location["region"]!["startColumn"]!.GetValue<int>());
        Assert.Contains(results, x => x!["locations"]![0]!["physicalLocation"]!["artifactLocation"]!["uri"]!.GetValue<string>() == "recipes/odd%2Cname%3Ax.yaml");
        Assert.All(results, x => Assert.Matches("^[0-9a-f]{32}$", x!["partialFingerprints"]!["trainplat/v1"]!.GetValue<string>()));

        // Stable across runs: same rule ids, fingerprints and text.
        Assert.Equal(r.Out, CliRun.InProcess(repo.Path, "check", "--format", "sarif", "--sizes", "7B").Out);
    }

    [Fact]
    public void Bad_revisions_missing_bases_and_folders_outside_git_exit_2_with_one_line()
    {
        using var repo = RecipeRepository();
        var bad = CliRun.InProcess(repo.Path, "check", "--base", "no-such-branch");
        Assert.Equal(2, bad.ExitCode);
        Assert.StartsWith("trainplat: error: 'no-such-branch' is not a commit in ", bad.Error);

        var option = CliRun.InProcess(repo.Path, "check", "--base", "--output=x");
        Assert.Equal(2, option.ExitCode);

        var sizes = CliRun.InProcess(repo.Path, "check", "--sizes", "7B,huge");
        Assert.Equal(2, sizes.ExitCode);
        Assert.StartsWith("trainplat: error: 'huge' in --sizes is not a model size", sizes.Error);

        repo.Git("branch", "-m", "main", "trunk");
        var noBase = CliRun.InProcess(repo.Path, "check");
        Assert.Equal(2, noBase.ExitCode);
        Assert.StartsWith("trainplat: error: no base revision to compare with: neither origin/main nor main", noBase.Error);
        Assert.Contains("hint: pass --base REV", noBase.Error);

        using var plain = new TempDir();
        var outside = CliRun.InProcess(plain.Path, "check", "--base", "HEAD");
        Assert.Equal(2, outside.ExitCode);
        Assert.Contains("is not inside a git repository", outside.Error);
        Assert.DoesNotContain("   at ", outside.Error);
    }

    [Fact]
    public void The_first_commit_checks_every_recipe_as_new()
    {
        using var repo = new GitWorkTree();
        repo.Write("recipes/first.yaml", GitWorkTree.Recipe("first", "0.1.0"));
        repo.Git("add", "-A");
        var r = CliRun.InProcess(repo.Path, "check", "--base", "HEAD");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("recipes/first.yaml: first 0.1.0 (added)", r.Out);
        Assert.EndsWith("Checked 1 changed recipe against HEAD (no commit yet) at 7B, 70B: 0 errors, 0 warnings.\n", r.Out);
    }

    [GeneratedRegex(@"\([0-9a-f]{7}\)")]
    private static partial Regex ShortCommit();
}
