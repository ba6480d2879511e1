using System.Globalization;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Validation;

namespace TrainingPlatform.Core.Resolution;

/// <summary>
/// The checks verl and TRL make only at run time, made on the resolved config before any GPU is
/// allocated (docs/diagnostics.md, TP03xx; recipes-survey §4 has the frameworks' code).
/// </summary>
public static class Preflight
{
    private static readonly string[] GroupAlgorithms = ["grpo", "dapo", "rloo"];

    /// <summary>
    /// A finding on the rendered config: a <see cref="Diagnostic"/> with no file or position, whose pointer names the
    /// config value (<c>batch.global_batch_size</c> is <c>/batch/global_batch_size</c>).
    /// </summary>
    internal static Diagnostic Finding(string code, Severity severity, string key, string message, string? hint) =>
        new(code, severity, "", 0, 0, "/" + key.Replace('.', '/'), message, hint);

    public static MemoryEstimate? Check(ConfigValues v, Recipe recipe, ModelSpec? model, double parameters, double gpuMemoryGb, List<Diagnostic> findings)
    {
        var total = v.Int("trainer.total_gpus") ?? 8;
        var tp = v.Int("parallelism.tensor_parallel_size") ?? 1;
        var pp = v.Int("parallelism.pipeline_parallel_size") ?? 1;
        var cp = v.Int("parallelism.context_parallel_size") ?? 1;
        var sp = v.Int("parallelism.sequence_parallel_size") ?? 1;
        var rolloutTp = v.Int("parallelism.rollout_tensor_parallel_size");

        void Error(string code, string path, string message, string? hint) =>
            findings.Add(Finding(code, Severity.Error, path, message, hint));

        if (total % (tp * pp * cp) != 0)
        {
            Error(DiagnosticCodes.GpusNotDivisible, "parallelism.tensor_parallel_size",
                $"{Inv(total)} GPUs are not divisible by tp {Inv(tp)} × pp {Inv(pp)} × cp {Inv(cp)} = {Inv(tp * pp * cp)}",
                "change the GPU count (--gpus) or the parallel sizes so the product divides it");
        }

        if (sp > 1 && total % sp != 0)
        {
            Error(DiagnosticCodes.SequenceParallel, "parallelism.sequence_parallel_size",
                $"sequence_parallel_size {Inv(sp)} does not divide the {Inv(total)} GPUs", "use a divisor of the GPU count");
        }

        if (model is { Heads: > 0 })
        {
            if (sp > 1 && model.Heads % sp != 0)
            {
                Error(DiagnosticCodes.SequenceParallel, "parallelism.sequence_parallel_size",
                    $"sequence_parallel_size {Inv(sp)} does not divide the {Inv(model.Heads)} attention heads of {model.Name}",
                    "Ulysses sequence parallelism splits heads across GPUs: use a divisor of the head count");
            }

            if (tp > 1 && model.Heads % tp != 0)
            {
                Error(DiagnosticCodes.HeadsNotDivisible, "parallelism.tensor_parallel_size",
                    $"tensor_parallel_size {Inv(tp)} does not divide the {Inv(model.Heads)} attention heads of {model.Name}", "use a divisor of the head count");
            }

            if (OnlineRl.Is(recipe) && rolloutTp is > 1 && model.Heads % rolloutTp.Value != 0)
            {
                Error(DiagnosticCodes.HeadsNotDivisible, "parallelism.rollout_tensor_parallel_size",
                    $"rollout_tensor_parallel_size {Inv(rolloutTp.Value)} does not divide the {Inv(model.Heads)} attention heads of {model.Name}",
                    "vLLM and SGLang need the head count divisible by the tensor-parallel size");
            }
        }

        if (v.Has("batch.micro_batch_size") && v.Has("batch.micro_batch_size_per_gpu"))
        {
            Error(DiagnosticCodes.BothMicroBatches, "batch.micro_batch_size",
                "both micro_batch_size and micro_batch_size_per_gpu are set", "keep only micro_batch_size_per_gpu (verl accepts exactly one)");
        }

        if (OnlineRl.Is(recipe))
        {
            OnlineRlChecks(v, recipe, total, tp, pp, cp, sp, rolloutTp, Error);
        }
        else
        {
            Offline(v, total, tp, pp, cp, Error);
        }

        return Memory(v, recipe, model, parameters, gpuMemoryGb, findings);
    }

    private static void OnlineRlChecks(ConfigValues v, Recipe recipe, long total, long tp, long pp, long cp, long sp, long? rolloutTp,
        Action<string, string, string, string?> error)
    {
        var n = v.Int("rl.rollout_n") ?? 1;
        if (GroupAlgorithms.Contains(recipe.Algorithm) || v.Text("rl.advantage_estimator") is "grpo" or "rloo")
        {
            if (n < 2)
            {
                error(DiagnosticCodes.GroupTooSmall, "rl.rollout_n",
                    $"rollout_n is {Inv(n)}: {recipe.Algorithm.ToUpperInvariant()} normalises rewards within a group, and a group of one makes every advantage zero",
                    "use at least 2 generations per prompt (verl suggests 16-64)");
            }
        }

        if (rolloutTp is > 0 && total % rolloutTp.Value != 0)
        {
            error(DiagnosticCodes.RolloutTensorParallel, "parallelism.rollout_tensor_parallel_size",
                $"{Inv(total)} GPUs are not divisible by rollout_tensor_parallel_size {Inv(rolloutTp.Value)}", "rollout engines tile the GPUs: use a divisor of the GPU count");
        }

        var generation = v.Int("batch.generation_batch_size");
        var microPerGpu = v.Int("batch.micro_batch_size_per_gpu");
        var dp = total % (tp * pp * cp) == 0 ? total / (tp * pp * cp) : 0;
        if (generation is { } g)
        {
            if (g % n != 0)
            {
                error(DiagnosticCodes.GenerationBatchVsGroup, "batch.generation_batch_size",
                    $"generation_batch_size {Inv(g)} is not divisible by rollout_n (num_generations) {Inv(n)}",
                    "TRL GRPOConfig requires generation_batch_size % num_generations == 0");
            }

            if (microPerGpu is { } m && dp > 0 && g % (m * dp) != 0)
            {
                error(DiagnosticCodes.GenerationBatchVsDevices, "batch.generation_batch_size",
                    $"generation_batch_size {Inv(g)} is not divisible by micro_batch_size_per_gpu {Inv(m)} × {Inv(dp)} processes = {Inv(m * dp)}",
                    "TRL GRPOConfig requires generation_batch_size % (per_device_train_batch_size × num_processes) == 0");
            }
        }

        if (v.Bool("batch.dynamic_batch_size"))
        {
            return; // verl skips its batch-size checks with use_dynamic_bsz
        }

        var global = v.Int("batch.global_batch_size");
        var mini = v.Int("batch.mini_batch_size");
        if (global is { } train && mini is { } mb && mb > train)
        {
            error(DiagnosticCodes.MiniBatchTooLarge, "batch.mini_batch_size",
                $"mini_batch_size {Inv(mb)} is larger than global_batch_size {Inv(train)}", "verl asserts train_batch_size >= ppo_mini_batch_size");
        }

        var megatronLayout = v.Text("parallelism.strategy") == "megatron";
        if (global is { } t && !(megatronLayout && dp == 0))
        {
            var megatron = megatronLayout;
            var minimal = megatron && microPerGpu is { } mm && dp > 0 ? dp * mm : total;
            if (minimal > 0 && t * n % minimal != 0)
            {
                error(DiagnosticCodes.BatchNotDivisibleByMinimal, "batch.global_batch_size",
                    $"global_batch_size {Inv(t)} × rollout_n {Inv(n)} = {Inv(t * n)} is not divisible by verl's minimal batch {Inv(minimal)} " +
                    (megatron ? $"(dp {Inv(dp)} × micro {Inv(microPerGpu ?? 0)})" : "(the GPU count)"),
                    $"make global_batch_size × rollout_n a multiple of {Inv(minimal)}");
            }
        }

        if (mini is { } miniBatch && sp > 0 && total / sp > 0)
        {
            var perGpu = miniBatch * n / (total / sp);
            if (perGpu == 0)
            {
                error(DiagnosticCodes.PerGpuMiniBatch, "batch.mini_batch_size",
                    $"mini_batch_size {Inv(miniBatch)} × rollout_n {Inv(n)} / ({Inv(total)} GPUs / sp {Inv(sp)}) leaves 0 samples per GPU",
                    "raise mini_batch_size or use fewer GPUs");
            }
            else if (microPerGpu is { } micro && perGpu % micro != 0)
            {
                error(DiagnosticCodes.PerGpuMiniBatch, "batch.micro_batch_size_per_gpu",
                    $"the per-GPU mini batch {Inv(perGpu)} (= {Inv(miniBatch)} × {Inv(n)} / ({Inv(total)} / {Inv(sp)})) is not divisible by micro_batch_size_per_gpu {Inv(micro)}",
                    $"use a micro batch that divides {Inv(perGpu)}");
            }
        }
    }

    private static void Offline(ConfigValues v, long total, long tp, long pp, long cp, Action<string, string, string, string?> error)
    {
        if (v.Bool("batch.dynamic_batch_size") || total % (tp * pp * cp) != 0)
        {
            return;
        }

        var dp = total / (tp * pp * cp);
        var micro = v.Int("batch.micro_batch_size_per_gpu");
        var global = v.Int("batch.global_batch_size");
        if (micro is not { } m || global is not { } g)
        {
            return;
        }

        if (m > g)
        {
            error(DiagnosticCodes.MicroBatchTooLarge, "batch.micro_batch_size_per_gpu",
                $"micro_batch_size_per_gpu {Inv(m)} is larger than global_batch_size {Inv(g)}", "lower the micro batch");
        }
        else if (g % (m * dp) != 0)
        {
            error(DiagnosticCodes.GlobalBatchNotDivisible, "batch.global_batch_size",
                $"global_batch_size {Inv(g)} is not divisible by micro_batch_size_per_gpu {Inv(m)} × dp {Inv(dp)} = {Inv(m * dp)}: gradient accumulation would not be whole",
                $"make global_batch_size a multiple of {Inv(m * dp)}");
        }
    }

    private static MemoryEstimate Memory(ConfigValues v, Recipe recipe, ModelSpec? model, double parameters, double gpuMemoryGb, List<Diagnostic> findings)
    {
        var inputs = MemoryInputsFor(v, recipe, model, parameters, gpuMemoryGb);
        var estimate = MemoryEstimator.Estimate(inputs);
        if (!estimate.Fits)
        {
            findings.Add(Finding(DiagnosticCodes.MemoryExceeded, Severity.Warning, "parallelism.param_offload",
                $"estimated {Gb(estimate.TotalGb)} GB per GPU exceeds the {Gb(gpuMemoryGb)} GB of GPU memory (" +
                string.Join(", ", estimate.Terms.Where(t => t.Gb >= 0.05).Select(t => $"{t.Name} {Gb(t.Gb)}")) + ")",
                OutOfMemoryHint(inputs, OnlineRl.Is(recipe))));
        }

        if (OnlineRl.Is(recipe) && inputs.RolloutTensorParallel > 0 && !estimate.RolloutFits)
        {
            findings.Add(Finding(DiagnosticCodes.RolloutMemory, Severity.Warning, "parallelism.rollout_tensor_parallel_size",
                $"rollout weights need {Gb(estimate.RolloutNeedGb)} GB (2 bytes × parameters) but {Gb(gpuMemoryGb)} GB × gpu_memory_utilization {(inputs.RolloutGpuMemoryUtilization ?? 0).ToString("0.##", CultureInfo.InvariantCulture)} × rollout TP {Inv(inputs.RolloutTensorParallel)} gives {Gb(estimate.RolloutHaveGb)} GB",
                "raise rollout_tensor_parallel_size or rl.gpu_memory_utilization (verl docs/perf/best_practices.rst)"));
        }

        return estimate;
    }

    internal static MemoryInputs MemoryInputsFor(ConfigValues v, Recipe recipe, ModelSpec? model, double parameters, double gpuMemoryGb)
    {
        var online = OnlineRl.Is(recipe);
        var dynamic = v.Bool("batch.dynamic_batch_size");
        var budget = dynamic ? v.Int("batch.max_tokens_per_gpu") : null;
        var sequence = budget is { } tokens
            ? tokens
            : v.Int("data.max_seq_length") ?? ((v.Int("data.max_prompt_length") ?? 0) + (v.Int("data.max_response_length") ?? 0)) switch
            {
                0 => 2048,
                var s => s,
            };
        var micro = dynamic ? 1 : v.Int("batch.micro_batch_size_per_gpu") ?? 1;
        var lora = v.Has("lora.rank");
        var hasReference = recipe.Algorithm switch
        {
            "dpo" or "ipo" or "kto" => !v.Bool("preference.reference_free"),
            _ when online => v.Bool("rl.use_kl_loss") || v.Bool("rl.use_kl_in_reward"),
            _ => false,
        };
        return new MemoryInputs(
            parameters,
            model?.ActiveParameters,
            model?.Layers ?? 0,
            model?.HiddenSize ?? 0,
            model?.Heads ?? 0,
            model?.KvHeads ?? 0,
            model?.HeadDim ?? 0,
            model?.VocabSize ?? 0,
            recipe.Algorithm,
            lora,
            (int)(v.Int("lora.rank") ?? 0),
            v.Text("model.quantization") ?? "none",
            v.Text("model.precision") ?? "bf16",
            v.Text("parallelism.strategy") ?? "fsdp",
            (int)(v.Int("trainer.total_gpus") ?? 8),
            (int)(v.Int("parallelism.tensor_parallel_size") ?? 1),
            (int)(v.Int("parallelism.pipeline_parallel_size") ?? 1),
            (int)(v.Int("parallelism.context_parallel_size") ?? 1),
            (int)(v.Int("parallelism.sequence_parallel_size") ?? 1),
            v.Bool("parallelism.param_offload"),
            v.Bool("parallelism.optimizer_offload"),
            (int)micro,
            (int)sequence,
            v.Bool("model.gradient_checkpointing"),
            gpuMemoryGb,
            online ? (int)(v.Int("parallelism.rollout_tensor_parallel_size") ?? 1) : 0,
            online ? v.Number("rl.gpu_memory_utilization") ?? 0.6 : null,
            hasReference,
            recipe.Algorithm == "ppo" || v.Text("rl.advantage_estimator") == "gae")
        {
            Framework = v.Text("trainer.framework") ?? "",
            Optimizer = v.Text("optimizer.name") ?? "adamw",
            // torchtune's own key, passed through under extra (memory_optimizations.rst: `optimizer_in_bwd: True`).
            OptimizerInBackward = v.ExtraBool("optimizer_in_bwd"),
            HasRewardModel = online && !string.IsNullOrWhiteSpace(v.Text("rl.reward_model")),
            SequenceIsPerGpu = budget is not null,
        };
    }

    /// <summary>
    /// What to suggest when the estimate does not fit: only levers that are not already on (issue 15, point 6).
    /// </summary>
    internal static string OutOfMemoryHint(MemoryInputs inputs, bool online)
    {
        var levers = new List<string>();
        if (!inputs.ParamOffload || !inputs.OptimizerOffload)
        {
            levers.Add(!inputs.ParamOffload && !inputs.OptimizerOffload
                ? "turn on parallelism.param_offload and optimizer_offload"
                : !inputs.ParamOffload ? "turn on parallelism.param_offload" : "turn on parallelism.optimizer_offload");
        }

        if (!inputs.GradientCheckpointing)
        {
            levers.Add("turn on model.gradient_checkpointing");
        }

        levers.Add("use more GPUs (--gpus)");
        if (online && inputs.RolloutGpuMemoryUtilization is not null)
        {
            levers.Add("a larger parallelism.rollout_tensor_parallel_size");
        }

        levers.Add(inputs.SequenceIsPerGpu ? "a smaller batch.max_tokens_per_gpu" : inputs.MicroBatchPerGpu > 1 ? "a smaller batch.micro_batch_size_per_gpu" : "a shorter sequence");
        if (!inputs.Lora)
        {
            levers.Add("LoRA (lora.rank)");
        }

        return string.Join(", ", levers) + " (`render --explain` shows the formulas)";
    }

    private static string Inv(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Gb(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);
}
