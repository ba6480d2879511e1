using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests.Frameworks;

public sealed class ExportCommandTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 9, 0, 0, TimeSpan.Zero);

    private const string MyGrpo = """
        apiVersion: trainplat/v1
        id: my_grpo
        version: 1.0.0
        task: rlhf
        algorithm: grpo
        description: grpo_basic with verl keys passed through.
        source: test
        extends: grpo_basic
        config:
          model:
            path: Qwen/Qwen2.5-7B-Instruct
        extra:
          verl:
            trainer:
              val_before_train: false
          verl.actor_rollout_ref.rollout.enforce_eager: true
          trl.max_length: 512

        """;

    [Fact]
    public void To_trl_writes_the_config_class_yaml_with_warnings_on_stderr_and_refuses_verl_formats()
    {
        using var temp = new TempDir();
        var r = CliRun.InProcess(temp.Path, "export", "dpo_lora", "-s", "7B", "--to", "trl", "-o", "dpo.yaml");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("", r.Out);
        var text = File.ReadAllText(Path.Combine(temp.Path, "dpo.yaml"));
        Assert.StartsWith("# TRL 1.9.0 DPOConfig config, exported by trainplat ", text, StringComparison.Ordinal);
        Assert.Contains("\nuse_peft: true\n", text, StringComparison.Ordinal);

        var script = CliRun.InProcess(temp.Path, "export", "grpo_basic", "-s", "7B", "--to", "trl", "--format", "script");
        Assert.Equal(2, script.ExitCode);
        Assert.Contains("trainplat: error: --format script is for verl; a TRL config is a YAML file", script.Error, StringComparison.Ordinal);
        Assert.Contains("hint: drop --format (or use --format yaml) and run it with: trl grpo --config FILE", script.Error, StringComparison.Ordinal);
        Assert.Equal("", script.Out);

        var ppo = CliRun.InProcess(temp.Path, "export", "ppo", "-s", "7B", "--to", "trl");
        Assert.Equal(2, ppo.ExitCode);
        Assert.Contains("trainplat: error: ", ppo.Error, StringComparison.Ordinal);
        Assert.Equal("", ppo.Out);
    }

    [Fact]
    public void Overrides_are_one_hydra_override_per_line()
    {
        using var temp = new TempDir();
        var r = CliRun.InProcess(temp.Path, "export", "grpo_basic", "-s", "7B", "--to", "verl@0.9");
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, line => Assert.Matches("^\\+?[a-z_.0-9]+=", line));
        Assert.Contains("actor_rollout_ref.actor.optim.lr=1.0e-06", lines);
        Assert.Contains("actor_rollout_ref.actor.use_kl_loss=True", lines);
        Assert.Contains("actor_rollout_ref.actor.optim.betas=[0.9,0.999]", lines);
        Assert.Contains("data.train_batch_size=1024", lines);
        Assert.Contains("trainer.n_gpus_per_node=8", lines);
    }

    [Fact]
    public void Yaml_nests_the_overrides_and_script_launches_them()
    {
        using var temp = new TempDir();
        var yaml = CliRun.InProcess(temp.Path, "export", "grpo_basic", "-s", "7B", "--to", "verl", "--format", "yaml");
        Assert.True(yaml.ExitCode == 0, yaml.ToString());
        Assert.StartsWith("# Exported by trainplat ", yaml.Out, StringComparison.Ordinal);
        Assert.Contains("# recipe:  grpo_basic@", yaml.Out, StringComparison.Ordinal);
        Assert.Contains("\nactor_rollout_ref:\n  model:\n", yaml.Out, StringComparison.Ordinal);
        Assert.Contains("\n    optim:\n      lr: 1.0e-06\n", yaml.Out, StringComparison.Ordinal);

        var script = CliRun.InProcess(temp.Path, "export", "grpo_basic", "-s", "7B", "--to", "verl@0.9", "--format", "script");
        Assert.StartsWith("#!/usr/bin/env bash\n# Exported by trainplat ", script.Out, StringComparison.Ordinal);
        Assert.Contains("# cluster: 8 GPUs (1 node x 8), 80 GB each\n", script.Out, StringComparison.Ordinal);
        Assert.Contains("\npython3 -m verl.trainer.main_ppo \\\n", script.Out, StringComparison.Ordinal);
        Assert.EndsWith("    \"$@\"\n", script.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Dapo_runs_through_its_entry_point_at_0_7_and_main_ppo_at_0_9()
    {
        using var temp = new TempDir();
        var old = CliRun.InProcess(temp.Path, "export", "dapo", "-s", "32B", "--to", "verl@0.7", "--format", "script");
        var current = CliRun.InProcess(temp.Path, "export", "dapo", "-s", "32B", "--to", "verl@0.9", "--format", "script");
        Assert.Contains("\npython3 -m recipe.dapo.main_dapo \\\n", old.Out, StringComparison.Ordinal);
        Assert.Contains("    reward_model.overlong_buffer.len=4096 \\\n", old.Out, StringComparison.Ordinal);
        Assert.Contains("\npython3 -m verl.trainer.main_ppo \\\n", current.Out, StringComparison.Ordinal);
        Assert.Contains("    +reward.reward_kwargs.overlong_buffer_cfg.len=4096 \\\n", current.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Output_file_holds_what_stdout_would_and_explain_names_the_source_of_each_key()
    {
        using var temp = new TempDir();
        var plain = CliRun.InProcess(temp.Path, "export", "grpo_basic", "-s", "7B", "--to", "verl");
        var written = CliRun.InProcess(temp.Path, "export", "grpo_basic", "-s", "7B", "--to", "verl", "-o", "overrides.txt");
        Assert.True(written.ExitCode == 0, written.ToString());
        Assert.Equal("", written.Out);
        Assert.Equal(plain.Out, File.ReadAllText(Path.Combine(temp.Path, "overrides.txt")));

        var explained = CliRun.InProcess(temp.Path, "export", "grpo_basic", "-s", "70B", "--to", "verl", "--explain");
        Assert.Matches(@"\nactor_rollout_ref\.actor\.optim\.lr=1\.0e-06 +# optimizer\.learning_rate \(recipe\)\n", explained.Out);
        Assert.Matches(@"\nactor_rollout_ref\.actor\.ppo_max_token_len_per_gpu=24000 +# batch\.max_tokens_per_gpu \(scaling rule 3 \(70B-class models \(34B and up\)\)\)\n", explained.Out);
        Assert.Matches(@"\nactor_rollout_ref\.actor\.optim\.betas=\[0\.9,0\.999\] +# optimizer\.beta1, optimizer\.beta2 \(schema default\)\n", explained.Out);
    }

    [Fact]
    public void A_trainplat_key_without_a_verl_counterpart_is_a_warning_never_silently_dropped()
    {
        using var temp = new TempDir();
        var r = CliRun.InProcess(temp.Path, "export", "grpo_basic", "-s", "7B", "--to", "verl", "--set", "trainer.logging_steps=10", "--explain");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("trainplat: warning: trainer.logging_steps (10) has no counterpart in verl 0.9.0 FSDP and is not exported: verl logs every step\n  hint: ",
            r.Error, StringComparison.Ordinal);
        Assert.Contains("# not exported: trainer.logging_steps (10) has no counterpart", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("logging", r.Out.Split('\n').Where(l => !l.StartsWith('#')).Aggregate("", (a, b) => a + b), StringComparison.Ordinal);
    }

    [Fact]
    public void Extra_verl_keys_pass_through_when_the_release_has_them()
    {
        using var temp = new TempDir();
        temp.Write("my_grpo.yaml", MyGrpo);
        var r = CliRun.InProcess(temp.Path, "export", "my_grpo.yaml", "-s", "7B", "--to", "verl");
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("trainer.val_before_train=False", lines);
        Assert.Contains("actor_rollout_ref.rollout.enforce_eager=True", lines);
        Assert.Contains("actor_rollout_ref.model.path=Qwen/Qwen2.5-7B-Instruct", lines);
        Assert.DoesNotContain(lines, l => l.Contains("max_length", StringComparison.Ordinal));
        Assert.DoesNotContain("model.path", r.Error, StringComparison.Ordinal);

        temp.Write("bad.yaml", MyGrpo.Replace("id: my_grpo", "id: bad", StringComparison.Ordinal).Replace("val_before_train", "val_before_trian", StringComparison.Ordinal));
        var bad = CliRun.InProcess(temp.Path, "export", "bad.yaml", "-s", "7B", "--to", "verl@0.7", "-o", "out.txt");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("trainplat: error: extra.verl.trainer.val_before_trian names 'trainer.val_before_trian', which is not a key of verl 0.7.0", bad.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(temp.Path, "out.txt")));
    }

    [Fact]
    public void Preflight_errors_exit_1_and_write_nothing_with_o()
    {
        using var temp = new TempDir();
        var r = CliRun.InProcess(temp.Path, "export", "grpo_basic", "-s", "7B", "--to", "verl", "--set", "parallelism.rollout_tensor_parallel_size=16", "-o", "out.txt");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error TP0311", r.Error, StringComparison.Ordinal);
        Assert.Contains("trainplat: error: out.txt was not written: the config fails pre-flight checks", r.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(temp.Path, "out.txt")));

        var shown = CliRun.InProcess(temp.Path, "export", "grpo_basic", "-s", "7B", "--to", "verl", "--set", "parallelism.rollout_tensor_parallel_size=16");
        Assert.Equal(1, shown.ExitCode);
        Assert.Contains("actor_rollout_ref.rollout.tensor_model_parallel_size=16\n", shown.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("torchtune", "trainplat: error: unknown framework 'torchtune'")]
    [InlineData("verl@0.8", "trainplat: error: verl release '0.8' is not in the catalog")]
    public void Unknown_targets_are_usage_errors(string target, string message)
    {
        using var temp = new TempDir();
        var r = CliRun.InProcess(temp.Path, "export", "grpo_basic", "--to", target, "-o", "out.txt");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Error, StringComparison.Ordinal);
        Assert.Contains("  hint: use one of: ", r.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(temp.Path, "out.txt")));
    }

    [Theory]
    [InlineData("sft_full", new string[0], "verl's PPO trainer cannot run sft_full (algorithm: sft)")]
    [InlineData("grpo_basic", new[] { "--set", "parallelism.strategy=deepspeed_zero3" }, "verl trains with FSDP or Megatron, not 'deepspeed_zero3'")]
    public void Recipes_verl_cannot_run_exit_2_with_the_reason(string recipe, string[] extra, string message)
    {
        using var temp = new TempDir();
        var r = CliRun.InProcess(temp.Path, ["export", recipe, "-s", "7B", "--to", "verl", .. extra]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Error, StringComparison.Ordinal);
        Assert.Equal("", r.Out);
    }

    [Fact]
    public void A_job_exports_exactly_the_config_it_recorded()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var create = CliRun.Pinned(temp.Path, T0, 1, "job", "create", "-r", "grpo_math_small", "-s", "7B", "-d", "train=data/train.jsonl");
        Assert.True(create.ExitCode == 0, create.ToString());
        var id = create.Out.Trim();

        var fromRecipe = CliRun.InProcess(temp.Path, "export", "grpo_math_small", "-s", "7B", "--to", "verl");
        // The recipe changes after the job: the job still exports what it ran with.
        File.WriteAllText(Path.Combine(temp.Path, "recipes", "grpo_math_small.yaml"),
            File.ReadAllText(Path.Combine(temp.Path, "recipes", "grpo_math_small.yaml")).Replace("rollout_n: 8", "rollout_n: 4", StringComparison.Ordinal));
        var fromJob = CliRun.InProcess(temp.Path, "export", "job:" + id, "--to", "verl");
        Assert.True(fromJob.ExitCode == 0, fromJob.ToString());
        Assert.Equal(fromRecipe.Out, fromJob.Out);
        Assert.Contains("actor_rollout_ref.rollout.n=8\n", fromJob.Out, StringComparison.Ordinal);

        var script = CliRun.InProcess(temp.Path, "export", "job:" + id, "--to", "verl", "--format", "script");
        Assert.Contains($"(from job {id})", script.Out, StringComparison.Ordinal);

        var withOptions = CliRun.InProcess(temp.Path, "export", "job:" + id, "--to", "verl", "-s", "70B");
        Assert.Equal(2, withOptions.ExitCode);
        Assert.Contains("render options do not apply", withOptions.Error, StringComparison.Ordinal);

        var missing = CliRun.InProcess(temp.Path, "export", "job:ffff0000", "--to", "verl");
        Assert.Equal(2, missing.ExitCode);
    }
}
