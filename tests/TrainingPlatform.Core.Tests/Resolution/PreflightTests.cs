using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Core.Tests.Support;
using TrainingPlatform.Core.Validation;

namespace TrainingPlatform.Core.Tests.Resolution;

/// <summary>Resolved configs that each break one verl or TRL constraint get that constraint's code, and only it.</summary>
public sealed class PreflightTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "trainplat-preflight-" + Guid.NewGuid().ToString("N")[..8]);

    public PreflightTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string, string, string[]> BrokenConfigs() => new()
    {
        // code, recipe, arguments (--model-size/--model/--gpus/--set ...)
        { DiagnosticCodes.GpusNotDivisible, "grpo_large_scale", ["--model-size", "70B", "--gpus", "24", "--nodes", "3"] },
        { DiagnosticCodes.BatchNotDivisibleByMinimal, "grpo_basic", ["--model-size", "7B", "--set", "batch.global_batch_size=1001"] },
        { DiagnosticCodes.MiniBatchTooLarge, "grpo_basic", ["--model-size", "7B", "--set", "batch.mini_batch_size=2048"] },
        { DiagnosticCodes.PerGpuMiniBatch, "grpo_basic", ["--model-size", "7B", "--set", "batch.micro_batch_size_per_gpu=12"] },
        { DiagnosticCodes.PerGpuMiniBatch, "grpo_basic", ["--model-size", "7B", "--set", "batch.mini_batch_size=1", "--set", "rl.rollout_n=2"] },
        { DiagnosticCodes.BothMicroBatches, "grpo_basic", ["--model-size", "7B", "--set", "batch.micro_batch_size=128"] },
        { DiagnosticCodes.GenerationBatchVsGroup, "grpo_basic", ["--model-size", "7B", "--set", "trainer.framework=trl", "--set", "batch.generation_batch_size=128"] },
        { DiagnosticCodes.GenerationBatchVsDevices, "grpo_basic", ["--model-size", "7B", "--set", "trainer.framework=trl", "--set", "batch.generation_batch_size=320"] },
        { DiagnosticCodes.PerGpuMiniBatch, "grpo_large_scale", ["--model-size", "70B", "--set", "batch.mini_batch_size=1", "--set", "rl.rollout_n=2"] },
        { DiagnosticCodes.CriticMiniBatch, "ppo", ["--model-size", "7B", "--set", "rl.critic_micro_batch_size_per_gpu=24"] },
        { DiagnosticCodes.CriticMiniBatch, "ppo", ["--model-size", "32B", "--set", "rl.critic_micro_batch_size_per_gpu=16"] },
        { DiagnosticCodes.TokenBudgetTooSmall, "dapo", ["--model-size", "7B", "--set", "batch.max_tokens_per_gpu=2048"] },
        { DiagnosticCodes.OverlongBufferTooLong, "dapo", ["--model-size", "7B", "--set", "rl.overlong_buffer_length=30000"] },
        { DiagnosticCodes.SequenceParallelNeedsRemovePadding, "grpo_basic", ["--model-size", "7B", "--set", "parallelism.sequence_parallel_size=2", "--set", "model.use_remove_padding=false"] },
        { DiagnosticCodes.TrlSequenceParallel, "grpo_basic", ["--model-size", "7B", "--set", "trainer.framework=trl", "--set", "parallelism.sequence_parallel_size=2"] },
        { DiagnosticCodes.TrlSequenceParallel, "grpo_basic", ["--model-size", "7B", "--set", "trainer.framework=trl", "--set", "parallelism.context_parallel_size=2"] },
        { DiagnosticCodes.TrlUpdateBatchVsProcesses, "grpo_basic", ["--model-size", "7B", "--set", "trainer.framework=trl", "--set", "batch.mini_batch_size=257"] },
        { DiagnosticCodes.GroupTooSmall, "grpo_basic", ["--model-size", "7B", "--set", "rl.rollout_n=1"] },
        { DiagnosticCodes.RolloutTensorParallel, "grpo_basic", ["--model-size", "7B", "--set", "parallelism.rollout_tensor_parallel_size=3"] },
        { DiagnosticCodes.SequenceParallel, "grpo_basic", ["--model-size", "7B", "--set", "parallelism.sequence_parallel_size=3"] },
        { DiagnosticCodes.HeadsNotDivisible, "grpo_basic", ["--model", "Qwen/Qwen2.5-7B-Instruct", "--set", "parallelism.rollout_tensor_parallel_size=8"] },
        { DiagnosticCodes.GlobalBatchNotDivisible, "sft_full", ["--model-size", "8B", "--set", "batch.global_batch_size=20"] },
        { DiagnosticCodes.MicroBatchTooLarge, "sft_full", ["--model-size", "8B", "--set", "batch.micro_batch_size_per_gpu=64"] },
    };

    [Theory]
    [MemberData(nameof(BrokenConfigs))]
    public void Each_broken_config_gets_its_code(string code, string recipe, string[] arguments)
    {
        var result = Render(recipe, arguments);
        Assert.True(result.Config is not null, result.Error + " " + result.Hint);
        var errors = result.Config!.Findings.Where(f => f.IsError).ToArray();
        Assert.True(errors.Length > 0 && errors.All(f => f.Code == code),
            $"expected only {code}; got: " + string.Join("; ", errors.Select(f => $"{f.Code} {f.Message}")));
        Assert.All(errors, f => Assert.False(string.IsNullOrWhiteSpace(f.Hint)));

        // Each finding points at the value it is about in the rendered config.
        Assert.All(errors, f => Assert.True(
            f.Pointer.Split('/', StringSplitOptions.RemoveEmptyEntries).Aggregate((System.Text.Json.Nodes.JsonNode?)result.Config.Config, (node, key) => node?[key]) is not null,
            $"{f.Code}: {f.Pointer} is not in the rendered config"));
    }

    [Fact]
    public void Full_grpo_of_72B_on_8_gpus_without_offload_is_flagged_and_with_offload_on_32_is_accepted()
    {
        var tight = Render("grpo_basic", ["--model", "Qwen/Qwen2.5-72B-Instruct", "--gpus", "8",
            "--set", "parallelism.param_offload=false", "--set", "parallelism.optimizer_offload=false"]).Config!;
        var memory = Assert.Single(tight.Findings, f => f.Code == DiagnosticCodes.MemoryExceeded);
        Assert.Equal(Severity.Warning, memory.Severity);
        Assert.Contains("GB per GPU exceeds the 85.9 GB (= 80.0 GiB) of GPU memory", memory.Message);
        Assert.False(tight.Memory!.Fits);

        // Offload with a fixed micro batch of 2 (the 72B rule's dynamic batching at verl's 24000 tokens per GPU is
        // a different question for the estimate).
        var roomy = Render("grpo_basic", ["--model", "Qwen/Qwen2.5-72B-Instruct", "--gpus", "32",
            "--set", "parallelism.param_offload=true", "--set", "parallelism.optimizer_offload=true",
            "--set", "batch.dynamic_batch_size=false", "--set", "batch.micro_batch_size_per_gpu=2"]).Config!;
        Assert.DoesNotContain(roomy.Findings, f => f.Code == DiagnosticCodes.MemoryExceeded);
        Assert.True(roomy.Memory!.Fits);
    }

    [Fact]
    public void Out_of_memory_hint_suggests_only_what_is_not_already_on()
    {
        var noOffload = Render("grpo_basic", ["--model", "Qwen/Qwen2.5-72B-Instruct", "--gpus", "8",
            "--set", "parallelism.param_offload=false", "--set", "parallelism.optimizer_offload=false"]).Config!;
        var hint = Assert.Single(noOffload.Findings, f => f.Code == DiagnosticCodes.MemoryExceeded).Hint!;
        Assert.Contains("param_offload and optimizer_offload", hint, StringComparison.Ordinal);

        // Offload and checkpointing already on: what is left is more GPUs, a larger rollout TP, a smaller micro batch, LoRA.
        var offloaded = Render("grpo_basic", ["--model", "Qwen/Qwen2.5-72B-Instruct", "--gpus", "8",
            "--set", "parallelism.param_offload=true", "--set", "parallelism.optimizer_offload=true", "--set", "model.gradient_checkpointing=true",
            "--set", "batch.dynamic_batch_size=false", "--set", "batch.micro_batch_size_per_gpu=4"]).Config!;
        var onHint = Assert.Single(offloaded.Findings, f => f.Code == DiagnosticCodes.MemoryExceeded).Hint!;
        Assert.DoesNotContain("offload", onHint, StringComparison.Ordinal);
        Assert.DoesNotContain("gradient_checkpointing", onHint, StringComparison.Ordinal);
        Assert.Contains("more GPUs", onHint, StringComparison.Ordinal);
        Assert.Contains("rollout_tensor_parallel_size", onHint, StringComparison.Ordinal);
        Assert.Contains("micro_batch_size_per_gpu", onHint, StringComparison.Ordinal);
        Assert.Contains("LoRA", onHint, StringComparison.Ordinal);
    }

    [Fact]
    public void Memory_inputs_come_from_the_framework_optimizer_and_token_budget_of_the_config()
    {
        // torchtune's optimizer_in_bwd has no trainplat key: it passes through under extra, where the estimate reads it.
        var text = File.ReadAllText(Path.Combine(Support.TestPaths.Recipes, "sft_full.yaml"))
            .Replace("id: sft_full", "id: my_sft", StringComparison.Ordinal) + "\nextra:\n  optimizer_in_bwd: true\n";
        File.WriteAllText(Path.Combine(_dir, "my_sft.yaml"), text);
        var tune = Render("my_sft.yaml", ["--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpus", "1",
            "--set", "optimizer.name=paged_adamw_8bit"]).Config!;
        var terms = tune.Memory!.Terms.ToDictionary(t => t.Name, t => t.Gb);
        Assert.Equal(0, terms["policy gradients (optimizer in backward)"]);
        Assert.Equal(0, terms["policy optimizer states (paged)"]);
        Assert.StartsWith("pure bf16", tune.Memory.PrecisionRegime, StringComparison.Ordinal);

        // dapo: verl, dynamic batching with SP; the per-GPU token budget is not divided by SP.
        var dapo = Render("dapo", ["--model", "Qwen/Qwen2.5-32B-Instruct"]).Config!;
        var budget = dapo.Config["batch"]!["max_tokens_per_gpu"]!.GetValue<long>();
        Assert.True(dapo.Config["parallelism"]!["sequence_parallel_size"]!.GetValue<long>() > 1);
        var checkpoints = dapo.Memory!.Terms.Single(t => t.Name == "activations: checkpointed layer inputs");
        Assert.Equal(2.0 * budget * 5120 * 64 / 1e9, checkpoints.Gb, 6);
    }

    [Fact]
    public void Verl_rollout_rule_is_checked()
    {
        var r = Render("grpo_basic", ["--model", "Qwen/Qwen2.5-72B-Instruct", "--set", "parallelism.rollout_tensor_parallel_size=2"]).Config!;
        Assert.Contains(r.Findings, f => f.Code == DiagnosticCodes.RolloutMemory);
    }

    [Fact]
    public void A_recipe_gradient_accumulation_that_disagrees_is_replaced_with_a_warning()
    {
        var text = File.ReadAllText(Path.Combine(Support.TestPaths.Recipes, "sft_full.yaml"))
            .Replace("id: sft_full", "id: my_sft", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(_dir, "my_sft.yaml"), text);
        var r = Render("my_sft.yaml", ["--model-size", "8B", "--gpus", "2"]).Config!; // global 8 / (2 × 2 GPUs) = 2, not the recipe's 1
        Assert.Contains(r.Findings, f => f.Code == DiagnosticCodes.AccumulationReplaced);
        Assert.Equal(2, r.Config["batch"]!["gradient_accumulation_steps"]!.GetValue<long>());
    }

    [Fact]
    public void Dynamic_batching_skips_the_batch_checks_as_verl_does()
    {
        var r = Render("dapo", ["--model-size", "32B", "--set", "batch.global_batch_size=511"]).Config!;
        Assert.DoesNotContain(r.Findings, f => f.Code == DiagnosticCodes.BatchNotDivisibleByMinimal);
    }

    public static TheoryData<string, string[]> UpstreamExamples() => new()
    {
        // recipe and arguments that carry an upstream launch, which verl (or TRL) accepts
        { "grpo_large_scale", ["--model-size", "70B", "--set", "batch.micro_batch_size_per_gpu=16"] },  // Megatron: per-GPU mini 16 × 32 / dp 4 = 128
        { "ppo", ["--model-size", "7B"] },    // verl run_deepseek7b_llm.sh: critic micro 32 of 256 / 8
        { "ppo", ["--model-size", "32B"] },   // verl run_qwen2.5-32b.sh: critic micro 8 of 256 / 32
        { "dapo", ["--model-size", "7B"] },   // verl test_dapo_7b_math.sh: dynamic batching without micro batches, SP 4 with remove padding
        { "dapo", ["--model-size", "32B"] },  // verl run_dapo_qwen2.5_32b.sh: token budget 2048 + 20480 per GPU × SP 8, overlong buffer 4096 of 20480
        { "grpo_basic", ["--model-size", "7B"] },
        { "grpo_basic", ["--model-size", "7B", "--set", "batch.generation_batch_size=128"] },  // verl counts it in prompts (data.gen_batch_size)
        { "grpo_basic", ["--model-size", "7B", "--set", "parallelism.sequence_parallel_size=2"] },  // grpo_basic packs sequences (use_remove_padding)
        { "grpo_basic", ["--model-size", "7B", "--set", "trainer.framework=trl"] },  // TRL: 256 × 5 completions per update over 8 processes
    };

    [Theory]
    [MemberData(nameof(UpstreamExamples))]
    public void The_upstream_example_a_check_comes_from_passes(string recipe, string[] arguments)
    {
        var result = Render(recipe, arguments);
        Assert.True(result.Config is not null, result.Error + " " + result.Hint);
        var problems = result.Config!.Findings.Where(f => f.Code.StartsWith("TP03", StringComparison.Ordinal)
            && f.Code is not DiagnosticCodes.MemoryExceeded and not DiagnosticCodes.RolloutMemory).ToArray();
        Assert.True(problems.Length == 0, string.Join("; ", problems.Select(f => $"{f.Code} {f.Message}")));
    }

    [Fact]
    public void Ppo_at_32B_carries_run_qwen2_5_32b()
    {
        var config = Render("ppo", ["--model-size", "32B"]).Config!.Config;
        Assert.Equal(1024, config["data"]!["max_prompt_length"]!.GetValue<long>());
        Assert.Equal(1024, config["data"]!["max_response_length"]!.GetValue<long>());
        Assert.Equal(0.5, config["rl"]!["gpu_memory_utilization"]!.GetValue<double>());
        Assert.Equal(8, config["rl"]!["critic_micro_batch_size_per_gpu"]!.GetValue<long>());
        Assert.Equal(32, config["trainer"]!["total_gpus"]!.GetValue<long>());
    }

    [Fact]
    public void Megatron_divides_the_mini_batch_by_its_data_parallel_size_not_by_the_gpu_count()
    {
        // 64 GPUs, TP 4 × PP 4: dp 4, so 16 prompts × 2 = 32 responses give 8 per GPU (GPUs / SP would give 0).
        var r = Render("grpo_large_scale", ["--model-size", "70B", "--set", "rl.rollout_n=2", "--set", "batch.micro_batch_size_per_gpu=8"]).Config!;
        Assert.DoesNotContain(r.Findings, f => f.Code == DiagnosticCodes.PerGpuMiniBatch);
    }

    [Fact]
    public void A_token_budget_below_twice_the_sequence_is_a_warning_and_at_twice_it_passes()
    {
        // dapo at 7B (test_dapo_7b_math.sh): prompt 2048 + response 8192 = 10240 tokens, SP 4.
        var low = Render("dapo", ["--model-size", "7B", "--set", "batch.max_tokens_per_gpu=4096"]).Config!;
        var warning = Assert.Single(low.Findings, f => f.Code == DiagnosticCodes.TokenBudgetBelowTwice);
        Assert.Equal(Severity.Warning, warning.Severity);
        Assert.Contains("4096 × sp 4 = 16384 tokens is below 2 × (prompt + response) = 20480", warning.Message, StringComparison.Ordinal);

        var enough = Render("dapo", ["--model-size", "7B", "--set", "batch.max_tokens_per_gpu=5120"]).Config!;
        Assert.DoesNotContain(enough.Findings, f => f.Code is DiagnosticCodes.TokenBudgetBelowTwice or DiagnosticCodes.TokenBudgetTooSmall);
    }

    [Fact]
    public void Dynamic_batching_still_needs_a_per_gpu_mini_batch()
    {
        var r = Render("dapo", ["--model-size", "7B", "--gpus", "64", "--nodes", "8", "--set", "batch.mini_batch_size=1", "--set", "rl.rollout_n=2"]).Config!;
        Assert.Contains(r.Findings, f => f.Code == DiagnosticCodes.PerGpuMiniBatch && f.Message.Contains("leaves 0 samples per GPU", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("micro_batch_size_per_gpu: 4", "", DiagnosticCodes.CriticMicroBatchMissing)]
    [InlineData("", "critic_micro_batch_size_per_gpu: 4", DiagnosticCodes.ActorMicroBatchMissing)]
    public void Verl_requires_each_micro_batch_unless_batches_are_dynamic(string actor, string critic, string code)
    {
        var recipe = WriteOnlineRecipe("my_ppo", "ppo", actor, critic);
        var errors = Render(recipe, ["--model-size", "7B"]).Config!.Findings.Where(f => f.IsError).Select(f => f.Code).ToArray();
        Assert.Contains(code, errors);
        if (code == DiagnosticCodes.ActorMicroBatchMissing)
        {
            // Without a training micro batch the export has no log-prob micro batch either (verl utils/config.py).
            Assert.Contains(DiagnosticCodes.LogProbMicroBatchMissing, errors);
        }

        // The same recipe with dynamic batching (a token budget per GPU) needs none of them.
        var dynamic = Render(recipe, ["--model-size", "7B", "--set", "batch.dynamic_batch_size=true", "--set", "batch.max_tokens_per_gpu=4096"]).Config!;
        Assert.DoesNotContain(dynamic.Findings, f => f.Code is DiagnosticCodes.ActorMicroBatchMissing or DiagnosticCodes.LogProbMicroBatchMissing or DiagnosticCodes.CriticMicroBatchMissing);
    }

    [Fact]
    public void A_log_prob_micro_batch_of_its_own_satisfies_verl_without_a_training_micro_batch_only_for_the_rollout()
    {
        var recipe = WriteOnlineRecipe("my_grpo", "grpo", "", "log_prob_micro_batch_size_per_gpu: 8");
        var codes = Render(recipe, ["--model-size", "7B"]).Config!.Findings.Where(f => f.IsError).Select(f => f.Code).ToArray();
        Assert.Equal([DiagnosticCodes.ActorMicroBatchMissing], codes);
    }

    private string WriteOnlineRecipe(string id, string algorithm, string batchLine, string rlLine)
    {
        var text = $"""
            apiVersion: trainplat/v1
            id: {id}
            version: 1.0.0
            task: rlhf
            algorithm: {algorithm}
            description: test
            source: test
            config:
              model:
                use_remove_padding: true
              batch:
                global_batch_size: 64
                mini_batch_size: 16
                {batchLine}
              data:
                max_prompt_length: 512
                max_response_length: 512
              trainer:
                framework: verl
              rl:
                rollout_n: {(algorithm == "ppo" ? 1 : 4)}
                {rlLine}
            """;
        File.WriteAllText(Path.Combine(_dir, id + ".yaml"), text);
        return id + ".yaml";
    }

    private RenderResult Render(string recipe, string[] arguments)
    {
        string? size = null, model = null;
        int? gpus = null, nodes = null;
        var sets = new List<string>();
        for (var i = 0; i < arguments.Length; i += 2)
        {
            var value = arguments[i + 1];
            switch (arguments[i])
            {
                case "--model-size": size = value; break;
                case "--model": model = value; break;
                case "--gpus": gpus = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "--nodes": nodes = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "--set": sets.Add(value); break;
                default: throw new ArgumentException(arguments[i]);
            }
        }

        return RecipeResolver.Resolve(new RenderRequest(recipe, size, model, gpus, nodes, null, sets, _dir));
    }
}
