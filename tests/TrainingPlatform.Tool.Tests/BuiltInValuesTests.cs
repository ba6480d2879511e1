using System.Text.Json.Nodes;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>
/// The built-in recipes carry the values of the upstream configs they cite (issue 15, point 1), and say where
/// each value comes from in a way `recipe show` prints.
/// </summary>
public sealed class BuiltInValuesTests
{
    [Fact]
    public void Simpo_uses_the_simpo_authors_llama3_8b_instruct_config_with_an_absolute_trl_margin()
    {
        var c = Render("simpo", "8B");
        Assert.Equal(2.5, Number(c, "preference", "beta"));
        Assert.Equal(1.375, Number(c, "preference", "simpo_gamma")); // 0.55 x 2.5: TRL divides simpo_gamma by beta
        Assert.Equal(1.0e-6, Number(c, "optimizer", "learning_rate"));
        Assert.Equal("cosine", c["optimizer"]!["lr_scheduler"]!.GetValue<string>());
        Assert.Equal(0.1, Number(c, "optimizer", "warmup_ratio"));
        Assert.Equal(1, Number(c, "trainer", "epochs"));
        Assert.Equal(128, Number(c, "batch", "global_batch_size"));
        Assert.Equal(4, Number(c, "trainer", "total_gpus"));
        Assert.Equal(2048, Number(c, "data", "max_seq_length"));
    }

    [Fact]
    public void Torchtune_recipes_follow_their_configs()
    {
        var qlora = Render("sft_qlora", "8B");
        var modules = qlora["lora"]!["target_modules"]!.AsArray().Select(m => m!.GetValue<string>()).ToArray();
        Assert.DoesNotContain("k_proj", modules);
        Assert.Equal(["q_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"], modules);

        Assert.Equal(1024, Number(Render("dpo_lora", "8B"), "data", "max_seq_length"));

        var full = Render("sft_full", "8B");
        Assert.Equal(4, Number(full, "trainer", "total_gpus"));
        Assert.Equal(8, Number(full, "batch", "global_batch_size"));
        var full70 = Render("sft_full", "70B");
        Assert.Equal(8, Number(full70, "trainer", "total_gpus"));
        Assert.True(full70["parallelism"]!["param_offload"]!.GetValue<bool>());
    }

    [Fact]
    public void Dapo_7B_is_the_main_ppo_run_of_test_dapo_7b_math()
    {
        var c = Render("dapo", "7B");
        Assert.Equal(8192, Number(c, "data", "max_response_length"));
        Assert.Equal(2 * (2048 + 8192), Number(c, "batch", "max_tokens_per_gpu"));
        Assert.False(c["rl"]!["dynamic_sampling"]!.GetValue<bool>());
        Assert.Equal(200, Number(c, "trainer", "max_steps"));
        Assert.Equal(10.0, Number(c, "rl", "clip_ratio_c"));

        var large = Render("dapo", "32B");
        Assert.True(large["rl"]!["dynamic_sampling"]!.GetValue<bool>());
        Assert.Equal(2048 + 20480, Number(large, "batch", "max_tokens_per_gpu"));
    }

    [Theory]
    [InlineData("14B", 2, 116)]
    [InlineData("32B", 4, 90)]
    [InlineData("72B", 8, 44)]
    public void Grpo_lora_micro_batches_are_the_legacy_global_micro_batch_over_gpus_per_sp(string size, int gpus, int micro)
    {
        // verl fsdp_workers.py divides ppo_micro_batch_size (= nproc_per_gpu x GPUs) by GPUs / SP (SP 2 here).
        var c = Render("grpo_lora", size);
        Assert.Equal(gpus, Number(c, "trainer", "total_gpus"));
        Assert.Equal(2, Number(c, "parallelism", "sequence_parallel_size"));
        Assert.Equal(micro, Number(c, "batch", "micro_batch_size_per_gpu"));
        Assert.Equal(micro, Number(c, "rl", "log_prob_micro_batch_size_per_gpu"));
        Assert.Equal(micro * gpus / 2, Number(c, "batch", "global_batch_size"));
    }

    [Fact]
    public void Grpo_basic_follows_verls_per_size_scripts()
    {
        var mid = Render("grpo_basic", "14B");
        Assert.Equal(16, Number(mid, "batch", "micro_batch_size_per_gpu"));
        Assert.Equal(4, Number(mid, "parallelism", "rollout_tensor_parallel_size"));
        Assert.Equal(0.5, Number(mid, "rl", "gpu_memory_utilization"));

        var c32 = Render("grpo_basic", "32B");
        Assert.Equal(16, Number(c32, "trainer", "total_gpus"));
        Assert.Equal(1024, Number(c32, "batch", "global_batch_size"));
        Assert.Equal(128, Number(c32, "batch", "mini_batch_size"));
        Assert.Equal(2, Number(c32, "batch", "micro_batch_size_per_gpu"));
        Assert.Equal(8, Number(c32, "parallelism", "rollout_tensor_parallel_size"));
        Assert.Equal(0.4, Number(c32, "rl", "gpu_memory_utilization"));
        Assert.False(c32["parallelism"]!["param_offload"]!.GetValue<bool>());
    }

    [Fact]
    public void An_unset_rollout_memory_share_is_the_frameworks_default_and_explain_names_its_source()
    {
        using var dir = new TempDir();
        var text = File.ReadAllText(Path.Combine(Repo.Recipes, "grpo_basic.yaml"));
        var without = string.Join('\n', text.Split('\n').Where(l => !l.Contains("gpu_memory_utilization", StringComparison.Ordinal)));
        dir.Write("my_verl.yaml", without.Replace("id: grpo_basic", "id: my_verl", StringComparison.Ordinal));
        dir.Write("my_trl.yaml", without.Replace("id: grpo_basic", "id: my_trl", StringComparison.Ordinal)
            .Replace("framework: verl", "framework: trl", StringComparison.Ordinal));

        var verl = CliRun.InProcess(dir.Path, "render", "./my_verl.yaml", "--model-size", "7B", "--explain");
        Assert.True(verl.ExitCode == 0, verl.ToString());
        Assert.Matches(@"gpu_memory_utilization: 0\.5 +# verl default, verl/trainer/config/rollout/rollout\.yaml:32", verl.Out);
        Assert.Contains("85.899 × 0.5 × 2 = 85.899 GB", verl.Out); // the rollout check uses the same default (80 GiB = 85.899 GB)

        var trl = CliRun.InProcess(dir.Path, "render", "./my_trl.yaml", "--model-size", "7B", "--explain");
        Assert.True(trl.ExitCode == 0, trl.ToString());
        Assert.Matches(@"gpu_memory_utilization: 0\.3 +# TRL default, trl/trainer/grpo_config\.py:647", trl.Out);
    }

    // The schema file against Core: no build runs.
    [Fact]
    [Trait(ToolBuild.Trait, ToolBuild.JitOnly)]
    public void The_schema_names_the_same_framework_defaults_as_the_resolver()
    {
        var schema = JsonNode.Parse(File.ReadAllText(Path.Combine(Repo.Root, "schemas", "recipe.v1.schema.json")))!;
        var key = schema["properties"]!["config"]!["properties"]!["rl"]!["properties"]!["gpu_memory_utilization"]!;
        Assert.Null(key["default"]); // no single default fits verl (0.5) and TRL (0.3)
        var byFramework = key["x-default-by-framework"]!.AsObject();
        Assert.Equal(
            Core.Resolution.FrameworkDefaults.GpuMemoryUtilizationFrameworks.Order(StringComparer.Ordinal),
            byFramework.Select(p => p.Key).Order(StringComparer.Ordinal));
        foreach (var (framework, value) in byFramework)
        {
            Assert.Equal(Core.Resolution.FrameworkDefaults.GpuMemoryUtilization(framework)!.Value, value!.GetValue<double>());
        }
    }

    [Theory]
    [InlineData("simpo", "training_configs/llama-3-8b-instruct-simpo.yaml", "cpo_trainer.py:715")]
    [InlineData("sft_qlora", "8B_qlora_single_device.yaml:23", "8B_qlora_single_device.yaml:23-24")]
    [InlineData("dpo_lora", "8B_lora_dpo.yaml:35", "tokenizer.max_seq_len: 1024 (8B_lora_dpo.yaml:35)")]
    [InlineData("sft_full", "--nproc_per_node 4", "8B_full.yaml:9")]
    [InlineData("dapo", "run_dapo_qwen2.5_32b.sh:78", "# extrapolated")]
    [InlineData("dpo_full", "aff595f", "# extrapolated")]
    [InlineData("grpo_large_scale", "grpo_math_1B_megatron.yaml (:2 of the 70B file)", "seed 42 :26")]
    [InlineData("grpo_lora", "fsdp_workers.py:249-250", "(line 36)")]
    [InlineData("grpo_basic", "run_qwen2_5_32b_fsdp.sh", "scaling/run_qwen2_5_72b_fsdp.sh")]
    public void Recipe_show_keeps_the_upstream_citations(string recipe, string citation, string another)
    {
        using var empty = new TempDir();
        var r = CliRun.InProcess(empty.Path, "recipe", "show", recipe);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains(citation, r.Out);
        Assert.Contains(another, r.Out);
        Assert.Equal(File.ReadAllText(Path.Combine(Repo.Recipes, recipe + ".yaml")).ReplaceLineEndings("\n").TrimEnd(), r.Out.ReplaceLineEndings("\n").TrimEnd());
    }

    private static JsonNode Render(string recipe, string size)
    {
        using var empty = new TempDir();
        var r = CliRun.InProcess(empty.Path, "render", recipe, "--model-size", size, "--format", "json");
        Assert.True(r.ExitCode == 0, r.ToString());
        return JsonNode.Parse(r.Out)!;
    }

    private static double Number(JsonNode config, string section, string key) => config[section]![key]!.GetValue<double>();
}
