using System.Text.Json.Nodes;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary><c>recipe new NEW --extends ID</c> (issue 17 C8): a short recipe that inherits instead of copying.</summary>
public sealed class RecipeNewExtendsTests
{
    [Fact]
    public void Extends_writes_a_short_recipe_pinned_to_the_base_that_validates_and_renders_the_bases_config()
    {
        using var project = TempDir.CopyOf(Repo.Examples);
        var r = CliRun.InProcess(project.Path, "recipe", "new", "my_grpo", "--extends", "grpo_basic");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("Created recipes/my_grpo.yaml extending grpo_basic@1.2.0 (version 0.1.0); add your overrides under config:.\n"
            + "Next: edit it, then run `trainplat validate recipes/my_grpo.yaml`.\n", r.Out.ReplaceLineEndings("\n"));

        var text = File.ReadAllText(Path.Combine(project.Path, "recipes", "my_grpo.yaml"));
        Assert.StartsWith("# yaml-language-server: $schema=../schemas/recipe.v1.schema.json\n", text, StringComparison.Ordinal);
        Assert.Contains("\nid: my_grpo\nversion: 0.1.0\ntask: rlhf\nalgorithm: grpo\n", text, StringComparison.Ordinal);
        Assert.Contains("\ndescription: GRPO with a verifiable reward, group size 5 and KL loss 0.001 for 7B-class models on one 8-GPU node (based on grpo_basic).\n", text, StringComparison.Ordinal);
        Assert.Contains("\nextends: grpo_basic@1.2.0\n", text, StringComparison.Ordinal);
        Assert.Contains("#   optimizer:\n#     learning_rate: 1.0e-06", text, StringComparison.Ordinal);
        Assert.EndsWith("\nconfig: {}\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("scaling:", text, StringComparison.Ordinal);
        Assert.True(text.Split('\n').Length < 25, text);

        var validate = CliRun.InProcess(project.Path, "validate");
        Assert.True(validate.ExitCode == 0, validate.ToString());

        // Nothing overridden yet: the same config as the base, at every size (the scaling rules are inherited too).
        foreach (var size in new[] { "7B", "32B" })
        {
            var mine = CliRun.InProcess(project.Path, "render", "my_grpo", "--model-size", size, "--format", "json");
            var theirs = CliRun.InProcess(project.Path, "render", "grpo_basic", "--model-size", size, "--format", "json");
            Assert.True(mine.ExitCode == 0, mine.ToString());
            Assert.Equal(ConfigHash(theirs.Out), ConfigHash(mine.Out));
            Assert.Equal("my_grpo", JsonNode.Parse(mine.Out)!["trainplat"]!["recipe"]!.GetValue<string>());
        }
    }

    [Fact]
    public void An_override_added_under_config_changes_only_that_key()
    {
        using var project = TempDir.CopyOf(Repo.Examples);
        Assert.Equal(0, CliRun.InProcess(project.Path, "recipe", "new", "my_grpo", "--extends", "grpo_basic").ExitCode);
        var file = Path.Combine(project.Path, "recipes", "my_grpo.yaml");
        File.WriteAllText(file, File.ReadAllText(file).Replace("config: {}\n", "config:\n  optimizer:\n    learning_rate: 5.0e-7\n", StringComparison.Ordinal));

        Assert.Equal(0, CliRun.InProcess(project.Path, "validate").ExitCode);
        var render = CliRun.InProcess(project.Path, "render", "my_grpo", "--model-size", "7B", "--format", "json");
        Assert.True(render.ExitCode == 0, render.ToString());
        var config = JsonNode.Parse(render.Out)!;
        Assert.Equal(5.0e-7, config["optimizer"]!["learning_rate"]!.GetValue<double>());
        Assert.Equal(5, config["rl"]!["rollout_n"]!.GetValue<int>());
    }

    [Fact]
    public void The_pin_makes_validate_say_when_a_project_base_moves_on()
    {
        using var project = TempDir.CopyOf(Repo.Examples);
        Assert.Equal(0, CliRun.InProcess(project.Path, "recipe", "new", "team_grpo", "--from", "grpo_basic").ExitCode);
        Assert.Equal(0, CliRun.InProcess(project.Path, "recipe", "new", "my_grpo", "--extends", "team_grpo").ExitCode);
        Assert.Contains("\nextends: team_grpo@0.1.0\n", File.ReadAllText(Path.Combine(project.Path, "recipes", "my_grpo.yaml")), StringComparison.Ordinal);
        Assert.Equal(0, CliRun.InProcess(project.Path, "validate").ExitCode);

        var team = Path.Combine(project.Path, "recipes", "team_grpo.yaml");
        File.WriteAllText(team, File.ReadAllText(team).Replace("\nversion: 0.1.0", "\nversion: 0.2.0", StringComparison.Ordinal));
        var validate = CliRun.InProcess(project.Path, "validate");
        Assert.Equal(1, validate.ExitCode);
        Assert.Contains("TP0214", validate.Out + validate.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--from", "grpo_basic", "--extends", "grpo_basic")]
    [InlineData]
    public void From_and_extends_together_or_neither_exit_2_and_write_nothing(params string[] options)
    {
        using var project = TempDir.CopyOf(Repo.Examples);
        var r = CliRun.InProcess(project.Path, ["recipe", "new", "my_grpo", .. options]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Out);
        Assert.StartsWith("trainplat: error: ", r.Error, StringComparison.Ordinal);
        Assert.Contains("--extends", r.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(project.Path, "recipes", "my_grpo.yaml")));
    }

    [Fact]
    public void Extends_of_an_unknown_recipe_or_an_existing_id_exits_2()
    {
        using var project = TempDir.CopyOf(Repo.Examples);
        var unknown = CliRun.InProcess(project.Path, "recipe", "new", "my_grpo", "--extends", "grpo_basc");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("grpo_basic", unknown.Error, StringComparison.Ordinal);

        var existing = CliRun.InProcess(project.Path, "recipe", "new", "sft_chat", "--extends", "sft_lora");
        Assert.Equal(2, existing.ExitCode);
        Assert.Contains("already exists", existing.Error, StringComparison.Ordinal);
    }

    private static string ConfigHash(string renderJson) => JsonNode.Parse(renderJson)!["trainplat"]!["config_sha256"]!.GetValue<string>();
}
