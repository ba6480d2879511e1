using System.Security.Cryptography;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

public sealed class InitCommandTests
{
    [Fact]
    public void Init_into_an_empty_folder_then_validate_passes()
    {
        using var dir = new TempDir();
        var init = CliRun.InProcess(dir.Path, "init", "repo");
        Assert.True(init.ExitCode == 0, init.ToString());
        var project = Path.Combine(dir.Path, "repo");
        foreach (var file in new[] { "trainplat.yaml", "recipes/my_sft_lora.yaml", "schemas/recipe.v1.schema.json", "schemas/project.v1.schema.json",
                     ".vscode/settings.json", ".pre-commit-config.yaml", ".gitignore" })
        {
            Assert.True(File.Exists(Path.Combine(project, file)), file);
            Assert.Contains("created   " + file, init.Out);
        }

        var validate = CliRun.Process(project, null, "validate");
        Assert.True(validate.ExitCode == 0, validate.ToString());
        Assert.Equal("Checked 2 files: no problems found.\n", validate.Out);

        var recipe = File.ReadAllText(Path.Combine(project, "recipes/my_sft_lora.yaml"));
        Assert.StartsWith("# yaml-language-server: $schema=../schemas/recipe.v1.schema.json\n", recipe);
        Assert.Contains("\nid: my_sft_lora\n", recipe);
        Assert.Contains("\nversion: 0.1.0\n", recipe);
        Assert.Contains("# Copied from sft_lora@", recipe);

        var settings = JsonNode.Parse(File.ReadAllText(Path.Combine(project, ".vscode/settings.json")))!;
        var recipeGlobs = settings["yaml.schemas"]!["./schemas/recipe.v1.schema.json"]!.AsArray().Select(n => n!.GetValue<string>());
        Assert.Contains("recipes/*.yaml", recipeGlobs);
        Assert.Equal(File.ReadAllText(Path.Combine(Repo.Root, "schemas/recipe.v1.schema.json")), File.ReadAllText(Path.Combine(project, "schemas/recipe.v1.schema.json")));
        Assert.Equal(".trainplat/", File.ReadAllLines(Path.Combine(project, ".gitignore")).Last());

        var preCommit = File.ReadAllText(Path.Combine(project, ".pre-commit-config.yaml"));
        Assert.Contains("- repo: local", preCommit);
        Assert.Contains("- id: trainplat-validate", preCommit);
        Assert.Contains($"entry: {ProjectScaffold.HookCommand} validate\n", preCommit);
        Assert.Contains("- id: trainplat-check", preCommit);
        Assert.Contains($"entry: {ProjectScaffold.HookCommand} check --base HEAD\n", preCommit);
        Assert.DoesNotContain("rev:", preCommit);

        // The README shows the same hooks (its first block under "pre-commit hooks", without its comments).
        var readme = File.ReadAllText(Path.Combine(Repo.Root, "README.md"));
        var section = readme[readme.IndexOf("### pre-commit hooks\n", StringComparison.Ordinal)..];
        var start = section.IndexOf("```yaml\n", StringComparison.Ordinal) + "```yaml\n".Length;
        var shown = section[start..section.IndexOf("```", start, StringComparison.Ordinal)].Split('\n').Select(l => l.Split(" #")[0].TrimEnd());
        var written = preCommit.Split('\n').Where(l => !l.StartsWith('#')).Select(l => l.Split(" #")[0].TrimEnd());
        Assert.Equal(written.Where(l => l.Length > 0), shown.Where(l => l.Length > 0));
    }

    [Fact]
    public void Init_a_second_time_changes_no_file()
    {
        using var dir = new TempDir();
        Assert.Equal(0, CliRun.InProcess(dir.Path, "init").ExitCode);
        var before = Snapshot(dir.Path);

        var again = CliRun.InProcess(dir.Path, "init");
        Assert.Equal(0, again.ExitCode);
        Assert.Equal(before, Snapshot(dir.Path));
        Assert.DoesNotContain("created", again.Out);
        Assert.Contains("skipped   trainplat.yaml (exists)", again.Out);
        Assert.Contains("skipped   .gitignore (already ignores .trainplat/)", again.Out);
        Assert.EndsWith("Nothing changed: every file was there already.\n", again.Out);
    }

    [Fact]
    public void Init_keeps_existing_files_and_appends_to_gitignore()
    {
        using var dir = new TempDir();
        dir.Write(".gitignore", "bin/");
        dir.Write(".vscode/settings.json", "{ \"editor.tabSize\": 2 }\n");
        var r = CliRun.InProcess(dir.Path, "init", "--format", "json");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("bin/\n.trainplat/\n", File.ReadAllText(Path.Combine(dir.Path, ".gitignore")));
        Assert.Equal("{ \"editor.tabSize\": 2 }\n", File.ReadAllText(Path.Combine(dir.Path, ".vscode/settings.json")));
        var steps = JsonNode.Parse(r.Out)!["steps"]!.AsArray();
        Assert.Contains(steps, s => s!["path"]!.GetValue<string>() == ".gitignore" && s["action"]!.GetValue<string>() == "appended");
        Assert.Contains(steps, s => s!["path"]!.GetValue<string>() == ".vscode/settings.json" && s["action"]!.GetValue<string>() == "skipped");
    }

    private static SortedDictionary<string, string> Snapshot(string root) =>
        new(Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToDictionary(
            f => Path.GetRelativePath(root, f),
            f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))) + "@" + File.GetLastWriteTimeUtc(f).Ticks), StringComparer.Ordinal);
}
