using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>Issue 14 build point 4: `diff` reads a verl launch file as trainplat keys, so the schema's severities apply.</summary>
public sealed class DiffDialectTests
{
    private static string Fixture(string name) =>
        Path.Combine(Repo.Root, "tests", "TrainingPlatform.Core.Tests", "Fixtures", "verl-scripts", name);

    [Fact]
    public void A_launch_script_compared_with_its_recipe_ranks_a_learning_rate_and_batch_change_critical()
    {
        using var dir = new TempDir();
        var script = File.ReadAllText(Fixture("run_qwen2-7b_math.sh"))
            .Replace("optim.lr=1e-6", "optim.lr=1e-5", StringComparison.Ordinal)
            .Replace("data.train_batch_size=1024", "data.train_batch_size=512", StringComparison.Ordinal);
        dir.Write("run.sh", script);

        var r = CliRun.InProcess(dir.Path, "diff", "grpo_basic", "run.sh", "--model-size", "7B", "--fail-on", "critical");

        Assert.True(r.ExitCode == ExitCodes.Findings, r.ToString());
        Assert.StartsWith("grpo_basic (7B) → run.sh (verl)\n\ncritical (3)\n", r.Out, StringComparison.Ordinal);
        Assert.Contains("  batch.global_batch_size: 1024 → 512 (×0.5)\n", r.Out, StringComparison.Ordinal);
        Assert.Contains("  optimizer.learning_rate: 1.0e-06 → 1.0e-05 (+1.0 orders of magnitude)\n", r.Out, StringComparison.Ordinal);
        // What verl runs with anyway (its defaults, or values without a key of their own) is no change.
        Assert.DoesNotContain("chat_template", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("rl.rollout_n", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_overrides_files_are_detected_and_compared_by_trainplat_key()
    {
        using var dir = new TempDir();
        dir.Write("a.overrides", "algorithm.adv_estimator=grpo\nactor_rollout_ref.rollout.n=5\nactor_rollout_ref.actor.ppo_mini_batch_size=256\n");
        dir.Write("b.yaml", "- algorithm.adv_estimator=grpo\n- actor_rollout_ref.rollout.n=8\n- actor_rollout_ref.actor.ppo_mini_batch_size=256\n- +trainer.extra_flag=1\n");

        var r = CliRun.InProcess(dir.Path, "diff", "a.overrides", "b.yaml");

        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        Assert.StartsWith("a.overrides (verl) → b.yaml (verl)\n", r.Out, StringComparison.Ordinal);
        Assert.Contains("  rl.rollout_n: 5 → 8 (×1.6)\n", r.Out, StringComparison.Ordinal);
        Assert.Contains("extra.verl.trainer.extra_flag: added: 1", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("mini_batch", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void As_verl_reads_a_file_that_holds_no_override_as_an_input_error()
    {
        using var dir = new TempDir();
        dir.Write("a.overrides", "actor_rollout_ref.rollout.n=5\n");
        dir.Write("plain.yaml", "learning_rate: 1.0e-6\n");

        var r = CliRun.InProcess(dir.Path, "diff", "a.overrides", "plain.yaml", "--as", "verl");

        Assert.Equal(ExitCodes.UsageError, r.ExitCode);
        Assert.StartsWith("trainplat: error: plain.yaml sets no verl keys\n", r.Error, StringComparison.Ordinal);
    }
}
