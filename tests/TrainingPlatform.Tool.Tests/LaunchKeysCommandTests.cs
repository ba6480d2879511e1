using System.Text.Json.Nodes;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>The launch keys of issue 14 through render, --set, --explain and diff.</summary>
public sealed class LaunchKeysCommandTests
{
    [Fact]
    public void Model_gives_model_path_the_catalog_hub_id_with_a_derived_origin()
    {
        using var empty = new TempDir();
        var json = JsonNode.Parse(CliRun.InProcess(empty.Path, "render", "grpo_basic", "--model", "qwen2.5-7b", "--format", "json").Out)!;
        Assert.Equal("Qwen/Qwen2.5-7B", json["model"]!["path"]!.GetValue<string>()); // the base model, never silently the Instruct

        var explain = CliRun.InProcess(empty.Path, "render", "grpo_basic", "--model", "qwen2.5-7b-instruct", "--explain").Out;
        Assert.Contains("  path: Qwen/Qwen2.5-7B-Instruct    # derived: hub id of --model Qwen/Qwen2.5-7B-Instruct\n", explain, StringComparison.Ordinal);
    }

    [Fact]
    public void Model_size_alone_invents_no_model_path_and_set_wins_over_the_catalog()
    {
        using var empty = new TempDir();
        var json = JsonNode.Parse(CliRun.InProcess(empty.Path, "render", "grpo_basic", "--model-size", "7B", "--format", "json").Out)!;
        Assert.Null(json["model"]!["path"]);

        var set = JsonNode.Parse(CliRun.InProcess(empty.Path, "render", "grpo_basic", "--model", "qwen2.5-7b", "--set", "model.path=/ckpt/mine", "--format", "json").Out)!;
        Assert.Equal("/ckpt/mine", set["model"]!["path"]!.GetValue<string>());
    }

    [Fact]
    public void Set_takes_a_whole_object_or_one_member_and_explain_shows_each_origin()
    {
        using var empty = new TempDir();
        var r = CliRun.InProcess(empty.Path, "render", "ppo", "--model-size", "7B", "--explain",
            "--set", "rl.kl_ctrl={type: adaptive, target_kl: 0.1}", "--set", "rl.kl_ctrl.horizon=500");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("  kl_ctrl:\n    type: adaptive  # --set\n    target_kl: 0.1  # --set\n    horizon: 500    # --set\n", r.Out, StringComparison.Ordinal);

        var json = JsonNode.Parse(CliRun.InProcess(empty.Path, "render", "ppo", "--model-size", "7B", "--format", "json",
            "--set", "rl.kl_ctrl={type: fixed}", "--set", "rl.kl_ctrl.target_kl=0.2").Out)!;
        Assert.Equal("""{"type":"fixed","target_kl":0.2}""", json["rl"]!["kl_ctrl"]!.ToJsonString());
    }

    [Theory]
    [InlineData("rl.kl_ctrl.target_kl=0.1", "trainplat: error: --set rl.kl_ctrl.target_kl=0.1: rl.kl_ctrl needs 'type'\n  hint: rl.kl_ctrl is not set for this recipe: set the whole value, e.g. --set 'rl.kl_ctrl={type: fixed}'\n")]
    [InlineData("rl.kl_ctrl.nme=1", "trainplat: error: --set: rl.kl_ctrl has no key 'nme'\n  hint: its keys are type, target_kl, horizon (--set never adds keys)\n")]
    [InlineData("rl.kl_ctrl={type: adaptve}", "trainplat: error: --set rl.kl_ctrl={type: adaptve}: rl.kl_ctrl.type must be one of: fixed, adaptive\n  hint: expected: fixed keeps kl_coef; adaptive moves it toward target_kl (verl algorithm.kl_ctrl.type).\n")]
    [InlineData("trainer.logger=[console, neptune]", "trainplat: error: --set trainer.logger=[console, neptune]: trainer.logger[1] must be one of: console, wandb, tensorboard, mlflow, swanlab\n  hint: expected: Where metrics are logged (verl trainer.logger; TRL report_to, without console).\n")]
    public void A_bad_object_or_list_value_in_set_is_one_clear_error(string set, string expected)
    {
        using var empty = new TempDir();
        var r = CliRun.InProcess(empty.Path, "render", "ppo", "--model-size", "7B", "--set", set);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal(expected, r.Error);
    }

    [Fact]
    public void Diff_of_two_renders_shows_a_change_inside_an_object_at_its_member_path()
    {
        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, "a.json"), CliRun.InProcess(dir.Path, "render", "ppo", "--model-size", "7B", "--format", "json",
            "--set", "rl.kl_ctrl={type: adaptive, target_kl: 0.1}").Out);
        File.WriteAllText(Path.Combine(dir.Path, "b.json"), CliRun.InProcess(dir.Path, "render", "ppo", "--model-size", "7B", "--format", "json",
            "--set", "rl.kl_ctrl={type: adaptive, target_kl: 0.05}").Out);
        var r = CliRun.InProcess(dir.Path, "diff", "a.json", "b.json");
        Assert.Contains("rl.kl_ctrl.target_kl", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("rl.kl_ctrl.type", r.Out, StringComparison.Ordinal);
    }
}
