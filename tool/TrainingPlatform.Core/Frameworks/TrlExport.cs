using System.Globalization;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Text;

namespace TrainingPlatform.Core.Frameworks;

/// <summary>One row of the TRL mapping table (docs/frameworks.md): trainplat key, TRL field, the conversion in words.</summary>
public sealed record TrlMappingRow(string TrainplatKey, string TrlField, string Conversion);

/// <summary>
/// A rendered config as a TRL config file: the dataclass chosen by the recipe's algorithm, batch semantics converted
/// (TRL counts samples, and for GRPO completions, per device), every key checked against the TRL release's catalog.
/// </summary>
public static class TrlExport
{
    /// <summary>Values of these keys need no TRL key: they are TRL's behaviour already, or describe the source recipe.</summary>
    private static readonly Dictionary<string, Func<JsonNode?, bool>> Neutral = new(StringComparer.Ordinal)
    {
        ["trainer.framework"] = _ => true,
        ["trainer.total_gpus"] = _ => true,
        ["trainer.gpus_per_node"] = _ => true,
        ["trainer.nodes"] = _ => true,
        ["parallelism.data_parallel_size"] = _ => true,
        ["model.chat_template"] = v => Text(v) == "tokenizer_default",
        ["model.quantization"] = v => Text(v) == "none",
        ["parallelism.tensor_parallel_size"] = v => Int(v) == 1,
        ["parallelism.pipeline_parallel_size"] = v => Int(v) == 1,
        ["parallelism.context_parallel_size"] = v => Int(v) == 1,
        ["parallelism.sequence_parallel_size"] = v => Int(v) == 1,
        ["parallelism.expert_parallel_size"] = v => Int(v) == 1,
        ["parallelism.param_offload"] = v => Bool(v) == false,
        ["parallelism.optimizer_offload"] = v => Bool(v) == false,
        ["parallelism.ref_param_offload"] = v => Bool(v) == false,
        ["rl.use_kl_in_reward"] = v => Bool(v) == false,
        ["rl.dynamic_sampling"] = v => Bool(v) == false,
        ["batch.dynamic_batch_size"] = v => Bool(v) == false,
        ["data.prompt_key"] = v => Text(v) == "prompt",
        ["data.filter_overlong_prompts"] = v => Bool(v) == false,
        ["trainer.critic_warmup"] = v => Int(v) == 0,
        ["rl.advantage_estimator"] = v => Text(v) == "grpo",
        ["rl.gamma"] = _ => true, // GAE only, and a GAE recipe is refused
        ["rl.lam"] = _ => true,
        ["parallelism.rollout_tensor_parallel_size"] = v => Int(v) == 1,
        ["preference.reference_free"] = _ => true, // decided per class below; listed here so it is never reported twice
    };

    /// <summary>The TRL config class that runs <paramref name="algorithm"/>, or null when TRL 1.9's trainers cannot.</summary>
    public static string? ConfigClass(string algorithm) => algorithm switch
    {
        "sft" or "lora" or "qlora" => "SFTConfig",
        "dpo" or "ipo" => "DPOConfig",
        "simpo" => "CPOConfig",
        "orpo" => "ORPOConfig",
        "reward_model" => "RewardConfig",
        "grpo" or "dapo" => "GRPOConfig",
        _ => null,
    };

    /// <summary>The <c>trl</c> subcommand for a config class; null for CPO and ORPO, which TRL 1.9 runs only from its example scripts.</summary>
    public static string? Subcommand(string configClass) => configClass switch
    {
        "SFTConfig" => "sft",
        "DPOConfig" => "dpo",
        "GRPOConfig" => "grpo",
        "RewardConfig" => "reward",
        _ => null,
    };

    /// <summary>The mapping table for <paramref name="configClass"/>, for docs/frameworks.md.</summary>
    public static IReadOnlyList<TrlMappingRow> MappingRows(string configClass) =>
        TrlMapping.Rows.Where(r => r.Classes.Length == 0 || r.Classes.Contains(configClass))
            .Select(r => new TrlMappingRow(r.TrainplatKey, r.TrlField, r.Conversion)).ToArray();

    public static ExportResult Export(ExportSource source, FrameworkTarget target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        if (target.Framework != Framework.Trl)
        {
            throw new ArgumentException($"TrlExport cannot export to {target}", nameof(target));
        }

        if (source.Algorithm == "ppo")
        {
            throw new UserErrorException(
                $"{source.RecipeId}: PPO trains a critic (a value model), which TRL {target.Release}'s stable trainers do not; its experimental PPO trainer has no `trl` command",
                "export this recipe to verl (--to verl)");
        }

        var configClass = ConfigClass(source.Algorithm) ?? throw new UserErrorException(
            $"{source.RecipeId}: TRL {target.Release} has no trainer for algorithm '{source.Algorithm}'",
            "export this recipe to verl (--to verl), or use a recipe whose algorithm TRL runs: sft, lora, qlora, dpo, ipo, simpo, orpo, reward_model, grpo, dapo");
        var builder = new Builder(source, target.Release, configClass);
        builder.Run();
        var subcommand = Subcommand(configClass);
        var command = subcommand is not null
            ? "trl " + subcommand
            : $"accelerate launch --num_processes {source.Gpus.ToString(CultureInfo.InvariantCulture)} examples/scripts/{(configClass == "CPOConfig" ? "cpo" : "orpo")}.py";
        return new ExportResult(target, configClass, command, builder.Keys, builder.Warnings, source);
    }

    internal static string? Text(JsonNode? v) => v is JsonValue j && j.TryGetValue<string>(out var s) ? s : null;

    internal static long? Int(JsonNode? v) => v is JsonValue j
        ? j.TryGetValue<long>(out var l) ? l : j.TryGetValue<double>(out var d) && d == Math.Floor(d) ? (long)d : null
        : null;

    internal static double? Number(JsonNode? v) => Numbers.Of(v);

    internal static bool? Bool(JsonNode? v) => v is JsonValue j && j.TryGetValue<bool>(out var b) ? b : null;

    internal static string Inv(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The largest divisor of <paramref name="n"/> that is at most <paramref name="cap"/> (at least 1).</summary>
    internal static long LargestDivisorAtMost(long n, long cap)
    {
        for (var d = Math.Min(n, Math.Max(1, cap)); d > 1; d--)
        {
            if (n % d == 0)
            {
                return d;
            }
        }

        return 1;
    }

    private sealed class Builder(ExportSource source, string release, string configClass)
    {
        private readonly HashSet<string> _used = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
        private readonly bool _launchedByTrl = Subcommand(configClass) is not null;
        private readonly bool _grpo = configClass == "GRPOConfig";

        public List<ExportedKey> Keys { get; } = [];

        public List<Diagnostic> Warnings { get; } = [];

        private string Recipe => source.RecipeId;

        public void Run()
        {
            Refuse();
            Script();
            Model();
            Optimizer();
            if (_grpo)
            {
                GrpoBatch();
                Grpo();
            }
            else
            {
                Batch();
                Preference();
            }

            Data();
            Trainer();
            Peft();
            Launch();
            Rest();
            Extra();
        }

        private JsonNode? Get(string path)
        {
            var dot = path.IndexOf('.', StringComparison.Ordinal);
            return source.Config[path[..dot]] is JsonObject section ? section[path[(dot + 1)..]] : null;
        }

        private bool Has(string path)
        {
            var dot = path.IndexOf('.', StringComparison.Ordinal);
            return source.Config[path[..dot]] is JsonObject section && section.ContainsKey(path[(dot + 1)..]);
        }

        private string OriginOf(params string[] paths) =>
            string.Join("; ", paths.Where(Has).Select(p => source.Origins.TryGetValue(p, out var o) ? o.Text : source.From).Distinct(StringComparer.Ordinal)) switch
            {
                "" => source.From,
                var text => text,
            };

        /// <summary>Emits <paramref name="field"/>, checked against the catalog (a mapping bug if it is missing or mistyped).</summary>
        private void Emit(string field, JsonNode? value, string from, string? origin = null, params string[] sources)
        {
            var key = TrlCatalog.Find(release, configClass, _launchedByTrl, field)
                      ?? throw new InvalidOperationException($"TRL mapping emits '{field}', which is not a field of {configClass}, ModelConfig or the script arguments");
            if (!TrlCatalog.TypeMatches(key.Type, value))
            {
                throw new InvalidOperationException($"TRL mapping emits {field}={value?.ToJsonString()}, which does not fit its type {key.Type}");
            }

            foreach (var path in sources.Length > 0 ? sources : [from])
            {
                _used.Add(path);
            }

            var exported = new ExportedKey(field, value?.DeepClone(), from, origin ?? OriginOf(sources.Length > 0 ? sources : [from]));
            if (_index.TryGetValue(field, out var at))
            {
                Keys[at] = exported;
            }
            else
            {
                _index[field] = Keys.Count;
                Keys.Add(exported);
            }
        }

        /// <summary>Emits a trainplat key's value as it is, when the config has it.</summary>
        private void Copy(string path, string field)
        {
            if (Has(path))
            {
                Emit(field, Get(path), path);
            }
        }

        private void Warn(string path, string message, string? hint = null, string code = FrameworkCodes.ExportNoCounterpart)
        {
            _used.Add(path);
            Warnings.Add(new Diagnostic(code, Severity.Warning, "", 0, 0, "/" + path.Replace('.', '/'), message, hint));
        }

        private void NoCounterpart(string path, string? why = null)
        {
            if (Has(path))
            {
                Warn(path, $"{path} = {TrlCatalog.Show(Get(path))} has no counterpart in TRL {release} {configClass}{(why is null ? "" : ": " + why)}; not written",
                    "set it in the launch environment by hand if the run needs it");
            }
        }

        private void Refuse()
        {
            var strategy = Text(Get("parallelism.strategy"));
            if (strategy == "megatron")
            {
                throw new UserErrorException($"{Recipe} uses parallelism.strategy megatron at {source.SizeText}, which TRL's trainers cannot run (they shard with FSDP or DeepSpeed through accelerate)",
                    "export it to verl (--to verl), or render a size whose strategy is fsdp, fsdp2 or deepspeed (or --set parallelism.strategy=fsdp2)");
            }

            foreach (var path in new[] { "parallelism.tensor_parallel_size", "parallelism.pipeline_parallel_size", "parallelism.context_parallel_size" })
            {
                if (Int(Get(path)) is > 1 and var n)
                {
                    throw new UserErrorException($"{Recipe} at {source.SizeText} sets {path} = {Inv(n)}, which a TRL {release} config cannot express (TRL trains data-parallel with FSDP or DeepSpeed)",
                        $"export it to verl (--to verl), or --set {path}=1 and check the memory estimate");
                }
            }

            if (source.Algorithm == "ppo" || Text(Get("rl.advantage_estimator")) == "gae" || Has("rl.critic_learning_rate"))
            {
                throw new UserErrorException($"{Recipe} trains a critic (advantage_estimator gae), which TRL {release}'s stable trainers do not",
                    "export it to verl (--to verl)");
            }
        }

        private void Script()
        {
            Copy("model.path", "model_name_or_path");
            if (!Has("model.path"))
            {
                Warnings.Add(new Diagnostic(FrameworkCodes.ExportNoCounterpart, Severity.Warning, "", 0, 0, "/model/path",
                    "the config names no model.path, so the TRL config has no model_name_or_path", "render with --model NAME, or set model.path in the recipe"));
            }

            if (Get("data.train_files") is JsonArray files && files.Count > 0)
            {
                Emit("dataset_name", files[0]?.DeepClone(), "data.train_files", null, "data.train_files");
                if (files.Count > 1)
                {
                    Warn("data.train_files", $"data.train_files has {Inv(files.Count)} files; TRL's dataset_name takes one, so only {files[0]} is written",
                        "list the files under `datasets:` (TRL's DatasetMixtureConfig) in the exported file by hand");
                }
            }

            NoCounterpart("data.val_files", "the trl scripts read the test split of dataset_name (dataset_test_split)");
            NoCounterpart("data.filter_overlong_prompts");
            if (Has("data.prompt_key") && !Neutral["data.prompt_key"](Get("data.prompt_key")))
            {
                NoCounterpart("data.prompt_key", "TRL reads the column named prompt");
            }

            if (_grpo)
            {
                Copy("rl.reward_model", "reward_model_name_or_path");
                if (Get("rl.reward_function") is JsonObject fn && Text(fn["path"]) is { } file)
                {
                    var name = Text(fn["name"]) ?? "compute_score";
                    if (file.EndsWith(".py", StringComparison.Ordinal) && !Path.IsPathRooted(file) && !file.Contains("..", StringComparison.Ordinal))
                    {
                        var module = file[..^3].Replace('\\', '/').TrimStart('.', '/').Replace('/', '.');
                        Emit("reward_funcs", new JsonArray(JsonValue.Create(module + "." + name)), "rl.reward_function", null, "rl.reward_function");
                    }
                    else
                    {
                        Warn("rl.reward_function", $"rl.reward_function.path {file} is not a relative .py file, so it cannot be written as a dotted import path for TRL's reward_funcs",
                            "give the reward function as a .py file relative to the directory trl runs in");
                    }
                }
            }
            else
            {
                NoCounterpart("rl.reward_model");
                NoCounterpart("rl.reward_function");
            }
        }

        private void Model()
        {
            var precision = Text(Get("model.precision"));
            if (precision is not null)
            {
                Emit("bf16", JsonValue.Create(precision == "bf16"), "model.precision");
                Emit("fp16", JsonValue.Create(precision == "fp16"), "model.precision");
            }

            Copy("model.gradient_checkpointing", "gradient_checkpointing");
            Copy("model.attn_implementation", "attn_implementation");
            Copy("model.trust_remote_code", "trust_remote_code");
            switch (Text(Get("model.quantization")))
            {
                case "nf4" or "fp4":
                    Emit("load_in_4bit", JsonValue.Create(true), "model.quantization");
                    Emit("bnb_4bit_quant_type", JsonValue.Create(Text(Get("model.quantization"))), "model.quantization");
                    break;
                case "int8":
                    Emit("load_in_8bit", JsonValue.Create(true), "model.quantization");
                    break;
            }

            if (Text(Get("model.chat_template")) is { } template && template != "tokenizer_default")
            {
                NoCounterpart("model.chat_template", configClass == "SFTConfig" ? "SFTConfig.chat_template_path takes a template file, not a name" : null);
            }

            if (Bool(Get("model.use_remove_padding")) is { } unpad)
            {
                if (configClass is "SFTConfig" or "DPOConfig")
                {
                    Emit("padding_free", JsonValue.Create(unpad), "model.use_remove_padding");
                }
                else if (unpad)
                {
                    NoCounterpart("model.use_remove_padding");
                }
                else
                {
                    _used.Add("model.use_remove_padding");
                }
            }
        }

        private void Optimizer()
        {
            if (Text(Get("optimizer.name")) is { } name)
            {
                Emit("optim", JsonValue.Create(TrlMapping.Optimizers[name]), "optimizer.name");
            }

            Copy("optimizer.learning_rate", "learning_rate");
            Copy("optimizer.weight_decay", "weight_decay");
            Copy("optimizer.beta1", "adam_beta1");
            Copy("optimizer.beta2", "adam_beta2");
            Copy("optimizer.eps", "adam_epsilon");
            Copy("optimizer.lr_scheduler", "lr_scheduler_type");
            Copy("optimizer.warmup_steps", "warmup_steps");
            Copy("optimizer.warmup_ratio", "warmup_ratio");
            if (Has("optimizer.max_grad_norm"))
            {
                // transformers clips only when max_grad_norm > 0, and the field is a float: "no clipping" is 0.0.
                Emit("max_grad_norm", JsonValue.Create(Number(Get("optimizer.max_grad_norm")) ?? 0.0), "optimizer.max_grad_norm");
            }

            if (Number(Get("optimizer.min_learning_rate")) is { } min)
            {
                if (Text(Get("optimizer.lr_scheduler")) == "cosine_with_min_lr")
                {
                    Emit("lr_scheduler_kwargs", new JsonObject { ["min_lr"] = min }, "optimizer.min_learning_rate");
                }
                else
                {
                    NoCounterpart("optimizer.min_learning_rate", "transformers takes a minimum learning rate only with lr_scheduler cosine_with_min_lr");
                }
            }
        }

        /// <summary>SFT, DPO, CPO, ORPO, reward: samples per device × processes × accumulation = the global batch.</summary>
        private void Batch()
        {
            var processes = source.Gpus;
            var global = Int(Get("batch.global_batch_size"));
            var micro = Int(Get("batch.micro_batch_size_per_gpu")) ?? (Int(Get("batch.micro_batch_size")) is { } total ? total / processes : null);
            if (global is null)
            {
                throw new UserErrorException($"{Recipe} at {source.SizeText} has no batch.global_batch_size, so the TRL batch cannot be derived", "set batch.global_batch_size in the recipe");
            }

            if (global.Value % processes != 0)
            {
                throw new UserErrorException(
                    $"{Recipe} at {source.SizeText}: batch.global_batch_size {Inv(global.Value)} is not a multiple of the {Inv(processes)} TRL processes (one per GPU), so per_device_train_batch_size × {Inv(processes)} × gradient_accumulation_steps cannot equal it",
                    $"--set batch.global_batch_size to a multiple of {Inv(processes)}, or render for a GPU count that divides {Inv(global.Value)}");
            }

            var perProcess = global.Value / processes;
            var perDevice = LargestDivisorAtMost(perProcess, micro ?? perProcess);
            var sources = new[] { "batch.global_batch_size", "batch.micro_batch_size_per_gpu", "batch.micro_batch_size", "batch.gradient_accumulation_steps" };
            Emit("per_device_train_batch_size", JsonValue.Create(perDevice),
                micro == perDevice ? "batch.micro_batch_size_per_gpu" : $"largest divisor of global {Inv(global.Value)} / {Inv(processes)} GPUs not above micro {(micro is null ? "-" : Inv(micro.Value))}",
                null, sources);
            Emit("gradient_accumulation_steps", JsonValue.Create(perProcess / perDevice),
                $"global {Inv(global.Value)} / ({Inv(perDevice)} per device × {Inv(processes)} GPUs)", null, sources);
            NoCounterpart("batch.mini_batch_size");
            NoCounterpart("batch.generation_batch_size");
            DynamicBatch();
        }

        private void DynamicBatch()
        {
            if (Bool(Get("batch.dynamic_batch_size")) == true)
            {
                NoCounterpart("batch.dynamic_batch_size", "TRL batches by sample count");
                NoCounterpart("batch.max_tokens_per_gpu");
            }
            else if (Has("batch.max_tokens_per_gpu"))
            {
                NoCounterpart("batch.max_tokens_per_gpu");
            }
        }

        /// <summary>TRL optimizer steps per trainplat RL step: (global / mini) policy updates, each repeated num_iterations times.</summary>
        private long _stepFactor = 1;

        /// <summary>
        /// GRPO: TRL counts completions. One optimizer step = per_device × processes × accumulation completions = the recipe's
        /// mini batch × rollout_n; one generation = generation_batch_size completions = global × rollout_n.
        /// </summary>
        private void GrpoBatch()
        {
            var processes = source.Gpus;
            var n = Int(Get("rl.rollout_n")) ?? 1;
            var global = Int(Get("batch.global_batch_size"))
                         ?? throw new UserErrorException($"{Recipe} has no batch.global_batch_size, so the TRL generation batch cannot be derived", "set batch.global_batch_size (prompts per step)");
            var mini = Int(Get("batch.mini_batch_size")) ?? global;
            var micro = Int(Get("batch.micro_batch_size_per_gpu")) ?? (Int(Get("batch.micro_batch_size")) is { } total ? total / processes : null);
            if (n < 2)
            {
                throw new UserErrorException($"{Recipe}: rl.rollout_n is {Inv(n)}, and TRL's GRPO needs at least 2 generations per prompt", "--set rl.rollout_n=2 or more");
            }

            if (global % mini != 0)
            {
                throw new UserErrorException($"{Recipe} at {source.SizeText}: batch.global_batch_size {Inv(global)} is not a multiple of batch.mini_batch_size {Inv(mini)}",
                    "make the mini batch divide the global batch");
            }

            var perUpdate = mini * n;
            if (perUpdate % processes != 0)
            {
                throw new UserErrorException(
                    $"{Recipe} at {source.SizeText}: one policy update holds mini_batch_size {Inv(mini)} × rollout_n {Inv(n)} = {Inv(perUpdate)} completions, which the {Inv(processes)} TRL processes (one per GPU) cannot share evenly (per_device_train_batch_size × {Inv(processes)} × gradient_accumulation_steps must equal it)",
                    $"--set batch.mini_batch_size so that mini × {Inv(n)} is a multiple of {Inv(processes)}, or render for a GPU count that divides {Inv(perUpdate)}");
            }

            var perProcess = perUpdate / processes;
            var perDevice = LargestDivisorAtMost(perProcess, micro ?? perProcess);
            var generation = Int(Get("batch.generation_batch_size")) ?? global * n;
            if (generation % n != 0 || generation % (perDevice * processes) != 0)
            {
                throw new UserErrorException(
                    $"{Recipe}: generation_batch_size {Inv(generation)} must be divisible by num_generations {Inv(n)} and by per_device_train_batch_size {Inv(perDevice)} × {Inv(processes)} processes",
                    "leave batch.generation_batch_size out (it is global × rollout_n), or make it a multiple of both");
            }

            var batchSources = new[] { "batch.mini_batch_size", "rl.rollout_n", "batch.micro_batch_size_per_gpu", "batch.micro_batch_size" };
            Emit("num_generations", JsonValue.Create(n), "rl.rollout_n");
            Emit("per_device_train_batch_size", JsonValue.Create(perDevice),
                micro == perDevice ? "batch.micro_batch_size_per_gpu" : $"largest divisor of mini {Inv(mini)} × rollout_n {Inv(n)} / {Inv(processes)} GPUs not above micro {(micro is null ? "-" : Inv(micro.Value))}",
                null, batchSources);
            Emit("gradient_accumulation_steps", JsonValue.Create(perProcess / perDevice),
                $"mini {Inv(mini)} × rollout_n {Inv(n)} / ({Inv(perDevice)} per device × {Inv(processes)} GPUs)", null, batchSources);
            Emit("generation_batch_size", JsonValue.Create(generation),
                Has("batch.generation_batch_size") ? "batch.generation_batch_size" : $"global {Inv(global)} × rollout_n {Inv(n)}",
                null, "batch.global_batch_size", "rl.rollout_n", "batch.generation_batch_size");
            var iterations = Int(Get("rl.ppo_epochs")) ?? 1;
            Copy("rl.ppo_epochs", "num_iterations");
            _stepFactor = generation / (perDevice * processes * (perProcess / perDevice)) * iterations;

            // With evaluation on, TRL requires per_device_eval_batch_size × processes to be a multiple of num_generations.
            if (Has("trainer.eval_steps"))
            {
                var eval = n / Gcd(processes, n);
                Emit("per_device_eval_batch_size", JsonValue.Create(eval), $"smallest e with e × {Inv(processes)} GPUs divisible by rollout_n {Inv(n)}", null, "rl.rollout_n");
            }

            DynamicBatch();
        }

        private static long Gcd(long a, long b) => b == 0 ? a : Gcd(b, a % b);

        private void Grpo()
        {
            if (Bool(Get("rl.use_kl_loss")) is { } klLoss)
            {
                var coef = klLoss ? Number(Get("rl.kl_coef")) ?? 0.0 : 0.0;
                Emit("beta", JsonValue.Create(coef), klLoss ? "rl.kl_coef" : "rl.use_kl_loss false", null, "rl.use_kl_loss", "rl.kl_coef");
                if (klLoss && Text(Get("rl.kl_loss_type")) is { } type && type is not ("low_var_kl" or "k3"))
                {
                    Warn("rl.kl_loss_type", $"rl.kl_loss_type = {type}: TRL's GRPO KL term is always the k3 estimator; beta is written, the estimator is not",
                        "use kl_loss_type k3 or low_var_kl for the same loss");
                }
                else
                {
                    _used.Add("rl.kl_loss_type");
                }
            }
            else
            {
                NoCounterpart("rl.kl_coef", "rl.use_kl_loss is not set");
                _used.Add("rl.kl_loss_type");
            }

            if (Bool(Get("rl.use_kl_in_reward")) == true)
            {
                NoCounterpart("rl.use_kl_in_reward", "TRL's GRPO applies the KL as a loss term (beta), never in the reward");
            }

            Copy("rl.clip_ratio_low", "epsilon");
            Copy("rl.clip_ratio_high", "epsilon_high");
            Copy("rl.entropy_coef", "entropy_coef");
            Copy("rl.temperature", "temperature");
            Copy("rl.top_p", "top_p");
            if (Text(Get("rl.loss_agg_mode")) is { } mode)
            {
                if (TrlMapping.LossTypes.TryGetValue(mode, out var loss))
                {
                    Emit("loss_type", JsonValue.Create(loss), "rl.loss_agg_mode");
                }
                else
                {
                    NoCounterpart("rl.loss_agg_mode", "TRL's loss types are grpo (seq-mean-token-mean), dapo (token-mean) and dr_grpo (seq-mean-token-sum-norm)");
                }
            }

            if (source.Algorithm == "dapo")
            {
                // DAPO's overlong filtering: truncated completions do not count in the loss.
                Emit("mask_truncated_completions", JsonValue.Create(true), "algorithm: dapo", "DAPO (overlong filtering)", "rl.overlong_buffer_length");
                _used.Remove("rl.overlong_buffer_length");
            }

            if (Bool(Get("rl.norm_adv_by_std")) is { } std)
            {
                Emit("scale_rewards", JsonValue.Create(std ? "group" : "none"), "rl.norm_adv_by_std");
            }

            switch (Text(Get("rl.rollout_engine")))
            {
                case "vllm":
                    Emit("use_vllm", JsonValue.Create(true), "rl.rollout_engine");
                    Emit("vllm_mode", JsonValue.Create("colocate"), "rl.rollout_engine", "rollout on the training GPUs, as verl does");
                    Copy("rl.gpu_memory_utilization", "vllm_gpu_memory_utilization");
                    Copy("parallelism.rollout_tensor_parallel_size", "vllm_tensor_parallel_size");
                    break;
                case "hf":
                    Emit("use_vllm", JsonValue.Create(false), "rl.rollout_engine");
                    break;
                case "sglang":
                    NoCounterpart("rl.rollout_engine", "TRL generates with vLLM or transformers");
                    break;
            }

            if (Has("data.max_response_length"))
            {
                Copy("data.max_response_length", "max_completion_length");
            }

            NoCounterpart("data.max_prompt_length", "GRPOConfig has no prompt length limit at 1.9");
            NoCounterpart("data.max_seq_length");
            if (Text(Get("rl.advantage_estimator")) is { } estimator && estimator != "grpo")
            {
                NoCounterpart("rl.advantage_estimator", "TRL's GRPO always uses group-normalised advantages");
            }

            if (Bool(Get("rl.dynamic_sampling")) == true)
            {
                NoCounterpart("rl.dynamic_sampling", "TRL's GRPO keeps every prompt group");
                NoCounterpart("rl.max_num_gen_batches");
            }
            else
            {
                NoCounterpart("rl.max_num_gen_batches");
            }

            NoCounterpart("rl.overlong_buffer_length", "TRL's soft overlong punishment is a reward function with fixed lengths");
            NoCounterpart("rl.overlong_penalty_factor");
            foreach (var path in new[] { "rl.log_prob_micro_batch_size_per_gpu", "rl.clip_ratio_c", "rl.kl_ctrl", "rl.value_clip", "rl.critic_micro_batch_size_per_gpu" })
            {
                NoCounterpart(path);
            }
        }

        private void Preference()
        {
            var loss = Text(Get("preference.loss_type"));
            var referenceFree = Bool(Get("preference.reference_free"));
            switch (configClass)
            {
                case "DPOConfig":
                    if (loss is not null)
                    {
                        if (loss is "sigmoid" or "ipo" or "hinge" or "robust")
                        {
                            Emit("loss_type", new JsonArray(JsonValue.Create(loss)), "preference.loss_type");
                        }
                        else
                        {
                            NoCounterpart("preference.loss_type", "DPOConfig's loss types are sigmoid, ipo, hinge, robust and others with the same names");
                        }
                    }

                    Copy("preference.beta", "beta");
                    Copy("preference.label_smoothing", "label_smoothing");
                    if (referenceFree == true)
                    {
                        Warn("preference.reference_free", "preference.reference_free = true has no counterpart in TRL DPOConfig (it always uses a reference model); not written",
                            "use the simpo or orpo recipe for reference-free preference training");
                    }

                    break;
                case "CPOConfig":
                    Emit("loss_type", JsonValue.Create("simpo"), "algorithm: simpo", "SimPO is CPO's simpo loss", "preference.loss_type");
                    Emit("cpo_alpha", JsonValue.Create(0.0), "algorithm: simpo", "no behaviour-cloning term: pure SimPO");
                    Copy("preference.beta", "beta");
                    Copy("preference.label_smoothing", "label_smoothing");

                    // Same units: TRL subtracts simpo_gamma / beta from the length-normalised log-ratio before scaling by beta,
                    // i.e. a target margin of simpo_gamma in reward units, as the SimPO paper's gamma.
                    Copy("preference.simpo_gamma", "simpo_gamma");
                    break;
                case "ORPOConfig":
                    _used.Add("preference.loss_type");
                    Copy("preference.beta", "beta");
                    NoCounterpart("preference.label_smoothing", "ORPO has no label smoothing");
                    break;
                case "RewardConfig":
                    if (loss is not null && loss != "bradley_terry")
                    {
                        NoCounterpart("preference.loss_type", "RewardConfig trains a Bradley-Terry model only");
                    }

                    _used.Add("preference.loss_type");
                    NoCounterpart("preference.beta");
                    NoCounterpart("preference.label_smoothing");
                    break;
            }

            if (configClass != "CPOConfig")
            {
                NoCounterpart("preference.simpo_gamma");
            }

            foreach (var path in new[] { "rl.rollout_n", "rl.kl_coef", "rl.temperature", "rl.top_p" })
            {
                NoCounterpart(path);
            }
        }

        private void Data()
        {
            var lengthField = configClass switch
            {
                "GRPOConfig" => null,
                _ => "max_length",
            };
            if (lengthField is not null)
            {
                Copy("data.max_seq_length", lengthField);
                if (configClass is "CPOConfig" or "ORPOConfig")
                {
                    Copy("data.max_response_length", "max_completion_length");
                }
                else
                {
                    NoCounterpart("data.max_response_length");
                }

                NoCounterpart("data.max_prompt_length");
            }

            if (Bool(Get("data.packing")) is { } packing)
            {
                if (configClass == "SFTConfig")
                {
                    Emit("packing", JsonValue.Create(packing), "data.packing");
                }
                else if (packing)
                {
                    NoCounterpart("data.packing", $"{configClass} does not pack samples");
                }
                else
                {
                    _used.Add("data.packing");
                }
            }

            if (Bool(Get("data.shuffle")) is { } shuffle)
            {
                if (_grpo)
                {
                    Emit("shuffle_dataset", JsonValue.Create(shuffle), "data.shuffle");
                }
                else
                {
                    Emit("train_sampling_strategy", JsonValue.Create(shuffle ? "random" : "sequential"), "data.shuffle");
                }
            }

            if (Text(Get("data.truncation")) is { } truncation)
            {
                if (configClass is "SFTConfig" or "DPOConfig" && truncation is "left" or "right")
                {
                    Emit("truncation_mode", JsonValue.Create(truncation == "left" ? "keep_end" : "keep_start"), "data.truncation");
                }
                else
                {
                    NoCounterpart("data.truncation", $"{configClass} {(truncation == "error" ? "truncates instead of failing" : "has no truncation side")}");
                }
            }
        }

        private void Trainer()
        {
            Copy("trainer.epochs", "num_train_epochs");
            Steps("trainer.max_steps", "max_steps");
            Copy("trainer.seed", "seed");
            if (Has("trainer.save_steps"))
            {
                Emit("save_strategy", JsonValue.Create("steps"), "trainer.save_steps");
                Steps("trainer.save_steps", "save_steps");
            }

            if (Has("trainer.eval_steps"))
            {
                Emit("eval_strategy", JsonValue.Create("steps"), "trainer.eval_steps");
                Steps("trainer.eval_steps", "eval_steps");
            }

            Steps("trainer.logging_steps", "logging_steps");
            Copy("trainer.output_dir", "output_dir");
            Copy("trainer.experiment_name", "run_name");
            if (Get("trainer.logger") is JsonArray loggers)
            {
                var kept = loggers.Select(l => Text(l)).Where(l => l is not null && l != "console").Select(l => (JsonNode?)JsonValue.Create(l)).ToArray();
                Emit("report_to", kept.Length == 0 ? JsonValue.Create("none") : new JsonArray(kept), "trainer.logger");
            }

            NoCounterpart("trainer.project_name", "TRL names only the run (run_name); the wandb project comes from WANDB_PROJECT");
            NoCounterpart("trainer.critic_warmup");
        }

        /// <summary>An interval in trainplat steps; for GRPO one trainplat step is several TRL optimizer steps.</summary>
        private void Steps(string path, string field)
        {
            if (Int(Get(path)) is not { } steps)
            {
                return;
            }

            Emit(field, JsonValue.Create(steps * _stepFactor),
                _stepFactor == 1 ? path : $"{path} × {Inv(_stepFactor)} TRL optimizer steps per step (global / mini × num_iterations)", null, path);
        }

        private void Peft()
        {
            var peft = source.Algorithm is "lora" or "qlora" || Has("lora.rank");
            if (!peft)
            {
                return;
            }

            Emit("use_peft", JsonValue.Create(true), Has("lora.rank") ? "lora.rank" : "algorithm: " + source.Algorithm, null, "lora.rank");
            Copy("lora.rank", "lora_r");
            if (Number(Get("lora.alpha")) is { } alpha)
            {
                if (alpha != Math.Floor(alpha))
                {
                    throw new UserErrorException($"{Recipe}: lora.alpha {TrlCatalog.Show(Get("lora.alpha"))} is not a whole number, and TRL's ModelConfig.lora_alpha is an int",
                        "--set lora.alpha to a whole number");
                }

                Emit("lora_alpha", JsonValue.Create((long)alpha), "lora.alpha");
            }

            Copy("lora.dropout", "lora_dropout");
            switch (Get("lora.target_modules"))
            {
                case JsonArray modules:
                    Emit("lora_target_modules", modules.DeepClone(), "lora.target_modules");
                    break;
                case JsonValue one when Text(one) is { } text:
                    // ModelConfig turns a one-element list into the string PEFT expects ("all-linear").
                    Emit("lora_target_modules", new JsonArray(JsonValue.Create(text)), "lora.target_modules");
                    break;
            }

            if (source.Algorithm == "qlora" && Text(Get("model.quantization")) is null or "none")
            {
                Emit("load_in_4bit", JsonValue.Create(true), "algorithm: qlora", "QLoRA quantizes the frozen base to 4 bits");
            }
        }

        private void Launch()
        {
            var strategy = Text(Get("parallelism.strategy"));
            if (_launchedByTrl)
            {
                var name = strategy is null or "ddp" && source.Gpus == 1 ? "single_gpu"
                    : TrlMapping.AccelerateConfigs.GetValueOrDefault(strategy ?? "ddp");
                if (name is not null)
                {
                    Emit("accelerate_config", JsonValue.Create(name), strategy is null ? "cluster" : "parallelism.strategy", null, "parallelism.strategy");
                }

                Emit("num_processes", JsonValue.Create((long)source.Gpus), "trainer.gpus_per_node × trainer.nodes",
                    OriginOf("trainer.gpus_per_node", "trainer.nodes"), "trainer.gpus_per_node", "trainer.nodes", "trainer.total_gpus");
                if (source.Nodes > 1)
                {
                    Emit("num_machines", JsonValue.Create((long)source.Nodes), "trainer.nodes");
                }
            }
            else
            {
                _used.Add("parallelism.strategy");
                Warnings.Add(new Diagnostic(FrameworkCodes.ExportIgnoredByLauncher, Severity.Warning, "", 0, 0, "/parallelism/strategy",
                    $"TRL {release} has no `trl {(configClass == "CPOConfig" ? "cpo" : "orpo")}` command: its examples/scripts/{(configClass == "CPOConfig" ? "cpo" : "orpo")}.py reads flags, loads the model without ModelConfig's quantization, attention and dtype settings, and leaves sharding to accelerate",
                    $"run it with accelerate launch --num_processes {Inv(source.Gpus)} and an accelerate config for {strategy ?? "ddp"}; pass each key of this file as --key value"));
            }

            if (Bool(Get("parallelism.param_offload")) == true || Bool(Get("parallelism.optimizer_offload")) == true)
            {
                NoCounterpart("parallelism.param_offload", "offload is set in the accelerate config file (fsdp_offload_params, or DeepSpeed offload_optimizer / offload_param)");
                NoCounterpart("parallelism.optimizer_offload", "see parallelism.param_offload");
            }

            if (Int(Get("parallelism.sequence_parallel_size")) is > 1)
            {
                NoCounterpart("parallelism.sequence_parallel_size", "sequence parallelism is set in accelerate's parallelism config, not in the trainer config; every GPU counts as one data-parallel process here");
            }

            if (Int(Get("parallelism.expert_parallel_size")) is > 1)
            {
                NoCounterpart("parallelism.expert_parallel_size");
            }

            if (!_grpo)
            {
                if (Int(Get("parallelism.rollout_tensor_parallel_size")) is > 1)
                {
                    NoCounterpart("parallelism.rollout_tensor_parallel_size");
                }

                NoCounterpart("rl.gpu_memory_utilization");
                NoCounterpart("rl.rollout_engine");
            }
        }

        /// <summary>Every config key not used above: neutral values need no key; all others are listed as warnings.</summary>
        private void Rest()
        {
            foreach (var (section, node) in source.Config)
            {
                if (section == "extra" || node is not JsonObject keys)
                {
                    continue;
                }

                foreach (var (key, value) in keys)
                {
                    var path = section + "." + key;
                    if (_used.Contains(path) || Warnings.Any(w => w.Pointer == "/" + section + "/" + key))
                    {
                        continue;
                    }

                    if (Neutral.TryGetValue(path, out var neutral) && neutral(value))
                    {
                        continue;
                    }

                    NoCounterpart(path);
                }
            }
        }

        private void Extra()
        {
            if (source.Config["extra"] is not JsonObject extra)
            {
                return;
            }

            foreach (var (key, value) in extra)
            {
                if (key == "trl" && value is JsonObject trl)
                {
                    foreach (var (field, fieldValue) in trl)
                    {
                        PassThrough("extra.trl." + field, field, fieldValue);
                    }
                }
                else if (!key.Contains('.', StringComparison.Ordinal) && key != "verl" && TrlCatalog.Find(release, configClass, _launchedByTrl, key) is not null)
                {
                    // A flat extra key that names a TRL field (simpo's cpo_alpha) is taken as written for TRL.
                    PassThrough("extra." + key, key, value);
                }
                else
                {
                    Warnings.Add(new Diagnostic(FrameworkCodes.ExportNoCounterpart, Severity.Warning, "", 0, 0, "/extra/" + key,
                        $"extra.{key} is not for TRL; not written", "only extra.trl.* passes through to a TRL config"));
                }
            }
        }

        private void PassThrough(string path, string field, JsonNode? value)
        {
            var key = TrlCatalog.Find(release, configClass, _launchedByTrl, field)
                      ?? throw new UserErrorException($"{Recipe}: {path} names '{field}', which is not a field of TRL {release} {configClass}, ModelConfig or the trl script arguments",
                          TrainingPlatform.Core.Text.Suggestions.DidYouMean(field, FrameworkCatalog.Trl(release, configClass).Keys.Select(k => k.Path)) ?? $"see the {configClass} fields in docs/frameworks.md");
            if (!TrlCatalog.TypeMatches(key.Type, value))
            {
                throw new UserErrorException($"{Recipe}: {path} = {TrlCatalog.Show(value)} does not fit TRL's type for {field}: {key.Type}",
                    $"write a value of type {key.Type}");
            }

            if (_index.TryGetValue(field, out var at) && !JsonNode.DeepEquals(Keys[at].Value, value))
            {
                Warnings.Add(new Diagnostic(FrameworkCodes.ExportExtraReplaces, Severity.Warning, "", 0, 0, "/" + path.Replace('.', '/'),
                    $"{path} = {TrlCatalog.Show(value)} replaces {field} = {TrlCatalog.Show(Keys[at].Value)} from {Keys[at].From}",
                    "drop the extra key to keep the mapped value"));
            }

            var origin = source.Origins.TryGetValue(path, out var exact) ? exact.Text
                : source.Origins.TryGetValue("extra.trl", out var section) ? section.Text
                : source.From;
            Emit(field, value, path, origin);
        }
    }
}
