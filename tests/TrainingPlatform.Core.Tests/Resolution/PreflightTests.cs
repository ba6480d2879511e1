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
        { DiagnosticCodes.GenerationBatchVsGroup, "grpo_basic", ["--model-size", "7B", "--set", "batch.generation_batch_size=128"] },
        { DiagnosticCodes.GenerationBatchVsDevices, "grpo_basic", ["--model-size", "7B", "--set", "batch.generation_batch_size=320"] },
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
        Assert.Contains("GB per GPU exceeds the 80.0 GB", memory.Message);
        Assert.False(tight.Memory!.Fits);

        var roomy = Render("grpo_basic", ["--model", "Qwen/Qwen2.5-72B-Instruct", "--gpus", "32",
            "--set", "parallelism.param_offload=true", "--set", "parallelism.optimizer_offload=true"]).Config!;
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
            "--set", "batch.micro_batch_size_per_gpu=4"]).Config!;
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
        var r = Render("my_sft.yaml", ["--model-size", "8B", "--gpus", "4"]).Config!;
        Assert.Contains(r.Findings, f => f.Code == DiagnosticCodes.AccumulationReplaced);
        Assert.Equal(2, r.Config["batch"]!["gradient_accumulation_steps"]!.GetValue<long>());
    }

    [Fact]
    public void Dynamic_batching_skips_the_batch_checks_as_verl_does()
    {
        var r = Render("dapo", ["--model-size", "32B", "--set", "batch.global_batch_size=511"]).Config!;
        Assert.DoesNotContain(r.Findings, f => f.Code == DiagnosticCodes.BatchNotDivisibleByMinimal);
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
