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

        void Warning(string code, string path, string message, string? hint) =>
            findings.Add(Finding(code, Severity.Warning, path, message, hint));

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
            OnlineRlChecks(v, recipe, total, tp, pp, cp, sp, rolloutTp, Error, Warning);
        }
        else
        {
            Offline(v, total, tp, pp, cp, Error);
        }

        return Memory(v, recipe, model, parameters, gpuMemoryGb, findings);
    }

    private static void OnlineRlChecks(ConfigValues v, Recipe recipe, long total, long tp, long pp, long cp, long sp, long? rolloutTp,
        Action<string, string, string, string?> error, Action<string, string, string, string?> warning)
    {
        var n = v.Int("rl.rollout_n") ?? 1;
        var trl = v.Text("trainer.framework") == "trl";
        if (GroupAlgorithms.Contains(recipe.Algorithm) || v.Text("rl.advantage_estimator") is "grpo" or "rloo")
        {
            if (n < 2)
            {
                error(DiagnosticCodes.GroupTooSmall, "rl.rollout_n",
                    $"rollout_n is {Inv(n)}: {recipe.Algorithm.ToUpperInvariant()} needs a group of completions per prompt " +
                    (trl ? "(TRL GRPOConfig raises for num_generations < 2)" : "(verl gives a group of one mean 0 and std 1, so the advantage is the raw reward with no baseline)"),
                    "use at least 2 generations per prompt (verl suggests 16-64)");
            }
        }

        if (rolloutTp is > 0 && total % rolloutTp.Value != 0)
        {
            error(DiagnosticCodes.RolloutTensorParallel, "parallelism.rollout_tensor_parallel_size",
                $"{Inv(total)} GPUs are not divisible by rollout_tensor_parallel_size {Inv(rolloutTp.Value)}", "rollout engines tile the GPUs: use a divisor of the GPU count");
        }

        // DAPO's reward manager asserts max_resp_len >= overlong_buffer.len (verl workers/reward_manager/dapo.py:49).
        if (v.Int("rl.overlong_buffer_length") is { } buffer && v.Int("data.max_response_length") is { } response && buffer > response)
        {
            error(DiagnosticCodes.OverlongBufferTooLong, "rl.overlong_buffer_length",
                $"overlong_buffer_length {Inv(buffer)} is longer than max_response_length {Inv(response)}",
                $"the soft-penalty zone lies inside the response: use at most {Inv(response)} tokens (DAPO uses 4096 of 20480)");
        }

        if (trl)
        {
            if (recipe.Algorithm is "grpo" or "dapo")
            {
                TrlGrpoChecks(v, total, cp, sp, n, error);
            }

            return;
        }

        VerlChecks(v, recipe, total, tp, pp, cp, sp, n, error, warning);
    }

    /// <summary>
    /// TRL's GRPOConfig.__post_init__ (trl 1.9.0 trl/trainer/grpo_config.py). TRL counts completions: one optimizer step is
    /// per_device_train_batch_size × processes × gradient_accumulation_steps completions (the recipe's mini batch × rollout_n, as
    /// the TRL export derives it), one generation batch generation_batch_size completions (global × rollout_n unless set).
    /// </summary>
    private static void TrlGrpoChecks(ConfigValues v, long total, long cp, long sp, long n, Action<string, string, string, string?> error)
    {
        if (cp > 1 || sp > 1)
        {
            error(DiagnosticCodes.TrlSequenceParallel, cp > 1 ? "parallelism.context_parallel_size" : "parallelism.sequence_parallel_size",
                $"TRL's GRPOTrainer does not support sequence-dim parallelism (context_parallel_size {Inv(cp)}, sequence_parallel_size {Inv(sp)})",
                "set both to 1 for TRL, or render for verl (trainer.framework: verl), which supports Ulysses sequence parallelism");
        }

        if (v.Int("batch.global_batch_size") is not { } global || total <= 0 || n < 1)
        {
            return;
        }

        var mini = v.Int("batch.mini_batch_size") ?? global;
        var perUpdate = mini * n;
        if (perUpdate % total != 0)
        {
            error(DiagnosticCodes.TrlUpdateBatchVsProcesses, "batch.mini_batch_size",
                $"one policy update holds mini_batch_size {Inv(mini)} × rollout_n {Inv(n)} = {Inv(perUpdate)} completions, which {Inv(total)} TRL processes (one per GPU) cannot share: per_device_train_batch_size × processes × gradient_accumulation_steps must equal it",
                $"make mini_batch_size × rollout_n a multiple of {Inv(total)}, or render for a GPU count that divides {Inv(perUpdate)}");
            return;
        }

        var perProcess = perUpdate / total;
        if (perProcess <= 0)
        {
            return;
        }

        var micro = v.Int("batch.micro_batch_size_per_gpu") ?? perProcess;
        var perDevice = Enumerable.Range(1, (int)Math.Min(Math.Max(micro, 1), perProcess)).Last(d => perProcess % d == 0);
        var generation = v.Int("batch.generation_batch_size") ?? global * n;
        if (generation % n != 0)
        {
            error(DiagnosticCodes.GenerationBatchVsGroup, "batch.generation_batch_size",
                $"generation_batch_size {Inv(generation)} completions is not divisible by rollout_n (num_generations) {Inv(n)}",
                "TRL GRPOConfig requires generation_batch_size % num_generations == 0 (whole prompt groups); leave it out to generate global × rollout_n");
        }

        if (generation % (perDevice * total) != 0)
        {
            error(DiagnosticCodes.GenerationBatchVsDevices, "batch.generation_batch_size",
                $"generation_batch_size {Inv(generation)} is not divisible by per_device_train_batch_size {Inv(perDevice)} × {Inv(total)} processes = {Inv(perDevice * total)}",
                "TRL GRPOConfig requires generation_batch_size % (per_device_train_batch_size × num_processes) == 0");
        }
    }

    /// <summary>
    /// verl's start-up checks (verl @ b178a3c: verl/utils/config.py validate_config, verl/workers/config/actor.py and critic.py,
    /// the normalisation in verl/workers/fsdp_workers.py and megatron_workers.py). verl counts prompts in the batches and
    /// responses in the micro batches; the other online-RL launchers share these batch semantics.
    /// </summary>
    private static void VerlChecks(ConfigValues v, Recipe recipe, long total, long tp, long pp, long cp, long sp, long n,
        Action<string, string, string, string?> error, Action<string, string, string, string?> warning)
    {
        var megatron = v.Text("parallelism.strategy") == "megatron";
        var dynamic = v.Bool("batch.dynamic_batch_size");
        var microPerGpu = v.Int("batch.micro_batch_size_per_gpu");
        var critic = recipe.Algorithm == "ppo" || v.Text("rl.advantage_estimator") == "gae";
        var dp = total % (tp * pp * cp) == 0 ? total / (tp * pp * cp) : 0;

        // Ulysses SP on FSDP needs packed sequences (verl/workers/config/actor.py:304-307).
        if (!megatron && sp > 1 && !v.Bool("model.use_remove_padding"))
        {
            error(DiagnosticCodes.SequenceParallelNeedsRemovePadding, "parallelism.sequence_parallel_size",
                $"sequence_parallel_size {Inv(sp)} needs model.use_remove_padding: verl raises \"When using sequence parallelism for actor/ref policy, you must enable `use_remove_padding`\"",
                "--set model.use_remove_padding=true");
        }

        if (!dynamic)
        {
            if (microPerGpu is null)
            {
                error(DiagnosticCodes.ActorMicroBatchMissing, "batch.micro_batch_size_per_gpu",
                    "no micro_batch_size_per_gpu and dynamic_batch_size is off: verl's actor config asserts one of ppo_micro_batch_size(_per_gpu) is set" +
                    (v.Has("batch.micro_batch_size") ? " (batch.micro_batch_size, the deprecated global form, is not exported to verl)" : ""),
                    "set batch.micro_batch_size_per_gpu (responses per GPU per pass), or batch.dynamic_batch_size: true with batch.max_tokens_per_gpu");
            }

            // The export writes the training micro batch when rl.log_prob_micro_batch_size_per_gpu is not set.
            if (microPerGpu is null && !v.Has("rl.log_prob_micro_batch_size_per_gpu"))
            {
                error(DiagnosticCodes.LogProbMicroBatchMissing, "rl.log_prob_micro_batch_size_per_gpu",
                    "neither rl.log_prob_micro_batch_size_per_gpu nor batch.micro_batch_size_per_gpu is set: verl requires the rollout (and reference) log_prob_micro_batch_size_per_gpu without dynamic batching",
                    "set rl.log_prob_micro_batch_size_per_gpu (verl's examples use 2× the training micro batch)");
            }

            if (critic && !v.Has("rl.critic_micro_batch_size_per_gpu"))
            {
                error(DiagnosticCodes.CriticMicroBatchMissing, "rl.critic_micro_batch_size_per_gpu",
                    "PPO trains a critic, but rl.critic_micro_batch_size_per_gpu is not set: verl's critic config raises \"Please set at least one of 'critic.micro_batch_size' or 'critic.micro_batch_size_per_gpu'\"",
                    "set rl.critic_micro_batch_size_per_gpu (verl run_qwen2.5-32b.sh uses 8, run_deepseek7b_llm.sh 32)");
            }
        }

        var global = v.Int("batch.global_batch_size");
        var mini = v.Int("batch.mini_batch_size");
        if (!dynamic && global is { } train && mini is { } mb && mb > train)
        {
            error(DiagnosticCodes.MiniBatchTooLarge, "batch.mini_batch_size",
                $"mini_batch_size {Inv(mb)} is larger than global_batch_size {Inv(train)}", "verl asserts train_batch_size >= ppo_mini_batch_size");
        }

        // verl/utils/config.py:89-113: only without dynamic batching.
        if (!dynamic && global is { } t && !(megatron && dp == 0))
        {
            var minimal = megatron && microPerGpu is { } mm && dp > 0 ? dp * mm : total;
            if (minimal > 0 && t * n % minimal != 0)
            {
                error(DiagnosticCodes.BatchNotDivisibleByMinimal, "batch.global_batch_size",
                    $"global_batch_size {Inv(t)} × rollout_n {Inv(n)} = {Inv(t * n)} is not divisible by verl's minimal batch {Inv(minimal)} " +
                    (megatron ? $"(dp {Inv(dp)} × micro {Inv(microPerGpu ?? 0)})" : "(the GPU count)"),
                    $"make global_batch_size × rollout_n a multiple of {Inv(minimal)}");
            }
        }

        // The per-GPU mini batch: FSDP divides by GPUs / SP (fsdp_workers.py:241-242), Megatron by its data-parallel size
        // GPUs / (TP × PP × CP) (megatron_workers.py:354-355). Both happen with or without dynamic batching.
        var replicas = megatron ? dp : sp > 0 ? total / sp : 0;
        var divisor = megatron ? $"dp {Inv(dp)} (= {Inv(total)} GPUs / (tp {Inv(tp)} × pp {Inv(pp)} × cp {Inv(cp)}))" : $"({Inv(total)} GPUs / sp {Inv(sp)})";
        if (mini is { } miniBatch && replicas > 0)
        {
            var perGpu = miniBatch * n / replicas;
            if (perGpu == 0)
            {
                error(DiagnosticCodes.PerGpuMiniBatch, "batch.mini_batch_size",
                    $"mini_batch_size {Inv(miniBatch)} × rollout_n {Inv(n)} / {divisor} leaves 0 samples per GPU",
                    "raise mini_batch_size or use fewer GPUs");
            }
            else if (!megatron && microPerGpu is { } micro && perGpu % micro != 0)
            {
                // Megatron splits the mini batch without this assertion (megatron_actor.py:456); FSDP asserts it.
                error(DiagnosticCodes.PerGpuMiniBatch, "batch.micro_batch_size_per_gpu",
                    $"the per-GPU mini batch {Inv(perGpu)} (= {Inv(miniBatch)} × {Inv(n)} / {divisor}) is not divisible by micro_batch_size_per_gpu {Inv(micro)}",
                    $"use a micro batch that divides {Inv(perGpu)}");
            }

            // The critic's mini batch is the actor's (critic.yaml:53), normalised the same way (fsdp_workers.py:1232-1251,
            // megatron_workers.py:1047-1048).
            if (critic && perGpu > 0 && v.Int("rl.critic_micro_batch_size_per_gpu") is { } criticMicro && !megatron && perGpu % criticMicro != 0)
            {
                error(DiagnosticCodes.CriticMiniBatch, "rl.critic_micro_batch_size_per_gpu",
                    $"the critic's per-GPU mini batch {Inv(perGpu)} (= {Inv(miniBatch)} × {Inv(n)} / {divisor}) is not divisible by critic_micro_batch_size_per_gpu {Inv(criticMicro)}" +
                    (criticMicro > perGpu ? " (it is larger)" : ""),
                    $"use a critic micro batch that divides {Inv(perGpu)}");
            }
        }

        if (dynamic)
        {
            TokenBudget(v, megatron, cp, sp, error, warning);
        }
    }

    /// <summary>
    /// Dynamic batching packs micro batches up to max_tokens_per_gpu × SP tokens (dp_actor.py:552; Megatron × CP,
    /// megatron_actor.py:223), and one sequence must fit (seqlen_balancing.py:382); perf_tuning.rst:149 advises at least 2×.
    /// </summary>
    private static void TokenBudget(ConfigValues v, bool megatron, long cp, long sp, Action<string, string, string, string?> error, Action<string, string, string, string?> warning)
    {
        var sequence = (v.Int("data.max_prompt_length") ?? 0) + (v.Int("data.max_response_length") ?? 0);
        if (sequence == 0)
        {
            sequence = v.Int("data.max_seq_length") ?? 0;
        }

        if (sequence == 0)
        {
            return;
        }

        var tokens = v.Int("batch.max_tokens_per_gpu") ?? VerlDefaultTokenBudget;
        var split = megatron ? cp : sp;
        var label = megatron ? "cp" : "sp";
        var budget = tokens * Math.Max(split, 1);
        var origin = v.Has("batch.max_tokens_per_gpu") ? "max_tokens_per_gpu" : "verl's default ppo_max_token_len_per_gpu";
        if (budget < sequence)
        {
            error(DiagnosticCodes.TokenBudgetTooSmall, "batch.max_tokens_per_gpu",
                $"{origin} {Inv(tokens)} × {label} {Inv(split)} = {Inv(budget)} tokens cannot hold one sequence of max_prompt_length + max_response_length = {Inv(sequence)} tokens (verl asserts max_token_len >= the sequence length)",
                $"--set batch.max_tokens_per_gpu={Inv(2 * ((sequence + split - 1) / split))} (verl's perf_tuning.rst: at least 2 × (prompt + response))");
        }
        else if (budget < 2 * sequence)
        {
            warning(DiagnosticCodes.TokenBudgetBelowTwice, "batch.max_tokens_per_gpu",
                $"{origin} {Inv(tokens)} × {label} {Inv(split)} = {Inv(budget)} tokens is below 2 × (prompt + response) = {Inv(2 * sequence)}: most micro batches hold a single sequence",
                $"verl's perf_tuning.rst advises at least 2 × (max_prompt_length + max_response_length): --set batch.max_tokens_per_gpu={Inv(2 * ((sequence + split - 1) / split))}");
        }
    }

    /// <summary>verl actor.ppo_max_token_len_per_gpu default (verl/trainer/config/actor/actor.yaml:33).</summary>
    private const long VerlDefaultTokenBudget = 16384;

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
                $"estimated {Gb(estimate.TotalGb)} GB per GPU exceeds the {Gb(estimate.GpuMemoryGb)} GB (= {Gb(gpuMemoryGb)} GiB) of GPU memory (" +
                string.Join(", ", estimate.Terms.Where(t => t.Gb >= 0.05).Select(t => $"{t.Name} {Gb(t.Gb)}")) + ")",
                OutOfMemoryHint(inputs, OnlineRl.Is(recipe))));
        }

        if (OnlineRl.Is(recipe) && inputs.RolloutTensorParallel > 0 && !estimate.RolloutFits)
        {
            findings.Add(Finding(DiagnosticCodes.RolloutMemory, Severity.Warning, "parallelism.rollout_tensor_parallel_size",
                $"rollout weights need {Gb(estimate.RolloutNeedGb)} GB (2 bytes × parameters) but {Gb(estimate.GpuMemoryGb)} GB × gpu_memory_utilization {(inputs.RolloutGpuMemoryUtilization ?? 0).ToString("0.##", CultureInfo.InvariantCulture)} × rollout TP {Inv(inputs.RolloutTensorParallel)} gives {Gb(estimate.RolloutHaveGb)} GB",
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
            MemoryEstimator.DeviceCapacityGb(gpuMemoryGb), // the data-sheet "80 GB" is GiB
            online ? (int)(v.Int("parallelism.rollout_tensor_parallel_size") ?? 1) : 0,
            online ? v.Number("rl.gpu_memory_utilization") : null, // the resolver has filled in the framework's default (FrameworkDefaults)
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
