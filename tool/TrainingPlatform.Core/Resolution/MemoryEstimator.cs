using System.Globalization;
using TrainingPlatform.Core.Recipes;

namespace TrainingPlatform.Core.Resolution;

/// <summary>
/// What the per-GPU memory estimate needs to know about a run. Architecture fields are 0 when unknown;
/// <see cref="MemoryEstimator"/> then derives a shape from the parameter count and says so in a note.
/// </summary>
/// <param name="Parameters">Total parameters Ψ.</param>
/// <param name="ActiveParameters">MoE active parameters (used for the shape when the architecture is unknown); null for dense.</param>
/// <param name="Algorithm">sft, lora, qlora, dpo, ipo, simpo, orpo, kto, reward_model, ppo, grpo, dapo, rloo, reinforce_plus_plus.</param>
/// <param name="Lora">Only adapters are trained; the base is frozen.</param>
/// <param name="Quantization">Base-weight storage: none, int8, nf4, fp4.</param>
/// <param name="Precision">bf16, fp16 or fp32.</param>
/// <param name="Strategy">ddp, fsdp, fsdp2, deepspeed_zero1, deepspeed_zero2, deepspeed_zero3, megatron.</param>
/// <param name="RolloutGpuMemoryUtilization">The rollout engine's share of GPU memory (online RL only; null otherwise).</param>
public sealed record MemoryInputs(
    double Parameters,
    double? ActiveParameters,
    int Layers,
    int HiddenSize,
    int Heads,
    int KvHeads,
    int HeadDim,
    int VocabSize,
    string Algorithm,
    bool Lora,
    int LoraRank,
    string Quantization,
    string Precision,
    string Strategy,
    int Gpus,
    int TensorParallel,
    int PipelineParallel,
    int ContextParallel,
    int SequenceParallel,
    bool ParamOffload,
    bool OptimizerOffload,
    int MicroBatchPerGpu,
    int SequenceLength,
    bool GradientCheckpointing,
    double GpuMemoryGb,
    int RolloutTensorParallel,
    double? RolloutGpuMemoryUtilization,
    bool HasReferenceModel,
    bool HasCritic)
{
    /// <summary>
    /// trainer.framework (verl, trl, torchtune, openrlhf, ...); empty when unknown. It decides the precision of the model
    /// states: torchtune trains in pure bf16, verl keeps an fp32 actor, the others use mixed precision (docs/memory.md §1).
    /// </summary>
    public string Framework { get; init; } = "";

    /// <summary>optimizer.name: adamw, adamw_fused, adamw_8bit, paged_adamw_8bit, paged_adamw_32bit, adafactor, sgd, lion.</summary>
    public string Optimizer { get; init; } = "adamw";

    /// <summary>torchtune's <c>optimizer_in_bwd</c>: each parameter is stepped as its gradient arrives, so no gradient is kept.</summary>
    public bool OptimizerInBackward { get; init; }

    /// <summary>PPO with a model-based reward (<c>rl.reward_model</c>): a frozen reward model, assumed the policy's size.</summary>
    public bool HasRewardModel { get; init; }

    /// <summary>
    /// <see cref="SequenceLength"/> is a token budget per GPU (dynamic batching, verl <c>ppo_max_token_len_per_gpu</c>):
    /// it is not divided by SP or CP again (verl dp_actor.py:552 packs budget × SP tokens, which Ulysses splits over SP GPUs).
    /// </summary>
    public bool SequenceIsPerGpu { get; init; }
}

/// <summary>One line of the estimate: what it is, its size in GB (1e9 bytes), and the arithmetic behind it.</summary>
public sealed record MemoryTerm(string Name, double Gb, string Formula);

/// <summary>
/// The per-GPU estimate for the training step. <see cref="Fits"/> compares <see cref="TotalGb"/> (the actor's update) and, for PPO,
/// <see cref="CriticPhaseGb"/> (the critic's update) with the GPU.
/// For online RL, <see cref="RolloutFits"/> is verl's rollout sizing rule, checked on its own: the hybrid engine
/// runs rollout and training in turn, so the two are not added.
/// </summary>
public sealed record MemoryEstimate(
    IReadOnlyList<MemoryTerm> Terms,
    double TotalGb,
    double GpuMemoryGb,
    bool Fits,
    bool RolloutFits,
    double RolloutNeedGb,
    double RolloutHaveGb,
    IReadOnlyList<string> Notes)
{
    /// <summary>Online RL with <c>rl.gpu_memory_utilization</c>: training state left on the GPU during generation plus the engine's reservation; null otherwise.</summary>
    public double? RolloutPhaseGb { get; init; }

    /// <summary>The rollout engine's reservation (GPU memory × gpu_memory_utilization); null without a rollout.</summary>
    public double? RolloutReservedGb { get; init; }

    /// <summary>PPO: the peak of the critic's update phase (critic states and activations plus what stays resident); null without a critic.</summary>
    public double? CriticPhaseGb { get; init; }

    /// <summary>How the model states were counted: "pure bf16 (torchtune)", "fp32 actor (verl)", "mixed precision", "megatron".</summary>
    public string PrecisionRegime { get; init; } = "";
}

/// <summary>
/// Per-GPU memory for post-training, from published formulas (docs/memory.md gives each with its source):
/// model states after sharding (ZeRO paper, DeepSpeed estimators, Megatron theoretical_memory_usage.py),
/// activations (Korthikanti et al.), logits, a reference model and a critic, a fixed overhead, and verl's
/// rollout rule. GB means 1e9 bytes throughout. Pure: no I/O, no clock.
/// </summary>
public static class MemoryEstimator
{
    /// <summary>Bytes in one GB as used by every figure here (decimal, like GPU data sheets' "80 GB").</summary>
    public const double BytesPerGb = 1e9;

    /// <summary>Bytes in one GiB. GPU data sheets' sizes are binary: an "80 GB" H100 or A100 has 80 GiB of HBM.</summary>
    public const double BytesPerGib = 1024.0 * 1024 * 1024;

    /// <summary>
    /// What a GPU sold as <paramref name="nominalGb"/> "GB" holds, in GB (1e9 bytes): the data-sheet figure is GiB, so an
    /// "80 GB" GPU holds 85.9 GB (nvidia-smi reports 81559 MiB = 85.5 GB on an H100 80GB; the driver's reservation is
    /// inside the fixed overhead term). The estimate's terms are GB, so this is the figure they are compared with.
    /// </summary>
    public static double DeviceCapacityGb(double nominalGb) => nominalGb * BytesPerGib / BytesPerGb;

    /// <summary>Fixed per-GPU allowance for the CUDA context, NCCL buffers and allocator fragmentation.</summary>
    public const double OverheadGb = 2.0;

    /// <summary>Korthikanti et al. bytes per token per hidden unit for one transformer layer (TP + SP + selective recompute).</summary>
    public const double ActivationBytesPerLayer = 34;

    /// <summary>Vocabulary assumed when none is given (Qwen2.5-7B and larger, the biggest of the Llama 3 / Qwen families).</summary>
    public const int DefaultVocabSize = 152064;

    /// <summary>Depth-to-width ratio used to guess a shape from Ψ: h ≈ 128·L, as in Llama-3.1-8B/405B and Qwen2.5-7B.</summary>
    private const double HiddenPerLayer = 128;

    // Chosen and rejected completions go through the model in the same step.
    private static readonly HashSet<string> PairedAlgorithms = new(StringComparer.OrdinalIgnoreCase)
    {
        "dpo", "ipo", "simpo", "orpo", "cpo", "reward_model",
    };

    private enum Sharding
    {
        None,
        Optimizer,
        OptimizerAndGradients,
        Full,
        Megatron,
    }

    private enum Offload
    {
        Param,
        Optimizer,
    }

    /// <summary>One kind of model state: bytes per parameter, the degree it is sharded over, and which switch offloads it.</summary>
    private sealed record StatePart(string Label, double BytesPerParam, int Divisor, Offload OffloadedBy);

    public static MemoryEstimate Estimate(MemoryInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs.Parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs.GpuMemoryGb);

        var notes = new List<string>();
        var terms = new List<MemoryTerm>();
        var psi = inputs.Parameters;
        var shape = ModelShape.From(inputs, notes);
        var precisionBytes = PrecisionBytes(inputs.Precision, notes);
        var algorithm = inputs.Algorithm.Trim();
        var onlineRl = OnlineRl.IsAlgorithm(algorithm) || inputs.RolloutGpuMemoryUtilization is not null;

        var tp = Math.Max(1, inputs.TensorParallel);
        var pp = Math.Max(1, inputs.PipelineParallel);
        var cp = Math.Max(1, inputs.ContextParallel);
        var sp = Math.Max(1, inputs.SequenceParallel);
        var gpus = Math.Max(1, inputs.Gpus);
        var modelParallel = tp * pp * cp;
        var n = gpus / modelParallel;
        if (n < 1 || gpus % modelParallel != 0)
        {
            notes.Add($"{gpus} GPUs is not a multiple of TP·PP·CP = {modelParallel}; data-parallel degree taken as {Math.Max(1, n)}.");
            n = Math.Max(1, n);
        }

        var sharding = ShardingOf(inputs.Strategy, notes);
        var (paramOffload, optimizerOffload) = EffectiveOffload(inputs, sharding, notes);

        // Ψ held by one model-parallel rank: Megatron's most-loaded shard is (block/PP + embedding)/TP (models.md B1).
        var psiRank = shape.Known && pp > 1 ? (((psi - (2 * shape.EmbeddingParams)) / pp) + shape.EmbeddingParams) / tp : psi / (tp * pp);
        var rankSymbol = tp * pp == 1 ? "Ψ" : "Ψ_rank";
        if (tp * pp > 1)
        {
            notes.Add(pp > 1 && shape.Known
                ? $"Ψ_rank = ((Ψ − 2·V·h)/PP + V·h)/TP = {Sci(psiRank)}: the most-loaded pipeline stage (Megatron theoretical_memory_usage.py)."
                : $"Ψ_rank = Ψ/(TP·PP) = {Sci(psiRank)} parameters per model-parallel rank.");
        }

        var divisorSymbol = sharding == Sharding.Megatron ? "DP" : "N";
        var weightDivisor = sharding == Sharding.Full ? n : 1;
        var stateBytes = StateBytesOf(inputs, sharding, precisionBytes, notes);
        var parts = StateParts(sharding, stateBytes, n);
        var verlFsdp = IsVerl(inputs) && sharding == Sharding.Full;

        // verl's LoRA actor is loaded in fp32 like any actor (fsdp_workers.py:324-326): the frozen base is 4 bytes per parameter.
        var baseBytes = verlFsdp ? 4 : precisionBytes;

        // In verl's hybrid engine, param/optimizer offload moves the actor to CPU between phases and
        // update_actor loads it back (verl/workers/fsdp_workers.py), so the update step holds the full shard.
        var phaseOffload = onlineRl && (paramOffload || optimizerOffload);
        var policyParamOffload = paramOffload && !phaseOffload;
        var policyOptimizerOffload = optimizerOffload && !phaseOffload;
        if (phaseOffload)
        {
            notes.Add("Online RL: verl offloads the actor between phases and reloads its weights and optimizer for the update "
                + "(fsdp_workers.update_actor), so the actor's states are counted in full; offload frees memory for the rollout phase.");
        }

        AddAdapterNotes(inputs, shape, baseBytes, notes);

        // Policy model states, and what stays on the GPU while the rollout engine runs.
        var policy = inputs.Lora
            ? LoraStates("policy", inputs, shape, psiRank, rankSymbol, baseBytes, parts, weightDivisor, divisorSymbol, policyParamOffload, policyOptimizerOffload)
            : FullStates("policy", psiRank, rankSymbol, parts, divisorSymbol, policyParamOffload, policyOptimizerOffload);
        terms.AddRange(policy);
        var residentDuringRollout = phaseOffload
            ? Sum(inputs.Lora
                ? LoraStates("policy", inputs, shape, psiRank, rankSymbol, baseBytes, parts, weightDivisor, divisorSymbol, paramOffload, optimizerOffload)
                : FullStates("policy", psiRank, rankSymbol, parts, divisorSymbol, paramOffload, optimizerOffload))
            : Sum(policy);

        // Layers all-gathered from shards, or copied in from CPU, for compute (DeepSpeed stage3 estimator LL).
        var gathersWeights = (sharding == Sharding.Full && n > 1) || policyParamOffload;
        if (gathersWeights)
        {
            var layerBytes = inputs.Lora ? QuantizedBytes(inputs.Quantization, precisionBytes) : precisionBytes;
            var layer = shape.LayerParams * layerBytes;
            var embedding = shape.EmbeddingParams * precisionBytes;
            // Full-parameter training also holds the gathered layer's unsharded gradient until it is reduce-scattered
            // (FSDP backward with BACKWARD_PRE prefetch: current layer, its gradient, next layer); frozen LoRA bases have none.
            var copies = inputs.Lora ? 2 : 3;
            var bytes = copies * Math.Max(layer, embedding) / tp;
            terms.Add(new MemoryTerm(
                "gathered-layer working set",
                bytes / BytesPerGb,
                $"{copies} × max({Num(layerBytes)} × {Sci(shape.LayerParams)} layer, {Num(precisionBytes)} × {Sci(shape.EmbeddingParams)} embedding){TpText(tp)} bytes "
                + (inputs.Lora
                    ? "(current and prefetched layer; DeepSpeed LL = 4 × largest layer)"
                    : "(current layer, its unsharded gradient before reduce-scatter, and the prefetched layer)")));
        }

        // Reference model: frozen 16-bit weights sharded like the policy's weights.
        if (inputs.HasReferenceModel)
        {
            if (inputs.Lora)
            {
                notes.Add("LoRA: the reference is the base model with adapters disabled (TRL, torchtune, verl), so no second copy is counted.");
            }
            else if (verlFsdp)
            {
                terms.Add(new MemoryTerm("reference model weights", 0, "on CPU: verl always wraps the reference in FSDP CPUOffload (fsdp_workers.py:526, FSDP2 :552); streamed a layer at a time"));
            }
            else if (paramOffload)
            {
                terms.Add(new MemoryTerm("reference model weights", 0, "offloaded to CPU (param_offload); streamed a layer at a time"));
            }
            else
            {
                var bytes = precisionBytes * psiRank / weightDivisor;
                var term = new MemoryTerm(
                    "reference model weights",
                    bytes / BytesPerGb,
                    PerParam(precisionBytes, rankSymbol, psiRank, weightDivisor, divisorSymbol));
                terms.Add(term);
                residentDuringRollout += term.Gb;
            }
        }

        // Reward model (PPO with rl.reward_model): frozen 16-bit weights, assumed the policy's size; verl keeps it on CPU under FSDP.
        if (inputs.HasRewardModel)
        {
            if (verlFsdp || paramOffload)
            {
                terms.Add(new MemoryTerm("reward model weights", 0, verlFsdp
                    ? "on CPU: verl wraps the reward model in FSDP CPUOffload (fsdp_workers.py:1755); streamed a layer at a time"
                    : "offloaded to CPU (param_offload); streamed a layer at a time"));
            }
            else
            {
                var bytes = precisionBytes * psiRank / weightDivisor;
                var term = new MemoryTerm("reward model weights", bytes / BytesPerGb, PerParam(precisionBytes, rankSymbol, psiRank, weightDivisor, divisorSymbol) + " (assumed the policy's size)");
                terms.Add(term);
                residentDuringRollout += term.Gb;
            }

            notes.Add("Reward model: assumed the same size as the policy (rl.reward_model names it; its size is not looked up).");
        }

        // Critic (PPO): a second set of model states. Outside its own update it stays on the GPU unless offloaded.
        List<MemoryTerm>? criticFull = null;
        double criticResident = 0;
        if (inputs.HasCritic)
        {
            var critic = inputs.Lora
                ? LoraStates("critic", inputs, shape, psiRank, rankSymbol, baseBytes, parts, weightDivisor, divisorSymbol, paramOffload, optimizerOffload)
                : FullStates("critic", psiRank, rankSymbol, parts, divisorSymbol, paramOffload, optimizerOffload);
            terms.AddRange(critic);
            criticResident = Sum(critic);
            residentDuringRollout += criticResident;

            // verl's update_critic loads the critic's weights and optimizer back (fsdp_workers.py:1560-1564), like update_actor.
            criticFull = inputs.Lora
                ? LoraStates("critic", inputs, shape, psiRank, rankSymbol, baseBytes, parts, weightDivisor, divisorSymbol, policyParamOffload, policyOptimizerOffload)
                : FullStates("critic", psiRank, rankSymbol, parts, divisorSymbol, policyParamOffload, policyOptimizerOffload);
        }

        var activations = Activations(inputs, shape, algorithm, precisionBytes, sharding, tp, cp, sp, notes, critic: false);
        terms.AddRange(activations);
        terms.Add(new MemoryTerm("CUDA context and fragmentation", OverheadGb, "fixed 2 GB per GPU (CUDA context, NCCL buffers, allocator fragmentation)"));
        residentDuringRollout += OverheadGb;

        var total = terms.Sum(t => t.Gb);
        var fits = total <= inputs.GpuMemoryGb;

        // The critic's update phase: its full states and its own activations (a scalar value head, no vocabulary logits),
        // beside whatever of the actor, reference and reward model stays on the GPU.
        double? criticPhase = null;
        if (criticFull is not null)
        {
            var actorResident = residentDuringRollout - criticResident - OverheadGb;
            var criticActivations = Sum(Activations(inputs, shape, algorithm, precisionBytes, sharding, tp, cp, sp, [], critic: true));
            var workingSet = terms.Where(t => t.Name == "gathered-layer working set").Sum(t => t.Gb);
            criticPhase = Sum(criticFull) + workingSet + criticActivations + actorResident + OverheadGb;
            notes.Add($"Critic update phase: {Num(Sum(criticFull))} GB critic states + {Num(workingSet)} GB working set + {Num(criticActivations)} GB activations (scalar value head) "
                + $"+ {Num(actorResident)} GB of actor/reference/reward model left on the GPU + {Num(OverheadGb)} GB = {Num(criticPhase.Value)} GB of {Num(inputs.GpuMemoryGb)} GB"
                + (criticPhase > inputs.GpuMemoryGb ? ": does NOT fit." : "."));
            fits = fits && criticPhase <= inputs.GpuMemoryGb;
        }

        var rolloutFits = true;
        double need = 0, have = 0;
        double? rolloutPhaseGb = null, reservedGb = null;
        if (inputs.RolloutGpuMemoryUtilization is { } utilization)
        {
            var rolloutTp = Math.Max(1, inputs.RolloutTensorParallel);
            need = 2 * psi / BytesPerGb;
            have = inputs.GpuMemoryGb * utilization * rolloutTp;
            rolloutFits = have > need;
            notes.Add($"Rollout (verl best_practices.rst): memory_per_gpu × gpu_memory_utilization × TP > 2 × Ψ: "
                + $"{Num(inputs.GpuMemoryGb)} × {Num(utilization)} × {rolloutTp} = {Num(have)} GB {(rolloutFits ? ">" : "≤")} {Num(need)} GB.");
            if (rolloutTp > gpus)
            {
                notes.Add($"Rollout TP {rolloutTp} exceeds the {gpus} GPUs of the run.");
            }

            var reserved = inputs.GpuMemoryGb * utilization;
            var rolloutPhase = residentDuringRollout + reserved;
            rolloutPhaseGb = rolloutPhase;
            reservedGb = reserved;
            notes.Add($"Rollout phase: {Num(residentDuringRollout)} GB of training state stays on the GPU + {Num(reserved)} GB reserved by the rollout engine "
                + $"= {Num(rolloutPhase)} GB of {Num(inputs.GpuMemoryGb)} GB"
                + (rolloutPhase > inputs.GpuMemoryGb
                    ? "; vLLM will not start (\"Free memory on device … is less than desired GPU memory utilization\"): enable param/optimizer offload or lower gpu_memory_utilization."
                    : "."));
            AddKvCacheNote(inputs, shape, rolloutTp, reserved, notes);
        }
        else if (onlineRl)
        {
            notes.Add("No rl.gpu_memory_utilization: the rollout engine was not checked.");
        }

        return new MemoryEstimate(terms, total, inputs.GpuMemoryGb, fits, rolloutFits, need, have, notes)
        {
            RolloutPhaseGb = rolloutPhaseGb,
            RolloutReservedGb = reservedGb,
            CriticPhaseGb = criticPhase,
            PrecisionRegime = stateBytes.Regime,
        };
    }

    /// <summary>
    /// Trainable LoRA parameters: r·(d_in + d_out) over the 7 projections of every layer (peft lora_A/lora_B);
    /// without an architecture, 0.5% of Ψ at rank 16, scaled linearly with rank (models.md B1: 0.52% for Llama-3.1-8B).
    /// </summary>
    internal static double LoraParameters(MemoryInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return LoraParameters(inputs, ModelShape.From(inputs, []));
    }

    private static double LoraParameters(MemoryInputs inputs, ModelShape shape)
    {
        var rank = Math.Max(1, inputs.LoraRank);
        return shape.Known ? rank * shape.LoraWidthPerLayer * shape.Layers : 0.005 * inputs.Parameters * rank / 16;
    }

    private static IReadOnlyList<StatePart> StateParts(Sharding sharding, StateBytes bytes, int n)
    {
        var (w, g, o) = (bytes.Weights, bytes.Gradients, bytes.Optimizer);
        return sharding switch
        {
            Sharding.None => [new($"weights{bytes.WeightsNote}", w, 1, Offload.Param), new($"gradients{bytes.GradientsNote}", g, 1, Offload.Param), new($"optimizer states{bytes.OptimizerNote}", o, 1, Offload.Optimizer)],
            Sharding.Optimizer => [new($"weights{bytes.WeightsNote}", w, 1, Offload.Param), new($"gradients{bytes.GradientsNote}", g, 1, Offload.Param), new($"optimizer states{bytes.OptimizerNote}", o, n, Offload.Optimizer)],
            Sharding.OptimizerAndGradients => [new($"weights{bytes.WeightsNote}", w, 1, Offload.Param), new($"gradients{bytes.GradientsNote}", g, n, Offload.Param), new($"optimizer states{bytes.OptimizerNote}", o, n, Offload.Optimizer)],
            Sharding.Full => [new($"weights{bytes.WeightsNote}", w, n, Offload.Param), new($"gradients{bytes.GradientsNote}", g, n, Offload.Param), new($"optimizer states{bytes.OptimizerNote}", o, n, Offload.Optimizer)],
            // Megatron with the distributed optimizer: 6 + 12/DP bytes (16-bit weights, fp32 main grads, sharded Adam).
            _ => [new($"weights{bytes.WeightsNote}", w, 1, Offload.Param), new($"gradients (fp32 main grads){bytes.GradientsNote}", g, 1, Offload.Param), new($"optimizer states{bytes.OptimizerNote}", o, n, Offload.Optimizer)],
        };
    }

    /// <summary>Bytes per trainable parameter of weights, gradients and optimizer states, with a label suffix for each.</summary>
    private sealed record StateBytes(double Weights, double Gradients, double Optimizer, string WeightsNote, string GradientsNote, string OptimizerNote, string Regime);

    /// <summary>
    /// The precision regime of the framework and the optimizer's state size (docs/memory.md §1):
    /// torchtune trains in pure bf16 (memory_optimizations.rst:57-58, "we don't support mixed-precision training"),
    /// verl loads the actor in fp32 (fsdp_workers.py:324-326, model_dtype fp32) and computes in bf16,
    /// everything else is mixed precision with an fp32 master copy (ZeRO paper, K = 12 for Adam).
    /// </summary>
    private static StateBytes StateBytesOf(MemoryInputs inputs, Sharding sharding, double precisionBytes, List<string> notes)
    {
        var framework = inputs.Framework.Trim().ToLowerInvariant();
        var optimizer = inputs.Optimizer.Trim().ToLowerInvariant();
        // Optimizer moments in fp32 bytes per parameter.
        double moments;
        var eightBit = false;
        switch (optimizer)
        {
            case "" or "adamw" or "adamw_fused" or "adam" or "paged_adamw_32bit":
                moments = 8;
                break;
            case "adamw_8bit" or "paged_adamw_8bit":
                moments = 2; // bitsandbytes/torchao 8-bit AdamW: two 1-byte moments (block-wise absmax not counted)
                eightBit = true;
                break;
            case "lion":
                moments = 4; // one momentum
                break;
            case "sgd":
                moments = 0; // torch.optim.SGD momentum defaults to 0: no state
                notes.Add("Optimizer sgd: no state counted (torch.optim.SGD's momentum defaults to 0; with momentum add 4 bytes per parameter).");
                break;
            case "adafactor":
                moments = 0; // factored second moment: rows + columns per matrix, negligible per parameter
                notes.Add("Optimizer adafactor: its factored second moment (rows + columns per matrix) is not counted per parameter.");
                break;
            default:
                moments = 8;
                notes.Add($"Optimizer '{inputs.Optimizer}' is not known; counted as AdamW (two fp32 moments).");
                break;
        }

        var paged = optimizer.StartsWith("paged_", StringComparison.Ordinal);
        string optimizerNote = paged ? " (paged)" : eightBit ? " (8-bit)" : "";
        double weights, gradients, states;
        string regime;
        if (sharding == Sharding.Megatron)
        {
            weights = precisionBytes;
            gradients = 4;
            states = (precisionBytes < 4 ? 4 : 0) + moments;
            regime = "megatron (16-bit weights, fp32 main grads, fp32 master and moments)";
        }
        else if (framework == "torchtune")
        {
            weights = precisionBytes;
            gradients = precisionBytes;
            states = eightBit ? moments : moments * precisionBytes / 4;
            regime = $"pure {(precisionBytes == 4 ? "fp32" : "bf16")} (torchtune: weights, gradients and optimizer states in one dtype)";
        }
        else if (framework == "verl" && sharding == Sharding.Full)
        {
            weights = 4;
            gradients = 4;
            states = moments;
            regime = "fp32 actor (verl: model_dtype fp32, bf16 compute)";
            if (precisionBytes < 4)
            {
                notes.Add("verl loads the actor (and critic) in fp32 and computes in bf16 (fsdp_workers.py:324-326, model_dtype): "
                    + "4-byte weights and gradients, fp32 optimizer states.");
            }
        }
        else
        {
            weights = precisionBytes;
            gradients = precisionBytes;
            states = (precisionBytes < 4 ? 4 : 0) + moments;
            regime = precisionBytes < 4 ? "mixed precision (16-bit weights and gradients, fp32 master and moments)" : "fp32";
        }

        var gradientsNote = "";
        if (inputs.OptimizerInBackward)
        {
            gradients = 0;
            gradientsNote = " (optimizer in backward)";
            notes.Add("optimizer_in_bwd: each parameter is stepped as its gradient arrives and the gradient is freed, so no gradients are kept "
                + "(torchtune memory_optimizations.rst, \"Fusing optimizer step into backward pass\").");
        }

        if (paged)
        {
            notes.Add($"Paged optimizer: bitsandbytes keeps its {Num(states)} bytes per parameter of states in CUDA unified memory and pages them to CPU "
                + "when the GPU is full (torchtune memory_optimizations.rst:171-173); they are counted as 0 on the GPU.");
            states = 0;
        }

        return new StateBytes(weights, gradients, states, "", gradientsNote, optimizerNote, regime);
    }

    private static List<MemoryTerm> FullStates(string owner, double psiRank, string symbol, IReadOnlyList<StatePart> parts, string divisorSymbol, bool paramOffload, bool optimizerOffload)
    {
        var terms = new List<MemoryTerm>();
        foreach (var part in parts)
        {
            var name = $"{owner} {part.Label}";
            if (IsOffloaded(part, paramOffload, optimizerOffload))
            {
                terms.Add(new MemoryTerm(name, 0, OffloadText(part)));
                continue;
            }

            terms.Add(new MemoryTerm(name, part.BytesPerParam * psiRank / part.Divisor / BytesPerGb, PerParam(part.BytesPerParam, symbol, psiRank, part.Divisor, divisorSymbol)));
        }

        return terms;
    }

    private static List<MemoryTerm> LoraStates(
        string owner,
        MemoryInputs inputs,
        ModelShape shape,
        double psiRank,
        string symbol,
        double precisionBytes,
        IReadOnlyList<StatePart> parts,
        int weightDivisor,
        string divisorSymbol,
        bool paramOffload,
        bool optimizerOffload)
    {
        var terms = new List<MemoryTerm>();
        var baseBytes = QuantizedBytes(inputs.Quantization, precisionBytes);
        var rankShare = psiRank / inputs.Parameters;
        if (paramOffload)
        {
            terms.Add(new MemoryTerm($"{owner} frozen base weights", 0, "offloaded to CPU (param_offload)"));
        }
        else if (baseBytes < precisionBytes && shape.Known)
        {
            // bitsandbytes and torchtune quantize the block's linear layers only; embedding and output head stay 16-bit.
            var unquantized = Math.Min(2 * shape.EmbeddingParams, inputs.Parameters) * rankShare;
            var quantized = psiRank - unquantized;
            var bytes = ((baseBytes * quantized) + (precisionBytes * unquantized)) / weightDivisor;
            terms.Add(new MemoryTerm(
                $"{owner} frozen base weights",
                bytes / BytesPerGb,
                $"({Num(baseBytes)}Ψ_linear + {Num(precisionBytes)}Ψ_embedding){DivSymbol(weightDivisor, divisorSymbol)} = ({Num(baseBytes)} × {Sci(quantized)} + {Num(precisionBytes)} × {Sci(unquantized)}){DivNumber(weightDivisor)} bytes "
                + $"({inputs.Quantization} linear layers; 16-bit embedding and output head)"));
        }
        else
        {
            var bytes = baseBytes * psiRank / weightDivisor;
            terms.Add(new MemoryTerm($"{owner} frozen base weights", bytes / BytesPerGb, PerParam(baseBytes, symbol, psiRank, weightDivisor, divisorSymbol)));
        }

        var lora = LoraParameters(inputs, shape) * rankShare;

        var kept = parts.Where(p => !IsOffloaded(p, paramOffload, optimizerOffload)).ToList();
        var loraBytes = kept.Sum(p => p.BytesPerParam * lora / p.Divisor);
        var sameDivisor = kept.Count > 0 && kept.All(p => p.Divisor == kept[0].Divisor);
        var formula = kept.Count == 0
            ? "offloaded to CPU (param_offload and optimizer_offload)"
            : sameDivisor
            ? PerParam(kept.Sum(p => p.BytesPerParam), "Ψ_LoRA", lora, kept[0].Divisor, divisorSymbol)
            : $"({string.Join(" + ", kept.Select(p => Num(p.BytesPerParam) + DivSymbol(p.Divisor, divisorSymbol)))})Ψ_LoRA = "
                + $"({string.Join(" + ", kept.Select(p => Num(p.BytesPerParam) + DivNumber(p.Divisor)))}) × {Sci(lora)} bytes";
        terms.Add(new MemoryTerm($"{owner} LoRA adapter states", loraBytes / BytesPerGb, formula));
        return terms;
    }

    private static void AddAdapterNotes(MemoryInputs inputs, ModelShape shape, double precisionBytes, List<string> notes)
    {
        var quantized = QuantizedBytes(inputs.Quantization, precisionBytes) < precisionBytes;
        if (!inputs.Lora)
        {
            if (quantized)
            {
                notes.Add($"Quantization '{inputs.Quantization}' applies to a frozen base under LoRA; full-parameter training is counted at {inputs.Precision}.");
            }

            return;
        }

        var count = LoraParameters(inputs, shape);
        notes.Add(shape.Known
            ? $"LoRA parameters Ψ_LoRA = r·Σ(d_in + d_out) over 7 projections × L = {Math.Max(1, inputs.LoraRank)} × {Sci(shape.LoraWidthPerLayer)} × {shape.Layers} = {Sci(count)} (peft lora_A + lora_B)."
            : $"LoRA parameters Ψ_LoRA ≈ 0.5% of Ψ per rank 16 = {Sci(count)} (architecture unknown).");
        if (shape.Known && inputs.ActiveParameters is not null)
        {
            notes.Add("MoE: the LoRA count treats a layer's experts as one wide MLP; adapting every expert adds 3·r·h per extra expert.");
        }

        if (quantized && shape.Known)
        {
            notes.Add("Quantized base: embedding and output head (2·V·h, untied assumed) stay 16-bit; quantization constants (absmax) are not counted.");
        }
    }

    private static bool IsVerl(MemoryInputs inputs) => inputs.Framework.Trim().Equals("verl", StringComparison.OrdinalIgnoreCase);

    private static bool IsTorchtune(MemoryInputs inputs) => inputs.Framework.Trim().Equals("torchtune", StringComparison.OrdinalIgnoreCase);

    private static List<MemoryTerm> Activations(MemoryInputs inputs, ModelShape shape, string algorithm, double precisionBytes, Sharding sharding, int tp, int cp, int sp, List<string> notes, bool critic)
    {
        var terms = new List<MemoryTerm>();
        if (inputs.SequenceLength <= 0)
        {
            notes.Add("Sequence length unknown: activations and logits are not counted.");
            return terms;
        }

        var paired = PairedAlgorithms.Contains(algorithm);
        var b = Math.Max(1, inputs.MicroBatchPerGpu) * (paired ? 2 : 1);
        // A dynamic-batching token budget is already per GPU: verl packs budget × SP tokens and Ulysses splits them over SP GPUs (dp_actor.py:552).
        var split = inputs.SequenceIsPerGpu ? 1 : cp * sp;
        var s = (double)inputs.SequenceLength / split;
        var h = (double)shape.Hidden;
        var l = shape.Layers;
        var scale = precisionBytes / 2;
        var batchText = paired ? $"b = {Math.Max(1, inputs.MicroBatchPerGpu)} × 2 chosen+rejected" : "";
        var seqText = split > 1 ? $"s = {inputs.SequenceLength} / CP·SP {split}" : inputs.SequenceIsPerGpu ? "s = token budget per GPU" : "";
        var context = string.Join("; ", new[] { seqText, batchText, scale > 1 ? "× 2 for fp32" : "" }.Where(t => t.Length > 0));
        context = context.Length > 0 ? $" ({context})" : "";
        var sbh = $"{Num(s)} × {b} × {Num(h)}";

        // A reward model or a critic ends in a scalar head, so its "logits" are one value per token.
        var vocabulary = critic || algorithm.Equals("reward_model", StringComparison.OrdinalIgnoreCase) ? 1 : shape.Vocab;
        var (logitsName, logitsBytes, logitsFormula) = Logits(inputs, s, b, vocabulary, tp, paired);

        if (inputs.GradientCheckpointing)
        {
            // Megatron keeps checkpointed inputs split across TP ranks (sequence parallel); FSDP+TP and DDP do not.
            var inputTp = sharding == Sharding.Megatron ? tp : 1;
            terms.Add(new MemoryTerm(
                "activations: checkpointed layer inputs",
                2 * s * b * h * l * scale / inputTp / BytesPerGb,
                $"2·s·b·h·L{(inputTp > 1 ? "/TP" : "")} = 2 × {sbh} × {l}{TpText(inputTp)} bytes{context}"));

            // The logits live from the end of the forward until the output layer's backward; they are freed before the
            // first layer is recomputed, so the two never coexist: the peak on top of the checkpoints is the larger one.
            var layerBytes = ActivationBytesPerLayer * s * b * h * scale / tp;
            var layerFormula = $"34·s·b·h{(tp > 1 ? "/TP" : "")} = 34 × {sbh}{TpText(tp)} bytes{context}";
            terms.Add(layerBytes >= logitsBytes
                ? new MemoryTerm("activations: one layer recomputed", layerBytes / BytesPerGb,
                    $"{layerFormula}; larger than the {logitsName} ({Num(logitsBytes / BytesPerGb)} GB), which are freed before the first recompute")
                : new MemoryTerm(logitsName, logitsBytes / BytesPerGb,
                    $"{logitsFormula}; larger than one recomputed layer ({Num(layerBytes / BytesPerGb)} GB), which only runs after the logits are freed"));
            return terms;
        }

        terms.Add(new MemoryTerm(
            "activations: all layers",
            ActivationBytesPerLayer * s * b * h * l * scale / tp / BytesPerGb,
            $"34·s·b·h·L{(tp > 1 ? "/TP" : "")} = 34 × {sbh} × {l}{TpText(tp)} bytes{context}"));
        terms.Add(new MemoryTerm(logitsName, logitsBytes / BytesPerGb, logitsFormula));
        return terms;
    }

    /// <summary>The output layer's logits by framework: torchtune chunks them, verl keeps them in bf16 with an in-place loss, the rest upcast to fp32.</summary>
    private static (string Name, double Bytes, string Formula) Logits(MemoryInputs inputs, double s, int b, int vocabulary, int tp, bool paired)
    {
        var pairText = paired ? $" (b = {Math.Max(1, inputs.MicroBatchPerGpu)} × 2 chosen+rejected)" : "";
        if (vocabulary > 1 && IsTorchtune(inputs))
        {
            // torchtune's chunked cross-entropy (CEWithChunkedOutputLoss, 8 chunks): 16-bit output chunks, one fp32 chunk at a time.
            return ("logits (chunked cross-entropy)", ((2 * s * b * vocabulary) + (4 * s * b * vocabulary / 8)) / tp,
                $"2·s·b·V + 4·s·b·V/8 = 2 × {Num(s)} × {b} × {vocabulary} + 4 × {Num(s)} × {b} × {vocabulary} / 8{TpText(tp)} bytes "
                + "(torchtune: bf16 output in 8 chunks, one upcast to fp32 at a time)" + pairText);
        }

        if (vocabulary > 1 && IsVerl(inputs))
        {
            // verl dp_actor.py:262-268: bf16 logits into flash-attn's cross-entropy with inplace_backward (torch_functional.py:89-94).
            return ("logits (bf16)", 2 * s * b * vocabulary / tp,
                $"2·s·b·V{(tp > 1 ? "/TP" : "")} = 2 × {Num(s)} × {b} × {vocabulary}{TpText(tp)} bytes "
                + "(verl: bf16 logits, flash-attn cross-entropy with in-place backward)" + pairText);
        }

        return ("logits (fp32)", 4 * s * b * vocabulary / tp,
            $"4·s·b·V{(tp > 1 ? "/TP" : "")} = 4 × {Num(s)} × {b} × {vocabulary}{TpText(tp)} bytes" + pairText);
    }

    private static void AddKvCacheNote(MemoryInputs inputs, ModelShape shape, int rolloutTp, double reservedGb, List<string> notes)
    {
        if (!shape.Known || inputs.KvHeads <= 0)
        {
            return;
        }

        // vLLM: 2·L·n_kv·head_dim·2 bytes per token; heads replicate when TP > n_kv (models.md B3).
        var kvHeadsPerGpu = Math.Max(1, inputs.KvHeads / rolloutTp);
        var bytesPerToken = 2.0 * shape.Layers * kvHeadsPerGpu * shape.HeadDim * 2;
        var roomGb = reservedGb - (2 * inputs.Parameters / rolloutTp / BytesPerGb);
        if (roomGb <= 0)
        {
            return;
        }

        notes.Add($"Rollout KV cache: about {Num(roomGb)} GB per GPU after the {Num(2 * inputs.Parameters / rolloutTp / BytesPerGb)} GB weight shard, "
            + $"≈ {Sci(roomGb * BytesPerGb / bytesPerToken)} tokens per engine at {Sci(bytesPerToken)} bytes/token/GPU (vLLM; before its activation and CUDA-graph reservations).");
    }

    private static Sharding ShardingOf(string strategy, List<string> notes)
    {
        switch (strategy.Trim().ToLowerInvariant())
        {
            case "ddp":
                return Sharding.None;
            case "deepspeed_zero1":
                return Sharding.Optimizer;
            case "deepspeed_zero2":
                return Sharding.OptimizerAndGradients;
            case "fsdp":
            case "fsdp2":
            case "deepspeed_zero3":
                return Sharding.Full;
            case "megatron":
                return Sharding.Megatron;
            default:
                notes.Add($"Strategy '{strategy}' is not known; counted as ddp (nothing sharded).");
                return Sharding.None;
        }
    }

    private static (bool Param, bool Optimizer) EffectiveOffload(MemoryInputs inputs, Sharding sharding, List<string> notes)
    {
        var param = inputs.ParamOffload;
        var optimizer = inputs.OptimizerOffload;
        if (param && sharding is Sharding.None or Sharding.Optimizer or Sharding.OptimizerAndGradients)
        {
            notes.Add("param_offload needs FSDP, ZeRO-3 or Megatron; ignored for this strategy.");
            param = false;
        }

        if (optimizer && sharding == Sharding.None)
        {
            notes.Add("optimizer_offload needs FSDP, DeepSpeed ZeRO or Megatron; ignored for ddp.");
            optimizer = false;
        }

        return (param, optimizer);
    }

    private static double PrecisionBytes(string precision, List<string> notes)
    {
        switch (precision.Trim().ToLowerInvariant())
        {
            case "bf16":
            case "fp16":
                return 2;
            case "fp32":
                return 4;
            default:
                notes.Add($"Precision '{precision}' is not known; counted as bf16.");
                return 2;
        }
    }

    private static double QuantizedBytes(string quantization, double precisionBytes) => quantization.Trim().ToLowerInvariant() switch
    {
        "int8" => 1,
        "nf4" or "fp4" => 0.5,
        _ => precisionBytes,
    };

    private static bool IsOffloaded(StatePart part, bool paramOffload, bool optimizerOffload) =>
        part.OffloadedBy == Offload.Param ? paramOffload : optimizerOffload;

    private static string OffloadText(StatePart part) => part.OffloadedBy == Offload.Param
        ? "offloaded to CPU (param_offload moves parameters and gradients)"
        : "offloaded to CPU (optimizer_offload moves fp32 master and Adam moments)";

    private static double Sum(IEnumerable<MemoryTerm> terms) => terms.Sum(t => t.Gb);

    private static string PerParam(double bytes, string symbol, double value, int divisor, string divisorSymbol) =>
        $"{Num(bytes)}{symbol}{DivSymbol(divisor, divisorSymbol)} = {Num(bytes)} × {Sci(value)}{DivNumber(divisor)} bytes";

    private static string DivSymbol(int divisor, string symbol) => divisor > 1 ? $"/{symbol}" : "";

    private static string DivNumber(int divisor) => divisor > 1 ? $" / {divisor}" : "";

    private static string TpText(int tp) => tp > 1 ? $" / {tp}" : "";

    /// <summary>Compact invariant number: 2048, 0.6, 15.22.</summary>
    private static string Num(double value) => value.ToString(Math.Abs(value) >= 100 ? "0.#" : "0.###", CultureInfo.InvariantCulture);

    /// <summary>Parameter-count style: 72.7e9, 41.94e6.</summary>
    private static string Sci(double value) => Math.Abs(value) switch
    {
        >= 1e9 => (value / 1e9).ToString("0.###", CultureInfo.InvariantCulture) + "e9",
        >= 1e6 => (value / 1e6).ToString("0.###", CultureInfo.InvariantCulture) + "e6",
        >= 1e4 => (value / 1e3).ToString("0.###", CultureInfo.InvariantCulture) + "e3",
        _ => value.ToString("0.###", CultureInfo.InvariantCulture),
    };

    /// <summary>The transformer shape the formulas need, given or derived from Ψ.</summary>
    private sealed record ModelShape(bool Known, int Layers, int Hidden, int HeadDim, int Vocab, double LayerParams, double EmbeddingParams, double LoraWidthPerLayer)
    {
        public static ModelShape From(MemoryInputs inputs, List<string> notes)
        {
            var psi = inputs.Parameters;
            if (inputs.Layers <= 0 || inputs.HiddenSize <= 0)
            {
                // Ψ ≈ 12·L·h² for a transformer block; with h ≈ 128·L this gives h = ∛(128·12⁻¹·Ψ). MoE: active Ψ sets the width.
                var active = inputs.ActiveParameters ?? psi;
                var hidden = Math.Max(HiddenPerLayer, Math.Round(Math.Cbrt(HiddenPerLayer * active / 12) / HiddenPerLayer) * HiddenPerLayer);
                var layers = Math.Max(1, (int)Math.Round(active / (12 * hidden * hidden)));
                var vocab = inputs.VocabSize > 0 ? inputs.VocabSize : DefaultVocabSize;
                notes.Add($"Architecture unknown: shape estimated from Ψ{(inputs.ActiveParameters is null ? "" : " (active)")} = 12·L·h² with h ≈ 128·L "
                    + $"→ L = {layers}, h = {hidden}, V = {vocab}; give --model for exact figures.");
                return new ModelShape(false, layers, (int)hidden, 128, vocab, psi / layers, vocab * hidden, 0);
            }

            var h = (double)inputs.HiddenSize;
            var v = inputs.VocabSize > 0 ? inputs.VocabSize : DefaultVocabSize;
            if (inputs.VocabSize <= 0)
            {
                notes.Add($"Vocabulary unknown; V = {DefaultVocabSize} assumed.");
            }

            var headDim = inputs.HeadDim > 0 ? inputs.HeadDim : inputs.Heads > 0 ? inputs.HiddenSize / inputs.Heads : 128;
            var qWidth = inputs.Heads > 0 ? (double)inputs.Heads * headDim : h;
            var kvWidth = inputs.KvHeads > 0 ? (double)inputs.KvHeads * headDim : qWidth;
            var embedding = v * h;

            // Block parameters: Ψ less an untied embedding and head (less one matrix if that would go negative: tied).
            var block = psi - (2 * embedding) > 0 ? psi - (2 * embedding) : Math.Max(psi - embedding, psi / 2);
            var layerParams = block / inputs.Layers;

            // The MLP width is not an input: recover it from the layer size (3 SwiGLU matrices of h × ffn); biases and norms are ignored.
            var attention = (2 * h * qWidth) + (2 * h * kvWidth);
            var ffn = Math.Max(0, (layerParams - attention) / (3 * h));
            var loraWidth = (h + qWidth) + (2 * (h + kvWidth)) + (qWidth + h) + (3 * (h + ffn));
            return new ModelShape(true, inputs.Layers, inputs.HiddenSize, headDim, v, layerParams, embedding, loraWidth);
        }
    }
}
