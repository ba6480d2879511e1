using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Schema;
using TrainingPlatform.Core.Yaml;

namespace TrainingPlatform.Core.Frameworks;

/// <summary>The recipe an import wrote: its text, id, the built-in it extends (or null), and what could not be mapped.</summary>
public sealed record TrlImportResult(string RecipeText, string Id, string? Extends, IReadOnlyList<Diagnostic> Warnings);

/// <summary>
/// A TRL config file (the YAML <c>trl sft|dpo|grpo|reward --config</c> reads) as a trainplat recipe: the inverse of
/// <see cref="TrlExport"/>. Fields with no trainplat key are kept under <c>extra.trl</c>, a warning each.
/// </summary>
public static class TrlImport
{
    public static readonly IReadOnlyList<string> Trainers = ["sft", "dpo", "grpo", "reward", "orpo", "cpo"];

    private const string Release = "1.9.0";

    public static string ConfigClass(string trainer) => trainer switch
    {
        "sft" => "SFTConfig",
        "dpo" => "DPOConfig",
        "grpo" => "GRPOConfig",
        "reward" => "RewardConfig",
        "orpo" => "ORPOConfig",
        "cpo" => "CPOConfig",
        _ => throw new UserErrorException($"unknown TRL trainer '{trainer}'", "use one of: " + string.Join(", ", Trainers)),
    };

    /// <summary>Reads <paramref name="fullPath"/> and imports it (<see cref="Import"/>).</summary>
    public static TrlImportResult Load(string fullPath, string display, string trainer, string id) =>
        Import(File.ReadAllText(fullPath), display, trainer, id);

    /// <summary>The file name as a recipe id: lower-case, runs of other characters as one underscore, a letter first.</summary>
    public static string DefaultId(string path)
    {
        var stem = Path.GetFileNameWithoutExtension(path).ToLowerInvariant();
        var sb = new StringBuilder();
        foreach (var c in stem)
        {
            if (c is >= 'a' and <= 'z' or >= '0' and <= '9')
            {
                sb.Append(c);
            }
            else if (sb.Length > 0 && sb[^1] != '_')
            {
                sb.Append('_');
            }
        }

        var id = sb.ToString().Trim('_');
        return id.Length > 0 && char.IsAsciiLetter(id[0]) ? id : "trl_" + id;
    }

    /// <param name="text">The TRL config file's text.</param>
    /// <param name="file">The file as the user named it (for messages and the recipe's <c>source:</c>).</param>
    /// <param name="id">The new recipe's id (lower_snake_case).</param>
    public static TrlImportResult Import(string text, string file, string trainer, string id)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(id);
        if (!System.Text.RegularExpressions.Regex.IsMatch(id, "^[a-z][a-z0-9_]*$"))
        {
            throw new UserErrorException($"'{id}' is not a valid recipe id", "ids are lower_snake_case: a letter, then letters, digits and underscores");
        }

        var reader = Read(text, file, trainer);
        var configClass = ConfigClass(trainer);
        var algorithm = reader.Algorithm;
        var flat = reader.Values;
        var extends = ClosestBase(algorithm, flat, reader.Gpus, MappedKeys(configClass));
        var recipeText = Write(id, file, configClass, algorithm, flat, reader.Extra, extends);
        return new TrlImportResult(recipeText, id, extends?.Id, reader.Warnings);
    }

    /// <summary>
    /// The trainplat config a TRL config file stands for, by section (what <see cref="Import"/> would write, without a base),
    /// with TRL fields that have no trainplat key under <c>extra.trl</c>: how <c>diff</c> compares a TRL config with a recipe.
    /// </summary>
    public static JsonObject ReadConfig(string text, string file, string trainer)
    {
        var reader = Read(text, file, trainer);
        var config = new JsonObject();
        foreach (var (path, value) in reader.Values)
        {
            var dot = path.IndexOf('.', StringComparison.Ordinal);
            var section = (JsonObject)(config[path[..dot]] ??= new JsonObject());
            section[path[(dot + 1)..]] = value?.DeepClone();
        }

        if (reader.Extra.Count > 0)
        {
            config["extra"] = new JsonObject { ["trl"] = reader.Extra.DeepClone() };
        }

        return config;
    }

    /// <summary>
    /// The TRL trainer a flat config file is for, or null when it is not one: every field must belong to the class (or
    /// ModelConfig, or the trl script arguments) and one of TRL's training fields must be there; among the classes that
    /// accept every field, the one with the most fields of its own wins (on a tie: DPO, GRPO, CPO, reward, ORPO, then SFT — a
    /// lone <c>beta</c> reads as DPO; <c>--as trl:orpo</c> says otherwise).
    /// </summary>
    public static string? GuessTrainer(JsonObject root)
    {
        ArgumentNullException.ThrowIfNull(root);
        string[] training = ["per_device_train_batch_size", "learning_rate", "num_generations", "gradient_accumulation_steps", "num_train_epochs"];
        if (root.ContainsKey("apiVersion") || !training.Any(root.ContainsKey) || root.Any(kv => kv.Value is JsonObject))
        {
            return null;
        }

        var sft = FrameworkCatalog.Trl(Release, "SFTConfig");
        string? best = null;
        var bestScore = -1;
        foreach (var trainer in new[] { "dpo", "grpo", "cpo", "reward", "orpo", "sft" })
        {
            var configClass = ConfigClass(trainer);
            if (root.Any(kv => kv.Key != "env" && TrlCatalog.Find(Release, configClass, true, kv.Key) is null))
            {
                continue;
            }

            var tree = FrameworkCatalog.Trl(Release, configClass);
            var score = root.Count(kv => tree.Contains(kv.Key) && (trainer == "sft" || !sft.Contains(kv.Key)));
            if (score > bestScore)
            {
                (best, bestScore) = (trainer, score);
            }
        }

        return best;
    }

    private static Reader Read(string text, string file, string trainer)
    {
        var configClass = ConfigClass(trainer);
        var tree = YamlTreeReader.Parse(text, file);
        if (tree.HasErrors)
        {
            throw new UserErrorException($"{file} is not valid YAML", "fix the YAML error above first", tree.Diagnostics.Where(d => d.IsError).ToArray());
        }

        if (tree.Root is not JsonObject root)
        {
            throw new UserErrorException($"{file} is not a TRL config: its top level is not a mapping of field: value", "a TRL config file is a flat YAML mapping such as `learning_rate: 1.0e-6`");
        }

        foreach (var (key, _) in root)
        {
            if (key != "env" && TrlCatalog.Find(Release, configClass, true, key) is null)
            {
                var at = tree.KeyPositionOf("/" + YamlTreeReader.EscapePointerToken(key));
                throw new UserErrorException($"{file}:{at.Line.ToString(CultureInfo.InvariantCulture)}:{at.Column.ToString(CultureInfo.InvariantCulture)}: '{key}' is not a field of TRL {Release} {configClass}, ModelConfig or the trl script arguments",
                    (TrainingPlatform.Core.Text.Suggestions.DidYouMean(key, FrameworkCatalog.Trl(Release, configClass).Keys.Select(k => k.Path)) ?? $"check --trainer ({trainer})") + "; TRL itself would refuse the file");
            }
        }

        var reader = new Reader(root, configClass, file, tree);
        reader.Run();
        return reader;
    }

    /// <summary>The trainplat keys the TRL mapping covers for <paramref name="configClass"/> (what a base recipe must not add).</summary>
    private static HashSet<string> MappedKeys(string configClass) =>
        TrlExport.MappingRows(configClass).Select(r => r.TrainplatKey).Where(k => RecipeSchema.Current.Find(k) is not null)
            .Concat(["batch.global_batch_size", "batch.mini_batch_size", "batch.micro_batch_size_per_gpu", "trainer.gpus_per_node", "trainer.nodes"])
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// The built-in with the same algorithm that gives the shortest file, if shorter than none. A base qualifies only when it
    /// adds no mapped key the TRL file lacks and none of its scaling rules (at the imported GPU count) would change an
    /// imported value, so the recipe renders back to the file's values at any size.
    /// </summary>
    private static Recipe? ClosestBase(string algorithm, SortedDictionary<string, JsonNode?> flat, long gpus, HashSet<string> mapped)
    {
        Recipe? best = null;
        var bestCount = flat.Count;
        var registry = RecipeRegistry.BuiltInOnly();
        foreach (var entry in registry.Entries.Where(e => e.Recipe.Algorithm == algorithm))
        {
            var chain = new List<Recipe>();
            for (var r = entry.Recipe; r is not null; r = r.Extends is { } e ? registry.Find(e)?.Recipe : null)
            {
                chain.Insert(0, r);
            }

            var baseValues = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
            foreach (var r in chain)
            {
                foreach (var (section, keys) in r.Config)
                {
                    foreach (var (key, value) in keys as JsonObject ?? [])
                    {
                        baseValues[section + "." + key] = value;
                    }
                }
            }

            var eligible = baseValues.Keys.All(k => flat.ContainsKey(k) || !mapped.Contains(k)) &&
                           chain.SelectMany(r => r.Scaling.OfType<JsonObject>()).All(rule => Harmless(rule, flat, mapped, gpus));
            if (!eligible)
            {
                continue;
            }

            var delta = flat.Count(p => !baseValues.TryGetValue(p.Key, out var v) || !JsonNode.DeepEquals(Normal(v), Normal(p.Value))) + 1;
            if (delta < bestCount)
            {
                best = entry.Recipe;
                bestCount = delta;
            }
        }

        return best;
    }

    private static bool Harmless(JsonObject rule, SortedDictionary<string, JsonNode?> flat, HashSet<string> mapped, long gpus)
    {
        if (rule["when"] is JsonObject when &&
            ((when["min_gpus"] is JsonValue min && min.GetValue<long>() > gpus) || (when["max_gpus"] is JsonValue max && max.GetValue<long>() < gpus)))
        {
            return true;
        }

        return (rule["set"] as JsonObject ?? []).All(p =>
            flat.TryGetValue(p.Key, out var mine) ? JsonNode.DeepEquals(Normal(mine), Normal(p.Value)) : !mapped.Contains(p.Key));
    }

    private static JsonNode? Normal(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<bool>(out var b) => JsonValue.Create(b),
        JsonValue v when v.TryGetValue<string>(out var s) => JsonValue.Create(s),
        JsonValue v when v.TryGetValue<double>(out var d) => JsonValue.Create(d),
        JsonValue v when v.TryGetValue<long>(out var l) => JsonValue.Create((double)l),
        JsonArray a => new JsonArray([.. a.Select(Normal)]),
        _ => node?.DeepClone(),
    };

    private static string Write(string id, string file, string configClass, string algorithm, SortedDictionary<string, JsonNode?> flat, JsonObject extra, Recipe? extends)
    {
        var task = algorithm switch
        {
            "sft" or "lora" or "qlora" => "sft",
            "reward_model" => "reward",
            "grpo" or "dapo" => "rlhf",
            _ => "preference",
        };
        var baseValues = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        if (extends is not null)
        {
            var registry = RecipeRegistry.BuiltInOnly();
            for (var r = extends; r is not null; r = r.Extends is { } e ? registry.Find(e)?.Recipe : null)
            {
                foreach (var (section, keys) in r.Config)
                {
                    foreach (var (key, value) in keys as JsonObject ?? [])
                    {
                        baseValues.TryAdd(section + "." + key, value);
                    }
                }
            }
        }

        var config = new JsonObject();
        foreach (var section in RecipeSchema.Current.Sections)
        {
            var o = new JsonObject();
            foreach (var key in RecipeSchema.Current.Keys.Where(k => k.Section == section))
            {
                if (flat.TryGetValue(key.Path, out var value) &&
                    !(baseValues.TryGetValue(key.Path, out var inherited) && JsonNode.DeepEquals(Normal(inherited), Normal(value))))
                {
                    o[key.Name] = value?.DeepClone();
                }
            }

            if (o.Count > 0)
            {
                config[section] = o;
            }
        }

        var sb = new StringBuilder();
        sb.Append("# yaml-language-server: $schema=").Append(SchemaDocument.Recipe.Id).Append('\n');
        sb.Append("#\n");
        sb.Append("# ").Append(id).Append(": imported from the TRL ").Append(Release).Append(' ').Append(configClass).Append(" config ").Append(file)
          .Append(" with `trainplat import trl`.\n");
        sb.Append("# TRL fields with no trainplat key are kept under extra.trl; `trainplat export ").Append(id).Append(" --to trl` writes them back.\n");
        sb.Append("#\n# Use it:\n#   trainplat render ").Append(id).Append(" --model-size 7B\n#   trainplat export ").Append(id).Append(" --to trl --model-size 7B\n");
        var head = new JsonObject
        {
            ["apiVersion"] = "trainplat/v1",
            ["id"] = id,
            ["version"] = RecipeCopier.InitialVersion,
            ["task"] = task,
            ["algorithm"] = algorithm,
            ["description"] = $"Imported from the TRL {configClass} config {Path.GetFileName(file)}.",
            ["source"] = $"{file} (TRL {Release} {configClass} config, imported with trainplat import trl)",
        };
        if (extends is not null)
        {
            head["extends"] = extends.Id;
        }

        head["config"] = config;
        if (extra.Count > 0)
        {
            head["extra"] = new JsonObject { ["trl"] = extra.DeepClone() };
        }

        YamlText.WriteMapping(sb, head, 0, "");
        return sb.ToString();
    }

    /// <summary>Reads the TRL fields into trainplat keys (the inverse of each export conversion).</summary>
    private sealed class Reader(JsonObject root, string configClass, string file, YamlTree tree)
    {
        private readonly HashSet<string> _consumed = new(StringComparer.Ordinal) { "env" };
        private readonly bool _grpo = configClass == "GRPOConfig";

        public SortedDictionary<string, JsonNode?> Values { get; } = new(StringComparer.Ordinal);

        public JsonObject Extra { get; } = [];

        public List<Diagnostic> Warnings { get; } = [];

        public string Algorithm { get; private set; } = "sft";

        public long Gpus { get; private set; } = 1;

        public void Run()
        {
            Algorithm = configClass switch
            {
                "SFTConfig" => Bool("use_peft") == true ? Bool("load_in_4bit") == true ? "qlora" : "lora" : "sft",
                "DPOConfig" => "dpo",
                "GRPOConfig" => Bool("mask_truncated_completions") == true ? "dapo" : "grpo",
                "RewardConfig" => "reward_model",
                "ORPOConfig" => "orpo",
                _ => "simpo",
            };
            if (configClass == "CPOConfig" && (Text("loss_type") != "simpo" || (Number("cpo_alpha") ?? 1.0) != 0.0))
            {
                var at = tree.KeyPositionOf(root.ContainsKey("loss_type") ? "/loss_type" : "");
                throw new UserErrorException($"{file}:{at.Line.ToString(CultureInfo.InvariantCulture)}:{at.Column.ToString(CultureInfo.InvariantCulture)}: only SimPO (loss_type: simpo with cpo_alpha: 0) maps to a trainplat algorithm; this CPO config has loss_type {Text("loss_type") ?? "sigmoid"}, cpo_alpha {Number("cpo_alpha")?.ToString(CultureInfo.InvariantCulture) ?? "1.0"}",
                    "set loss_type: simpo and cpo_alpha: 0, or keep this run outside trainplat");
            }

            _consumed.Add("mask_truncated_completions");
            _consumed.Add("cpo_alpha");
            Set("trainer.framework", "trl", null);
            Cluster();
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
            foreach (var (key, value) in root)
            {
                if (!_consumed.Contains(key))
                {
                    Keep(key, value, $"{key} has no trainplat key");
                }
            }
        }

        private JsonNode? Get(string key) => root[key];

        private bool Has(string key) => root.ContainsKey(key);

        private bool? Bool(string key) => TrlExport.Bool(Get(key));

        private string? Text(string key) => TrlExport.Text(Get(key));

        private long? Int(string key) => TrlExport.Int(Get(key));

        private double? Number(string key) => TrlExport.Number(Get(key));

        private string Where(string key)
        {
            var at = tree.KeyPositionOf("/" + YamlTreeReader.EscapePointerToken(key));
            return $"{file}:{at.Line.ToString(CultureInfo.InvariantCulture)}:{at.Column.ToString(CultureInfo.InvariantCulture)}";
        }

        private void Keep(string key, JsonNode? value, string why)
        {
            _consumed.Add(key);
            Extra[key] = value?.DeepClone();
            var at = tree.KeyPositionOf("/" + YamlTreeReader.EscapePointerToken(key));
            Warnings.Add(new Diagnostic(FrameworkCodes.ImportUnmapped, Severity.Warning, file, at.Line, at.Column, "/" + key,
                $"{why}; kept as extra.trl.{key}", "export writes it back as is"));
        }

        /// <summary>Sets a trainplat key from <paramref name="key"/>; when the schema lacks the key or the value does not fit, keeps the field under extra.trl.</summary>
        private void Set(string path, JsonNode? value, string? key)
        {
            if (key is not null)
            {
                _consumed.Add(key);
            }

            if (RecipeSchema.Current.Find(path) is null || RecipeSchema.Current.CheckValues([new(path, value)]).Count > 0)
            {
                if (key is not null)
                {
                    Keep(key, Get(key), $"{key} = {TrlCatalog.Show(Get(key))} does not fit trainplat's {path}");
                }

                return;
            }

            Values[path] = value?.DeepClone();
        }

        private void Copy(string key, string path)
        {
            if (Has(key))
            {
                Set(path, Get(key), key);
            }
        }

        private long _nodes = 1;

        private void Cluster()
        {
            Gpus = Int("num_processes") ?? 1;
            _nodes = Int("num_machines") ?? 1;
            _consumed.Add("num_processes");
            _consumed.Add("num_machines");
            if (!Has("num_processes"))
            {
                Warnings.Add(new Diagnostic(FrameworkCodes.ImportUnmapped, Severity.Warning, file, 1, 1, "",
                    "the file has no num_processes, so one GPU is assumed; the global batch is per_device_train_batch_size × 1 × gradient_accumulation_steps",
                    "set trainer.gpus_per_node (and batch.global_batch_size) in the written recipe to the GPUs the run used"));
            }

            if (Gpus % _nodes != 0)
            {
                throw new UserErrorException($"{Where("num_machines")}: num_processes {Gpus} cannot be spread evenly over num_machines {_nodes}", "make num_processes a multiple of num_machines");
            }

            Set("trainer.gpus_per_node", JsonValue.Create(Gpus / _nodes), null);
            Set("trainer.nodes", JsonValue.Create(_nodes), null);
            if (Text("accelerate_config") is { } launch)
            {
                var strategy = launch is "single_gpu" ? "ddp" : TrlMapping.AccelerateConfigs.FirstOrDefault(p => p.Value == launch).Key;
                if (strategy is not null)
                {
                    Set("parallelism.strategy", JsonValue.Create(strategy), "accelerate_config");
                }
            }
        }

        private void Model()
        {
            Copy("model_name_or_path", "model.path");
            if (Text("dataset_name") is { } dataset)
            {
                Set("data.train_files", new JsonArray(JsonValue.Create(dataset)), "dataset_name");
            }

            if (Bool("bf16") == true)
            {
                Set("model.precision", "bf16", "bf16");
                _consumed.Add("fp16");
            }
            else if (Bool("fp16") == true)
            {
                Set("model.precision", "fp16", "fp16");
                _consumed.Add("bf16");
            }
            else if (Bool("bf16") == false && Bool("fp16") is null or false)
            {
                Set("model.precision", "fp32", "bf16");
                _consumed.Add("fp16");
            }

            Copy("gradient_checkpointing", "model.gradient_checkpointing");
            Copy("attn_implementation", "model.attn_implementation");
            Copy("trust_remote_code", "model.trust_remote_code");
            if (Bool("load_in_4bit") == true)
            {
                Set("model.quantization", JsonValue.Create(Text("bnb_4bit_quant_type") ?? "nf4"), "load_in_4bit");
                _consumed.Add("bnb_4bit_quant_type");
            }
            else if (Bool("load_in_8bit") == true)
            {
                Set("model.quantization", "int8", "load_in_8bit");
            }

            if (configClass is "SFTConfig" or "DPOConfig")
            {
                Copy("padding_free", "model.use_remove_padding");
            }
        }

        private void Optimizer()
        {
            if (Text("optim") is { } optim && TrlMapping.Optimizers.FirstOrDefault(p => p.Value == optim).Key is { } name)
            {
                Set("optimizer.name", name, "optim");
            }

            Copy("learning_rate", "optimizer.learning_rate");
            Copy("weight_decay", "optimizer.weight_decay");
            Copy("adam_beta1", "optimizer.beta1");
            Copy("adam_beta2", "optimizer.beta2");
            Copy("adam_epsilon", "optimizer.eps");
            Copy("lr_scheduler_type", "optimizer.lr_scheduler");
            if (Number("warmup_steps") is { } warmup && warmup == Math.Floor(warmup))
            {
                Set("optimizer.warmup_steps", JsonValue.Create((long)warmup), "warmup_steps");
            }

            Copy("warmup_ratio", "optimizer.warmup_ratio");
            if (Has("max_grad_norm"))
            {
                Set("optimizer.max_grad_norm", Number("max_grad_norm") is > 0 ? Get("max_grad_norm") : null, "max_grad_norm");
            }

            if (Get("lr_scheduler_kwargs") is JsonObject { Count: 1 } kwargs && kwargs["min_lr"] is JsonValue min && Text("lr_scheduler_type") == "cosine_with_min_lr")
            {
                Set("optimizer.min_learning_rate", min, "lr_scheduler_kwargs");
            }
        }

        private long _stepFactor = 1;

        private void Batch()
        {
            var perDevice = Int("per_device_train_batch_size") ?? 8;
            var accumulation = Int("gradient_accumulation_steps") ?? 1;
            _consumed.Add("per_device_train_batch_size");
            _consumed.Add("gradient_accumulation_steps");
            Set("batch.micro_batch_size_per_gpu", JsonValue.Create(perDevice), null);
            Set("batch.global_batch_size", JsonValue.Create(perDevice * Gpus * accumulation), null);
        }

        private void GrpoBatch()
        {
            var n = Int("num_generations") ?? 8;
            var perDevice = Int("per_device_train_batch_size") ?? 8;
            var accumulation = Int("gradient_accumulation_steps") ?? 1;
            var generation = Int("generation_batch_size") ?? perDevice * Gpus * (Int("steps_per_generation") ?? accumulation);
            foreach (var key in new[] { "num_generations", "per_device_train_batch_size", "gradient_accumulation_steps", "generation_batch_size", "steps_per_generation" })
            {
                _consumed.Add(key);
            }

            var perUpdate = perDevice * Gpus * accumulation;
            if (generation % n != 0 || perUpdate % n != 0 || generation % perUpdate != 0)
            {
                throw new UserErrorException(
                    $"{file}: per_device_train_batch_size {perDevice} × {Gpus} processes × gradient_accumulation_steps {accumulation} = {perUpdate} completions per optimizer step and generation_batch_size {generation} must both hold whole groups of num_generations {n}, and the generation batch whole optimizer steps",
                    "trainplat counts prompts per step and per update; fix the batch fields so they divide");
            }

            Set("rl.rollout_n", JsonValue.Create(n), "num_generations");
            Set("batch.global_batch_size", JsonValue.Create(generation / n), null);
            Set("batch.mini_batch_size", JsonValue.Create(perUpdate / n), null);
            Set("batch.micro_batch_size_per_gpu", JsonValue.Create(perDevice), null);
            var iterations = Int("num_iterations") ?? 1;
            Copy("num_iterations", "rl.ppo_epochs");
            _stepFactor = generation / perUpdate * iterations;
            if (Int("per_device_eval_batch_size") is { } eval && eval == n / Gcd(Gpus, n))
            {
                _consumed.Add("per_device_eval_batch_size"); // what export derives from rollout_n
            }
        }

        private static long Gcd(long a, long b) => b == 0 ? a : Gcd(b, a % b);

        private void Grpo()
        {
            Set("rl.advantage_estimator", "grpo", null);
            if (Number("beta") is { } beta)
            {
                Set("rl.use_kl_loss", JsonValue.Create(beta > 0), "beta");
                if (beta > 0)
                {
                    Set("rl.kl_coef", JsonValue.Create(beta), "beta");
                    Set("rl.kl_loss_type", "k3", "beta");
                }
            }

            Copy("epsilon", "rl.clip_ratio_low");
            Copy("epsilon_high", "rl.clip_ratio_high");
            Copy("entropy_coef", "rl.entropy_coef");
            Copy("temperature", "rl.temperature");
            Copy("top_p", "rl.top_p");
            if (Text("loss_type") is { } loss && TrlMapping.LossTypes.FirstOrDefault(p => p.Value == loss).Key is { } mode)
            {
                Set("rl.loss_agg_mode", mode, "loss_type");
            }

            if (Text("scale_rewards") is "group" or "none")
            {
                Set("rl.norm_adv_by_std", JsonValue.Create(Text("scale_rewards") == "group"), "scale_rewards");
            }

            if (Bool("use_vllm") is { } vllm && (!vllm || Text("vllm_mode") is null or "colocate"))
            {
                Set("rl.rollout_engine", vllm ? "vllm" : "hf", "use_vllm");
                if (vllm)
                {
                    _consumed.Add("vllm_mode");
                }
            }

            Copy("vllm_gpu_memory_utilization", "rl.gpu_memory_utilization");
            Copy("vllm_tensor_parallel_size", "parallelism.rollout_tensor_parallel_size");
            Copy("max_completion_length", "data.max_response_length");
            Copy("shuffle_dataset", "data.shuffle");
            Copy("reward_model_name_or_path", "rl.reward_model");
            if (Get("reward_funcs") is JsonArray { Count: 1 } funcs && TrlExport.Text(funcs[0]) is { } dotted && dotted.LastIndexOf('.') is > 0 and var dot)
            {
                Set("rl.reward_function", new JsonObject { ["path"] = dotted[..dot].Replace('.', '/') + ".py", ["name"] = dotted[(dot + 1)..] }, "reward_funcs");
            }
        }

        private void Preference()
        {
            switch (configClass)
            {
                case "DPOConfig":
                    if (Get("loss_type") is JsonArray { Count: 1 } losses && TrlExport.Text(losses[0]) is { } loss)
                    {
                        Set("preference.loss_type", loss, "loss_type");
                    }

                    Copy("beta", "preference.beta");
                    Copy("label_smoothing", "preference.label_smoothing");
                    break;
                case "CPOConfig":
                    Set("preference.loss_type", "simpo", "loss_type");
                    Set("preference.reference_free", JsonValue.Create(true), null);
                    Copy("beta", "preference.beta");
                    Copy("label_smoothing", "preference.label_smoothing");
                    Copy("simpo_gamma", "preference.simpo_gamma");
                    break;
                case "ORPOConfig":
                    Set("preference.loss_type", "orpo", null);
                    Set("preference.reference_free", JsonValue.Create(true), null);
                    Copy("beta", "preference.beta");
                    break;
                case "RewardConfig":
                    Set("preference.loss_type", "bradley_terry", null);
                    break;
            }
        }

        private void Data()
        {
            if (!_grpo)
            {
                Copy("max_length", "data.max_seq_length");
            }

            if (configClass is "CPOConfig" or "ORPOConfig")
            {
                Copy("max_completion_length", "data.max_response_length");
            }

            if (configClass == "SFTConfig")
            {
                Copy("packing", "data.packing");
            }

            if (!_grpo && Text("train_sampling_strategy") is "random" or "sequential")
            {
                Set("data.shuffle", JsonValue.Create(Text("train_sampling_strategy") == "random"), "train_sampling_strategy");
            }

            if (configClass is "SFTConfig" or "DPOConfig" && Text("truncation_mode") is "keep_end" or "keep_start")
            {
                Set("data.truncation", Text("truncation_mode") == "keep_end" ? "left" : "right", "truncation_mode");
            }
        }

        private void Trainer()
        {
            if (Number("num_train_epochs") is { } epochs && epochs == Math.Floor(epochs))
            {
                Set("trainer.epochs", JsonValue.Create((long)epochs), "num_train_epochs");
            }

            if (Int("max_steps") is -1)
            {
                _consumed.Add("max_steps");
            }

            Steps("max_steps", "trainer.max_steps");
            Copy("seed", "trainer.seed");
            if (Text("save_strategy") == "steps")
            {
                _consumed.Add("save_strategy");
                Steps("save_steps", "trainer.save_steps");
            }

            if (Text("eval_strategy") == "steps")
            {
                _consumed.Add("eval_strategy");
                Steps("eval_steps", "trainer.eval_steps");
            }

            Steps("logging_steps", "trainer.logging_steps");
            Copy("output_dir", "trainer.output_dir");
            Copy("run_name", "trainer.experiment_name");
            switch (Get("report_to"))
            {
                case JsonValue v when TrlExport.Text(v) == "none":
                    Set("trainer.logger", new JsonArray(JsonValue.Create("console")), "report_to");
                    break;
                case JsonValue v when TrlExport.Text(v) is { } one:
                    Set("trainer.logger", new JsonArray(JsonValue.Create(one)), "report_to");
                    break;
                case JsonArray list:
                    Set("trainer.logger", list.DeepClone(), "report_to");
                    break;
            }
        }

        private void Steps(string key, string path)
        {
            if (Number(key) is not { } steps || _consumed.Contains(key))
            {
                return;
            }

            if (steps != Math.Floor(steps) || (long)steps % _stepFactor != 0)
            {
                Keep(key, Get(key), $"{key} = {TrlCatalog.Show(Get(key))} is not a whole number of trainplat steps ({_stepFactor} TRL optimizer steps each)");
                return;
            }

            Set(path, JsonValue.Create((long)steps / _stepFactor), key);
        }

        private void Peft()
        {
            if (Bool("use_peft") != true)
            {
                return;
            }

            _consumed.Add("use_peft");
            Copy("lora_r", "lora.rank");
            Copy("lora_alpha", "lora.alpha");
            Copy("lora_dropout", "lora.dropout");
            switch (Get("lora_target_modules"))
            {
                case JsonArray { Count: 1 } one when TrlExport.Text(one[0]) == "all-linear":
                    Set("lora.target_modules", "all-linear", "lora_target_modules");
                    break;
                case JsonValue v when TrlExport.Text(v) is { } text:
                    Set("lora.target_modules", text, "lora_target_modules");
                    break;
                case JsonArray list:
                    Set("lora.target_modules", list.DeepClone(), "lora_target_modules");
                    break;
            }
        }
    }
}
