using System.Text.Json.Nodes;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

public sealed class ValidateCommandTests
{
    private const string BadRecipe = """
        apiVersion: trainplat/v1
        id: bad
        version: 1.0
        task: rlhf
        algorithm: grpo
        description: "A recipe with: problems, of several kinds"
        source: test
        config:
          optimizer:
            learnig_rate: 1e-6
          batch:
            global_batch_size: 8
            micro_batch_size_per_gpu: 16
          data:
            packing: yes
        """;

    [Fact]
    public void The_example_project_is_clean()
    {
        var r = CliRun.InProcess(Repo.Examples, "validate");
        Assert.Equal(0, r.ExitCode);
        Approvals.Verify(r.Out, "validate_examples_text");
    }

    [Fact]
    public void Findings_exit_1_in_text_with_file_line_col_code_and_hint()
    {
        using var dir = new TempDir();
        dir.Write("bad.yaml", BadRecipe);
        var r = CliRun.InProcess(dir.Path, "validate", "bad.yaml");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("", r.Error);
        Approvals.Verify(r.Out, "validate_bad_text");
    }

    [Fact]
    public void A_grpo_recipe_with_one_generation_per_prompt_fails_validate_at_the_rollout_n_value_and_strict_too()
    {
        const string recipe = """
            apiVersion: trainplat/v1
            id: grpo_one
            version: 1.0.0
            task: rlhf
            algorithm: grpo
            description: a GRPO recipe that can never render
            source: test
            config:
              batch:
                global_batch_size: 64
              rl:
                rollout_n: 1
            """;
        using var dir = new TempDir();
        dir.Write("grpo_one.yaml", recipe);
        foreach (var args in new[] { new[] { "validate", "grpo_one.yaml" }, ["validate", "--strict", "grpo_one.yaml"] })
        {
            var r = CliRun.InProcess(dir.Path, args);
            Assert.Equal(1, r.ExitCode);
            Assert.Contains("grpo_one.yaml:12:16: error TP0306: rollout_n is 1: GRPO", r.Out, StringComparison.Ordinal);
            Assert.Contains("  hint: use at least 2 generations per prompt", r.Out, StringComparison.Ordinal);
        }

        dir.Write("grpo_one.yaml", recipe.Replace("rollout_n: 1", "rollout_n: 8", StringComparison.Ordinal));
        Assert.Equal(0, CliRun.InProcess(dir.Path, "validate", "--strict", "grpo_one.yaml").ExitCode);
    }

    [Fact]
    public void Json_format_lists_every_diagnostic()
    {
        using var dir = new TempDir();
        dir.Write("bad.yaml", BadRecipe);
        var r = CliRun.InProcess(dir.Path, "validate", "bad.yaml", "--format", "json");
        Assert.Equal(1, r.ExitCode);
        var doc = JsonNode.Parse(r.Out)!;
        Assert.Equal(1, doc["summary"]!["files"]!.GetValue<int>());
        Approvals.Verify(r.Out, "validate_bad_json");
    }

    [Fact]
    public void Github_format_prints_workflow_commands_and_a_summary()
    {
        using var dir = new TempDir();
        dir.Write("bad.yaml", BadRecipe);
        var r = CliRun.InProcess(dir.Path, "validate", "bad.yaml", "--format", "github");
        Assert.Equal(1, r.ExitCode);
        Assert.All(r.Out.TrimEnd('\n').Split('\n')[..^1], l => Assert.Matches("^::(error|warning) file=bad.yaml,line=\\d+,col=\\d+,title=TP\\d{4}::", l));
        Approvals.Verify(r.Out, "validate_bad_github");
    }

    [Fact]
    public void Warnings_alone_pass_unless_strict()
    {
        using var dir = new TempDir();
        var text = File.ReadAllText(Path.Combine(Repo.Recipes, "sft_full.yaml")).Replace("2.0e-5", "2e-5", StringComparison.Ordinal);
        dir.Write("sft_full.yaml", text);
        var r = CliRun.InProcess(dir.Path, "validate", "sft_full.yaml");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("warning TP0205", r.Out);
        Assert.Contains("write `2.0e-5`", r.Out);
        Assert.Equal(1, CliRun.InProcess(dir.Path, "validate", "--strict", "sft_full.yaml").ExitCode);
    }

    [Fact]
    public void A_missing_path_is_a_usage_error()
    {
        using var dir = new TempDir();
        var r = CliRun.InProcess(dir.Path, "validate", "nope.yaml");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("'nope.yaml' does not exist", r.Error);
    }

    [Fact]
    public void Folders_are_walked_for_yaml_and_yml()
    {
        using var dir = new TempDir();
        dir.Write("r/a/sft_full.yml", File.ReadAllText(Path.Combine(Repo.Recipes, "sft_full.yaml")));
        dir.Write("r/dpo_full.yaml", File.ReadAllText(Path.Combine(Repo.Recipes, "dpo_full.yaml")));
        dir.Write("r/notes.txt", "not yaml");
        dir.Write("r/.hidden/x.yaml", "broken: [");
        var r = CliRun.InProcess(dir.Path, "validate", "r", "--format", "json");
        Assert.Equal(0, r.ExitCode);
        var files = JsonNode.Parse(r.Out)!["files"]!.AsArray().Select(f => f!.GetValue<string>());
        Assert.Equal(["r/a/sft_full.yml", "r/dpo_full.yaml"], files);
    }

    [Fact]
    public void An_unknown_format_is_a_usage_error()
    {
        var r = CliRun.InProcess(Repo.Examples, "validate", "--format", "xml");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("xml", r.Error);
    }

    [Fact]
    public void The_project_file_is_checked_against_its_own_schema()
    {
        using var project = TempDir.CopyOf(Repo.Examples);
        project.Write("trainplat.yaml", "apiVersion: trainplat/v1\nname: x\nrecipe: [recipes]\n");
        var r = CliRun.InProcess(project.Path, "validate");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("trainplat.yaml:3:1: error TP0100: unknown key 'recipe' at the top level", r.Out);
        Assert.Contains("did you mean 'recipes'?", r.Out);
    }

    [Fact]
    public void Validate_where_there_is_no_project_and_no_recipes_says_so_and_exits_2_but_validate_path_works_anywhere()
    {
        using var dir = new TempDir();
        dir.Write("notes/readme.txt", "not a recipe\n");
        var r = CliRun.InProcess(dir.Path, "validate");
        Assert.Equal(ExitCodes.UsageError, r.ExitCode);
        Assert.Equal("", r.Out);
        Assert.Equal(
            $"trainplat: error: nothing to validate: no trainplat.yaml in {dir.Path} or any folder above it, and no recipes/ folder in {dir.Path}\n" +
            "  hint: run validate in a recipe repository (`trainplat init` creates one), or name the files or folders to check: trainplat validate PATH...\n",
            r.Error);

        // The same folder as a git repository (a misplaced CI job): still nothing to validate.
        Assert.Equal(0, GitWorkTree.Run(dir.Path, "init", "-q").ExitCode);
        Assert.Equal(ExitCodes.UsageError, CliRun.InProcess(Path.Combine(dir.Path, "notes"), "validate").ExitCode);

        // Paths given: checked from anywhere, in the folder and outside it.
        var recipe = dir.Write("elsewhere/lr_test.yaml", GitWorkTree.Recipe("lr_test", "1.0.0"));
        var file = CliRun.InProcess(dir.Path, "validate", "elsewhere/lr_test.yaml");
        Assert.True(file.ExitCode == 0, file.ToString());
        Assert.Contains("Checked 1 file: no problems found.", file.Out, StringComparison.Ordinal);
        var absolute = CliRun.InProcess(Path.Combine(dir.Path, "notes"), "validate", recipe, Path.Combine(Repo.Examples, "recipes"));
        Assert.True(absolute.ExitCode == 0, absolute.ToString());

        // A project file with no recipes yet is something to validate.
        dir.Write("trainplat.yaml", "apiVersion: trainplat/v1\nname: empty\n");
        var empty = CliRun.InProcess(dir.Path, "validate");
        Assert.True(empty.ExitCode == 0, empty.ToString());
    }
}
