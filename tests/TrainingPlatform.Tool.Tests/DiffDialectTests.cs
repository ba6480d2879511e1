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

    [Fact]
    public void A_trl_config_is_detected_and_compared_with_another_by_trainplat_key()
    {
        using var dir = new TempDir();
        const string Dpo = "learning_rate: 5.0e-07\nper_device_train_batch_size: 4\ngradient_accumulation_steps: 4\nbeta: 0.1\nnum_processes: 8\n";
        dir.Write("a.yaml", Dpo);
        dir.Write("b.yaml", Dpo.Replace("learning_rate: 5.0e-07", "learning_rate: 5.0e-06", StringComparison.Ordinal)
            .Replace("per_device_train_batch_size: 4", "per_device_train_batch_size: 8", StringComparison.Ordinal));

        var r = CliRun.InProcess(dir.Path, "diff", "a.yaml", "b.yaml", "--fail-on", "critical");

        Assert.True(r.ExitCode == ExitCodes.Findings, r.ToString());
        Assert.StartsWith("a.yaml (trl dpo) → b.yaml (trl dpo)\n\ncritical (2)\n", r.Out, StringComparison.Ordinal);
        Assert.Contains("  batch.global_batch_size: 128 → 256 (×2)\n", r.Out, StringComparison.Ordinal);
        Assert.Contains("  optimizer.learning_rate: 5.0e-07 → 5.0e-06 (+1.0 orders of magnitude)\n", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void A_trl_grpo_config_beside_its_recipe_counts_completions_as_trl_does()
    {
        using var dir = new TempDir();
        var export = CliRun.InProcess(dir.Path, "export", "grpo_basic", "-s", "7B", "--to", "trl", "-o", "grpo.yaml");
        Assert.True(export.ExitCode == 0, export.ToString());

        var same = CliRun.InProcess(dir.Path, "diff", "grpo_basic", "grpo.yaml", "-s", "7B");
        Assert.DoesNotContain("optimizer.learning_rate", same.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("batch.global_batch_size", same.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("rl.rollout_n", same.Out, StringComparison.Ordinal);

        dir.Write("grpo.yaml", File.ReadAllText(Path.Combine(dir.Path, "grpo.yaml")).Replace("\nnum_generations: 5\n", "\nnum_generations: 8\n", StringComparison.Ordinal));
        var r = CliRun.InProcess(dir.Path, "diff", "grpo_basic", "grpo.yaml", "-s", "7B");
        Assert.Contains("grpo_basic (7B) → grpo.yaml (trl grpo)\n", r.Out, StringComparison.Ordinal);
        Assert.Contains("  rl.rollout_n: 5 → 8 (×1.6)\n", r.Out, StringComparison.Ordinal);
        // TRL's generation batch counts completions: the same 5,120 completions are 640 prompts of 8.
        Assert.Contains("  batch.global_batch_size: 1024 → 640 (×0.625)\n", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void As_trl_names_the_trainer_when_the_fields_cannot_tell_it()
    {
        using var dir = new TempDir();
        dir.Write("x.yaml", "output_dir: out\n");

        var r = CliRun.InProcess(dir.Path, "diff", "x.yaml", "x.yaml", "--as", "trl");

        Assert.Equal(ExitCodes.UsageError, r.ExitCode);
        Assert.Contains("trainplat: error: x.yaml is not a TRL config whose trainer can be told from its fields", r.Error, StringComparison.Ordinal);
        Assert.Contains("hint: name the trainer: --as trl:sft|dpo|grpo|reward|orpo|cpo", r.Error, StringComparison.Ordinal);
        var named = CliRun.InProcess(dir.Path, "diff", "x.yaml", "x.yaml", "--as", "trl:sft");
        Assert.True(named.ExitCode == ExitCodes.Ok, named.ToString());
    }
}
