using TrainingPlatform.Core.Resolution;

namespace TrainingPlatform.Core.Tests.Resolution;

/// <summary>
/// The sanity targets come from runs that public configs ship (recipes-survey.md §2) and from configs that
/// need offload to run; the unit checks pin single formulas from models.md Part B.
/// </summary>
public sealed class MemoryEstimatorTests
{
    // Architectures from models.md Part A.
    private static readonly MemoryInputs Qwen25_72B = Dense(72.7e9, layers: 80, hidden: 8192, heads: 64, kvHeads: 8, vocab: 152064);
    private static readonly MemoryInputs Qwen25_7B = Dense(7.61e9, layers: 28, hidden: 3584, heads: 28, kvHeads: 4, vocab: 152064);
    private static readonly MemoryInputs Llama31_8B = Dense(8.03e9, layers: 32, hidden: 4096, heads: 32, kvHeads: 8, vocab: 128256);
    private static readonly MemoryInputs Llama31_70B = Dense(70.55e9, layers: 80, hidden: 8192, heads: 64, kvHeads: 8, vocab: 128256);
    private static readonly MemoryInputs Llama31_405B = Dense(405.85e9, layers: 126, hidden: 16384, heads: 128, kvHeads: 8, vocab: 128256);

    private static MemoryInputs Dense(double parameters, int layers, int hidden, int heads, int kvHeads, int vocab) => new(
        Parameters: parameters,
        ActiveParameters: null,
        Layers: layers,
        HiddenSize: hidden,
        Heads: heads,
        KvHeads: kvHeads,
        HeadDim: 128,
        VocabSize: vocab,
        Algorithm: "sft",
        Lora: false,
        LoraRank: 0,
        Quantization: "none",
        Precision: "bf16",
        Strategy: "fsdp",
        Gpus: 8,
        TensorParallel: 1,
        PipelineParallel: 1,
        ContextParallel: 1,
        SequenceParallel: 1,
        ParamOffload: false,
        OptimizerOffload: false,
        MicroBatchPerGpu: 1,
        SequenceLength: 2048,
        GradientCheckpointing: true,
        GpuMemoryGb: 80,
        RolloutTensorParallel: 1,
        RolloutGpuMemoryUtilization: null,
        HasReferenceModel: false,
        HasCritic: false);

    private static MemoryInputs Grpo(MemoryInputs model, int rolloutTp, double utilization) => model with
    {
        Algorithm = "grpo",
        RolloutTensorParallel = rolloutTp,
        RolloutGpuMemoryUtilization = utilization,
        HasReferenceModel = true,
    };

    private static double Gb(MemoryEstimate estimate, string prefix) =>
        estimate.Terms.Where(t => t.Name.StartsWith(prefix, StringComparison.Ordinal)).Sum(t => t.Gb);

    private static double PolicyStates(MemoryEstimate estimate) =>
        Gb(estimate, "policy weights") + Gb(estimate, "policy gradients") + Gb(estimate, "policy optimizer");

    // --- precision per framework, optimizer, phases (issue 15, point 3) ---

    [Fact]
    public void Torchtune_trains_in_pure_bf16_so_adamw_is_8_bytes_per_parameter()
    {
        var estimate = MemoryEstimator.Estimate(Llama31_8B with { Framework = "torchtune", Strategy = "ddp", Gpus = 1 });

        Assert.Equal(2 * 8.03, Gb(estimate, "policy weights"), 6);
        Assert.Equal(2 * 8.03, Gb(estimate, "policy gradients"), 6);
        Assert.Equal(4 * 8.03, Gb(estimate, "policy optimizer states"), 6);
        Assert.StartsWith("pure bf16", estimate.PrecisionRegime, StringComparison.Ordinal);
    }

    [Fact]
    public void Verl_keeps_an_fp32_actor_and_its_lora_base_in_fp32()
    {
        var full = MemoryEstimator.Estimate(Qwen25_7B with { Framework = "verl" });
        Assert.Equal(4 * 7.61 / 8, Gb(full, "policy weights"), 6);
        Assert.Equal(4 * 7.61 / 8, Gb(full, "policy gradients"), 6);
        Assert.Equal(8 * 7.61 / 8, Gb(full, "policy optimizer states"), 6);

        var lora = MemoryEstimator.Estimate(Qwen25_7B with { Framework = "verl", Lora = true, LoraRank = 32 });
        Assert.Equal(4 * 7.61 / 8, Gb(lora, "policy frozen base weights"), 6);
        var trl = MemoryEstimator.Estimate(Qwen25_7B with { Framework = "trl", Lora = true, LoraRank = 32 });
        Assert.Equal(2 * 7.61 / 8, Gb(trl, "policy frozen base weights"), 6);
    }

    [Theory]
    [InlineData("adamw", 12)]
    [InlineData("adamw_8bit", 6)]
    [InlineData("lion", 8)]
    [InlineData("sgd", 4)]
    [InlineData("adafactor", 4)]
    public void Optimizer_name_sets_the_state_size_under_mixed_precision(string optimizer, double bytesPerParameter)
    {
        var estimate = MemoryEstimator.Estimate(Llama31_8B with { Framework = "trl", Optimizer = optimizer, Strategy = "ddp" });

        Assert.Equal(bytesPerParameter * 8.03, Gb(estimate, "policy optimizer states"), 6);
    }

    [Fact]
    public void Paged_optimizer_states_and_optimizer_in_backward_gradients_leave_the_gpu()
    {
        var estimate = MemoryEstimator.Estimate(Llama31_8B with
        {
            Framework = "torchtune",
            Strategy = "ddp",
            Gpus = 1,
            Optimizer = "paged_adamw_8bit",
            OptimizerInBackward = true,
        });

        Assert.Equal(0, Gb(estimate, "policy gradients"), 6);
        Assert.Equal(0, Gb(estimate, "policy optimizer states"), 6);
        Assert.Contains(estimate.Notes, n => n.Contains("unified memory", StringComparison.Ordinal));
        Assert.Contains(estimate.Notes, n => n.Contains("optimizer_in_bwd", StringComparison.Ordinal));
    }

    [Fact]
    public void Verl_keeps_the_reference_on_cpu_under_fsdp_but_not_elsewhere()
    {
        var verl = MemoryEstimator.Estimate(Grpo(Qwen25_7B, rolloutTp: 2, utilization: 0.5) with { Framework = "verl" });
        Assert.Equal(0, Gb(verl, "reference model weights"), 6);
        Assert.Contains("fsdp_workers.py:526", verl.Terms.Single(t => t.Name == "reference model weights").Formula, StringComparison.Ordinal);

        var megatron = MemoryEstimator.Estimate(Grpo(Qwen25_7B, rolloutTp: 2, utilization: 0.5) with { Framework = "verl", Strategy = "megatron" });
        Assert.Equal(2 * 7.61, Gb(megatron, "reference model weights"), 6);
    }

    [Fact]
    public void Dynamic_batching_token_budget_is_per_gpu_and_not_divided_by_sequence_parallel_again()
    {
        var budget = Grpo(Qwen25_7B, rolloutTp: 2, utilization: 0.5) with { SequenceParallel = 4, SequenceLength = 16384 };
        var perGpu = MemoryEstimator.Estimate(budget with { SequenceIsPerGpu = true });
        var split = MemoryEstimator.Estimate(budget);

        Assert.Equal(2.0 * 16384 * 3584 * 28 / 1e9, Gb(perGpu, "activations: checkpointed layer inputs"), 6);
        Assert.Equal(2.0 * 4096 * 3584 * 28 / 1e9, Gb(split, "activations: checkpointed layer inputs"), 6);
    }

    [Fact]
    public void Ppo_counts_the_reward_model_and_checks_the_critic_update_phase()
    {
        var ppo = Grpo(Qwen25_7B, rolloutTp: 2, utilization: 0.5) with { Algorithm = "ppo", HasCritic = true };
        var without = MemoryEstimator.Estimate(ppo);
        var with = MemoryEstimator.Estimate(ppo with { HasRewardModel = true });

        Assert.Equal(2 * 7.61 / 8, Gb(with, "reward model weights"), 6);
        Assert.Equal(2 * 7.61 / 8, with.TotalGb - without.TotalGb, 6);
        Assert.NotNull(with.CriticPhaseGb);
        Assert.Contains(with.Notes, n => n.StartsWith("Critic update phase", StringComparison.Ordinal));

        // verl: the reward model is wrapped in CPUOffload (fsdp_workers.py:1755).
        var verl = MemoryEstimator.Estimate(ppo with { HasRewardModel = true, Framework = "verl" });
        Assert.Equal(0, Gb(verl, "reward model weights"), 6);
    }

    [Fact]
    public void Critic_update_phase_decides_the_verdict_when_it_is_the_larger_phase()
    {
        // Offloaded actor and critic: each is reloaded for its own update, so the critic phase holds the critic in full.
        var ppo = Grpo(Qwen25_72B, rolloutTp: 8, utilization: 0.5) with
        {
            Algorithm = "ppo",
            HasCritic = true,
            Gpus = 16,
            ParamOffload = true,
            OptimizerOffload = true,
            Framework = "verl",
        };
        var estimate = MemoryEstimator.Estimate(ppo);

        Assert.True(estimate.CriticPhaseGb > 16 * 72.7 / 16);
        Assert.Equal(estimate.TotalGb <= estimate.GpuMemoryGb && estimate.CriticPhaseGb <= estimate.GpuMemoryGb, estimate.Fits);
    }

    // --- sanity targets ---

    [Fact]
    public void Grpo_72B_on_8x80_without_offload_does_not_fit()
    {
        var estimate = MemoryEstimator.Estimate(Grpo(Qwen25_72B, rolloutTp: 8, utilization: 0.6));

        Assert.False(estimate.Fits);
        Assert.Equal(16 * 72.7e9 / 8 / 1e9, PolicyStates(estimate), 6);
        Assert.True(estimate.RolloutFits);
    }

    [Fact]
    public void Grpo_72B_with_offload_on_4_nodes_of_8_fits()
    {
        var estimate = MemoryEstimator.Estimate(Grpo(Qwen25_72B, rolloutTp: 8, utilization: 0.6) with
        {
            Gpus = 32,
            ParamOffload = true,
            OptimizerOffload = true,
        });

        Assert.True(estimate.Fits, Describe(estimate));
        Assert.True(estimate.RolloutFits);
        Assert.Equal(0, Gb(estimate, "reference model weights"));
    }

    [Fact]
    public void Grpo_7B_on_8x80_without_offload_fits_as_verl_run_qwen2_7b_math_does()
    {
        var estimate = MemoryEstimator.Estimate(Grpo(Qwen25_7B, rolloutTp: 2, utilization: 0.6) with { MicroBatchPerGpu = 16 });

        Assert.True(estimate.Fits, Describe(estimate));
        Assert.True(estimate.RolloutFits);
    }

    [Fact]
    public void Sft_8B_full_on_8x80_micro_2_seq_8192_fits()
    {
        var estimate = MemoryEstimator.Estimate(Llama31_8B with { MicroBatchPerGpu = 2, SequenceLength = 8192 });

        Assert.True(estimate.Fits, Describe(estimate));
    }

    [Fact]
    public void Sft_70B_full_on_8x80_needs_cpu_offload_like_torchtune_70B_full()
    {
        var without = MemoryEstimator.Estimate(Llama31_70B with { MicroBatchPerGpu = 2 });
        var with = MemoryEstimator.Estimate(Llama31_70B with { MicroBatchPerGpu = 2, ParamOffload = true, OptimizerOffload = true });

        Assert.False(without.Fits);
        Assert.True(with.Fits, Describe(with));
    }

    [Fact]
    public void Qlora_8B_nf4_on_one_24GB_gpu_fits()
    {
        var estimate = MemoryEstimator.Estimate(Llama31_8B with
        {
            Algorithm = "qlora",
            Lora = true,
            LoraRank = 8,
            Quantization = "nf4",
            Gpus = 1,
            MicroBatchPerGpu = 2,
            GpuMemoryGb = 24,
        });

        Assert.True(estimate.Fits, Describe(estimate));
        Assert.DoesNotContain(estimate.Terms, t => t.Name == "gathered-layer working set");
    }

    [Fact]
    public void Qlora_405B_on_8x80_fsdp_fits_like_torchtune_405B_qlora()
    {
        var estimate = MemoryEstimator.Estimate(Llama31_405B with
        {
            Algorithm = "qlora",
            Lora = true,
            LoraRank = 16,
            Quantization = "nf4",
        });

        Assert.True(estimate.Fits, Describe(estimate));
    }

    [Fact]
    public void Grpo_lora_7B_on_one_80GB_gpu_with_offload_fits_like_verl_tuning_7b()
    {
        var estimate = MemoryEstimator.Estimate(Grpo(Qwen25_7B, rolloutTp: 1, utilization: 0.2) with
        {
            Gpus = 1,
            Lora = true,
            LoraRank = 32,
            ParamOffload = true,
            OptimizerOffload = true,
            MicroBatchPerGpu = 16,
            SequenceLength = 1536,
        });

        Assert.True(estimate.Fits, Describe(estimate));
        Assert.True(estimate.RolloutFits);
        Assert.DoesNotContain(estimate.Terms, t => t.Name == "reference model weights");
    }

    // --- single terms ---

    [Theory]
    [InlineData("fsdp")]
    [InlineData("fsdp2")]
    [InlineData("deepspeed_zero3")]
    public void Zero3_adam_is_16_psi_over_n(string strategy)
    {
        var estimate = MemoryEstimator.Estimate(Qwen25_72B with { Strategy = strategy });

        Assert.Equal(16 * 72.7e9 / 8 / 1e9, PolicyStates(estimate), 6);
        Assert.Contains(estimate.Terms, t => t.Formula.StartsWith("12Ψ/N = 12 × 72.7e9 / 8 bytes", StringComparison.Ordinal));
    }

    [Fact]
    public void Ddp_adam_is_16_psi()
    {
        var estimate = MemoryEstimator.Estimate(Qwen25_7B with { Strategy = "ddp" });

        Assert.Equal(16 * 7.61e9 / 1e9, PolicyStates(estimate), 6);
        Assert.DoesNotContain(estimate.Terms, t => t.Name == "gathered-layer working set");
    }

    [Theory]
    [InlineData("deepspeed_zero1", 4 + (12.0 / 8))]
    [InlineData("deepspeed_zero2", 2 + (14.0 / 8))]
    [InlineData("megatron", 6 + (12.0 / 8))]
    public void Partial_sharding_follows_zero_paper_and_megatron(string strategy, double bytesPerParameter)
    {
        var estimate = MemoryEstimator.Estimate(Qwen25_7B with { Strategy = strategy });

        Assert.Equal(bytesPerParameter * 7.61e9 / 1e9, PolicyStates(estimate), 6);
    }

    [Fact]
    public void Megatron_divides_by_tensor_parallel_and_shards_optimizer_over_dp()
    {
        var estimate = MemoryEstimator.Estimate(Qwen25_72B with { Strategy = "megatron", Gpus = 32, TensorParallel = 8 });

        // DP = 32 / 8 = 4: (6 + 12/4) bytes × Ψ/8.
        Assert.Equal((6 + 3) * 72.7e9 / 8 / 1e9, PolicyStates(estimate), 6);
    }

    [Fact]
    public void Optimizer_offload_removes_12_psi_over_n()
    {
        var on = MemoryEstimator.Estimate(Qwen25_72B with { OptimizerOffload = true });
        var off = MemoryEstimator.Estimate(Qwen25_72B);

        Assert.Equal(12 * 72.7e9 / 8 / 1e9, off.TotalGb - on.TotalGb, 6);
        Assert.Equal(0, Gb(on, "policy optimizer states"));
    }

    [Fact]
    public void Param_offload_removes_weights_and_gradients_but_keeps_a_working_set()
    {
        var on = MemoryEstimator.Estimate(Qwen25_72B with { ParamOffload = true });
        var off = MemoryEstimator.Estimate(Qwen25_72B);

        Assert.Equal(4 * 72.7e9 / 8 / 1e9, off.TotalGb - on.TotalGb, 6);
        // 3 × 2 bytes × largest layer (current, its gradient, prefetched): the 152064 × 8192 embedding for Qwen2.5-72B.
        Assert.Equal(6.0 * 152064 * 8192 / 1e9, Gb(on, "gathered-layer working set"), 6);
        var lora = MemoryEstimator.Estimate(Qwen25_72B with { ParamOffload = true, Lora = true, LoraRank = 16 });
        Assert.Equal(4.0 * 152064 * 8192 / 1e9, Gb(lora, "gathered-layer working set"), 6); // a frozen base has no gradient
    }

    [Fact]
    public void Online_rl_counts_the_actor_in_full_because_verl_reloads_it_for_the_update()
    {
        var rl = MemoryEstimator.Estimate(Grpo(Qwen25_72B, rolloutTp: 8, utilization: 0.6) with { Gpus = 32, OptimizerOffload = true });

        Assert.Equal(16 * 72.7e9 / 32 / 1e9, PolicyStates(rl), 6);
        Assert.Contains(rl.Notes, n => n.Contains("update_actor", StringComparison.Ordinal));
    }

    [Fact]
    public void Reference_model_is_16_bit_weights_sharded_like_the_policy()
    {
        var estimate = MemoryEstimator.Estimate(Grpo(Qwen25_72B, rolloutTp: 8, utilization: 0.6));

        Assert.Equal(2 * 72.7e9 / 8 / 1e9, Gb(estimate, "reference model weights"), 6);
    }

    [Fact]
    public void Critic_adds_a_second_set_of_model_states()
    {
        var ppo = Qwen25_7B with { Algorithm = "ppo", RolloutGpuMemoryUtilization = 0.5, RolloutTensorParallel = 4 };
        var withCritic = MemoryEstimator.Estimate(ppo with { HasCritic = true });
        var without = MemoryEstimator.Estimate(ppo);

        Assert.Equal(16 * 7.61e9 / 8 / 1e9, withCritic.TotalGb - without.TotalGb, 6);
    }

    [Theory]
    [InlineData(10e9, false)]
    [InlineData(9.99e9, true)]
    public void Verl_rollout_rule_needs_more_than_two_bytes_per_parameter(double parameters, bool fits)
    {
        // 80 GB × 0.25 × TP 1 = 20 GB against 2 × Ψ: equality does not pass (verl: ">").
        var estimate = MemoryEstimator.Estimate(Dense(parameters, 0, 0, 0, 0, 0) with
        {
            Algorithm = "grpo",
            RolloutTensorParallel = 1,
            RolloutGpuMemoryUtilization = 0.25,
        });

        Assert.Equal(20, estimate.RolloutHaveGb, 9);
        Assert.Equal(2 * parameters / 1e9, estimate.RolloutNeedGb, 9);
        Assert.Equal(fits, estimate.RolloutFits);
    }

    [Fact]
    public void Rollout_is_not_checked_without_a_rollout_engine()
    {
        var estimate = MemoryEstimator.Estimate(Llama31_8B);

        Assert.True(estimate.RolloutFits);
        Assert.Equal(0, estimate.RolloutNeedGb);
        Assert.Equal(0, estimate.RolloutHaveGb);
    }

    [Fact]
    public void Lora_parameters_match_peft_for_llama_8B_rank_16()
    {
        // models.md B1: 1,310,720 per layer × 32 = 41.9M (0.52% of 8.03B).
        var count = MemoryEstimator.LoraParameters(Llama31_8B with { Lora = true, LoraRank = 16 });

        Assert.InRange(count, 41_943_040 * 0.999, 41_943_040 * 1.001);
    }

    [Fact]
    public void Lora_parameters_without_architecture_are_half_a_percent_per_rank_16()
    {
        var count = MemoryEstimator.LoraParameters(Dense(8e9, 0, 0, 0, 0, 0) with { Lora = true, LoraRank = 32 });

        Assert.Equal(0.01 * 8e9, count, 3);
    }

    [Fact]
    public void Checkpointing_keeps_layer_inputs_plus_the_larger_of_one_layer_and_the_logits()
    {
        // Logits (4·s·b·V = 8.4 GB) are freed in the output layer's backward, before any layer is recomputed (1.1 GB).
        var estimate = MemoryEstimator.Estimate(Llama31_8B with { MicroBatchPerGpu = 2, SequenceLength = 8192 });
        var tokens = 2.0 * 8192;

        Assert.Equal(2 * tokens * 4096 * 32 / 1e9, Gb(estimate, "activations: checkpointed layer inputs"), 6);
        Assert.Equal(0, Gb(estimate, "activations: one layer recomputed"), 6);
        Assert.Equal(4 * tokens * 128256 / 1e9, Gb(estimate, "logits (fp32)"), 6);

        // With a small vocabulary share (a reward model's scalar head) the recomputed layer is the larger.
        var reward = MemoryEstimator.Estimate(Llama31_8B with { Algorithm = "reward_model", MicroBatchPerGpu = 1, SequenceLength = 8192 });
        Assert.Equal(34 * 2 * 8192.0 * 4096 / 1e9, Gb(reward, "activations: one layer recomputed"), 6);
        Assert.Equal(0, Gb(reward, "logits"), 6);
    }

    [Fact]
    public void Without_checkpointing_all_layers_are_kept_and_tensor_parallel_divides()
    {
        var estimate = MemoryEstimator.Estimate(Llama31_8B with { GradientCheckpointing = false, TensorParallel = 2 });

        Assert.Equal(34.0 * 2048 * 4096 * 32 / 2 / 1e9, Gb(estimate, "activations: all layers"), 6);
        Assert.Equal(4.0 * 2048 * 128256 / 2 / 1e9, Gb(estimate, "logits (fp32)"), 6);
    }

    [Fact]
    public void Preference_pairs_double_the_activations()
    {
        var sft = MemoryEstimator.Estimate(Llama31_8B);
        var dpo = MemoryEstimator.Estimate(Llama31_8B with { Algorithm = "dpo" });

        Assert.Equal(2 * Gb(sft, "activations"), Gb(dpo, "activations"), 6);
        Assert.Equal(2 * Gb(sft, "logits"), Gb(dpo, "logits"), 6);
    }

    [Fact]
    public void Unknown_architecture_is_estimated_from_parameters_with_a_note()
    {
        var estimate = MemoryEstimator.Estimate(Dense(8e9, 0, 0, 0, 0, 0));

        Assert.Contains(estimate.Notes, n => n.StartsWith("Architecture unknown", StringComparison.Ordinal));
        Assert.True(Gb(estimate, "activations") > 0);
        Assert.True(Gb(estimate, "logits") > 0);
    }

    [Fact]
    public void Total_is_the_sum_of_terms_and_every_term_shows_its_formula()
    {
        var estimate = MemoryEstimator.Estimate(Grpo(Qwen25_72B, rolloutTp: 8, utilization: 0.6) with { Gpus = 32, ParamOffload = true, OptimizerOffload = true });

        Assert.Equal(estimate.Terms.Sum(t => t.Gb), estimate.TotalGb, 9);
        Assert.All(estimate.Terms, t => Assert.False(string.IsNullOrWhiteSpace(t.Formula)));
        Assert.Contains(estimate.Terms, t => t.Name == "CUDA context and fragmentation" && t.Gb == MemoryEstimator.OverheadGb);
        Assert.Equal(estimate.TotalGb <= estimate.GpuMemoryGb, estimate.Fits);
    }

    private static string Describe(MemoryEstimate estimate) =>
        string.Join("\n", estimate.Terms.Select(t => $"{t.Name}: {t.Gb:F2} GB = {t.Formula}")) + $"\ntotal {estimate.TotalGb:F2} of {estimate.GpuMemoryGb} GB";
}
