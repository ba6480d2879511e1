using System.Text.Json;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Frameworks;

/// <summary>
/// A rendered config → verl Hydra overrides for one release, through <see cref="VerlMappings.Table"/>. Every emitted key
/// is checked against the release's key tree (FSDP or Megatron by <c>parallelism.strategy</c>; DAPO's entry point at 0.7)
/// and its value against the type of the tree's default; what has no counterpart becomes a warning.
/// </summary>
public static class VerlExport
{
    private const string MainPpo = "python3 -m verl.trainer.main_ppo";
    private const string MainDapo = "python3 -m recipe.dapo.main_dapo";

    /// <summary>Algorithms verl's PPO trainer cannot run (they are TRL's).</summary>
    private static readonly HashSet<string> NotRl = new(StringComparer.Ordinal) { "sft", "lora", "qlora", "dpo", "simpo", "orpo", "reward_model", "kto", "cpo" };

    /// <summary>verl keys of type str that also take a list (verl reads them as str or ListConfig).</summary>
    private static readonly HashSet<string> StringOrList = new(StringComparer.Ordinal)
    {
        "data.train_files", "data.val_files", "actor_rollout_ref.model.target_modules",
    };

    /// <summary>The variant of verl's tree a source exports to.</summary>
    public static VerlVariant Variant(ExportSource source, FrameworkTarget target)
    {
        var config = source.Config;
        var megatron = config["parallelism"]?["strategy"]?.GetValue<string>() == "megatron";
        var critic = source.Algorithm == "ppo" || config["rl"]?["advantage_estimator"]?.GetValue<string>() == "gae";
        return new VerlVariant(target.Release, megatron, source.Algorithm == "dapo", critic);
    }

    public static ExportResult Export(ExportSource source, FrameworkTarget target)
    {
        if (target.Framework != Framework.Verl)
        {
            throw new ArgumentException($"not a verl target: {target}", nameof(target));
        }

        if (NotRl.Contains(source.Algorithm))
        {
            throw new UserErrorException($"verl's PPO trainer cannot run {source.RecipeId} (algorithm: {source.Algorithm})",
                "export it to TRL instead: --to trl");
        }

        var variant = Variant(source, target);
        var tree = variant.Tree;
        var keys = new List<ExportedKey>();
        var warnings = new List<Diagnostic>();
        var accounted = new HashSet<string>(StringComparer.Ordinal);
        // The cluster comes from the render's facts (or the job's record), which the config's trainer keys repeat.
        JsonNode? Get(string path) => path switch
        {
            "trainer.gpus_per_node" => JsonValue.Create(source.GpusPerNode),
            "trainer.nodes" => JsonValue.Create(source.Nodes),
            _ => Lookup(source.Config, path),
        };

        foreach (var mapping in VerlMappings.Table)
        {
            accounted.UnionWith(mapping.Trainplat);
            if (!mapping.Trainplat.Any(k => Get(k) is not null))
            {
                continue;
            }

            switch (mapping.Forward(Get, variant))
            {
                case VerlForward.Emit emit:
                    foreach (var (key, value) in emit.Keys)
                    {
                        Add(keys, key, value, emit.From, OriginOf(source, emit.From));
                    }

                    break;
                case VerlForward.Unmapped unmapped:
                    warnings.Add(Warning(source, mapping.Trainplat[0],
                        $"{mapping.Trainplat[0]} ({Shown(Get(mapping.Trainplat[0]))}) has no counterpart in verl {target.Release} {Describe(variant)} and is not exported: {unmapped.Why}",
                        "set the verl key by hand under extra.verl if it has one, or accept verl's behaviour"));
                    break;
                case VerlForward.Unsupported unsupported:
                    throw new UserErrorException($"cannot export {source.RecipeId} to verl {target.Release}: {unsupported.Why}", unsupported.Hint);
            }
        }

        if (variant.Dapo)
        {
            foreach (var (key, value) in VerlMappings.DapoKeys(variant))
            {
                Add(keys, key, value, "algorithm", "recipe: algorithm dapo");
            }
        }

        foreach (var section in source.Config)
        {
            if (section.Key == "extra" || section.Value is not JsonObject fields)
            {
                continue;
            }

            foreach (var field in fields)
            {
                var path = section.Key + "." + field.Key;
                if (!accounted.Contains(path))
                {
                    warnings.Add(Warning(source, path, $"{path} has no verl mapping in this tool and is not exported",
                        "set the verl key under extra.verl if verl has one"));
                }
            }
        }

        foreach (var (key, value, from, isVerl) in Extra(source.Config["extra"] as JsonObject, tree))
        {
            var bare = VerlMappings.Bare(key);
            if (!key.StartsWith('+') && !tree.Contains(bare))
            {
                if (isVerl)
                {
                    throw new UserErrorException($"{from} names '{bare}', which is not a key of verl {target.Release} ({Describe(variant)}: {tree.Name})",
                        "check the key against that release's config (trainplat export --explain lists what is exported), or write it as '+" + bare + "' to add a new key");
                }

                warnings.Add(Warning(source, from, $"{from} is not a key of verl {target.Release} ({Describe(variant)}) and is not exported",
                    "name verl keys under extra.verl (checked against the release's tree)"));
                continue;
            }

            var existing = keys.FindIndex(k => k.Key == bare);
            if (existing >= 0)
            {
                keys.RemoveAt(existing);
            }

            Add(keys, key, value, from, OriginOf(source, from));
        }

        foreach (var key in keys)
        {
            Check(key, tree, target);
        }

        foreach (var (trainplat, verlKey, what) in new[]
        {
            ("model.path", "actor_rollout_ref.model.path", "model"),
            ("data.train_files", "data.train_files", "training data"),
        })
        {
            if (!keys.Any(k => k.Key == verlKey))
            {
                warnings.Add(Warning(source, trainplat, $"no {trainplat}: verl would load its placeholder {what} '{tree.Find(verlKey)?.Default}'",
                    $"set {trainplat} in the recipe{(trainplat == "model.path" ? " or render with --model" : "")}, or append {verlKey}=... to the command"));
            }
        }

        var command = variant.Dapo && FrameworkCatalog.VerlHasDapoEntryPoint(target.Release) ? MainDapo : MainPpo;
        return new ExportResult(target, variant.Megatron ? "megatron" : "fsdp", command, keys, warnings, source);
    }

    /// <summary>The value at a dotted trainplat key (<c>optimizer.learning_rate</c>, <c>rl.reward_function</c>), or null.</summary>
    public static JsonNode? Lookup(JsonObject config, string path)
    {
        var dot = path.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? config[path] : (config[path[..dot]] as JsonObject)?[path[(dot + 1)..]];
    }

    private static void Add(List<ExportedKey> keys, string key, JsonNode? value, string from, string origin)
    {
        var bare = VerlMappings.Bare(key);
        if (keys.Any(k => k.Key == bare))
        {
            return;
        }

        keys.Add(new ExportedKey(bare, value?.DeepClone(), from, origin, key.StartsWith('+')));
    }

    private static string Describe(VerlVariant v) => (v.Megatron ? "Megatron" : "FSDP") + (v.Dapo && v.Is07 ? ", DAPO entry point" : "");

    private static string OriginOf(ExportSource source, string from)
    {
        var first = from.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries)[0];
        if (source.Origins.TryGetValue(first, out var origin))
        {
            return origin.Text;
        }

        return source.From == "render" ? "recipe" : source.From;
    }

    private static Diagnostic Warning(ExportSource source, string path, string message, string hint) =>
        new("export", Severity.Warning, source.RecipeId, 0, 0, "/config/" + path.Replace('.', '/'), message, hint);

    private static string Shown(JsonNode? value) => value is null ? "null" : HydraValue.Format(value);

    /// <summary>
    /// The <c>extra</c> entries aimed at verl: <c>extra.verl</c> (nested or dotted) and <c>extra."verl.KEY"</c> are verl keys
    /// (an unknown one is an error); other top-level dotted keys are verl keys when the tree has them (a warning otherwise);
    /// <c>extra.trl</c> is for the other exporter.
    /// </summary>
    private static IEnumerable<(string Key, JsonNode? Value, string From, bool IsVerl)> Extra(JsonObject? extra, KeyTree tree)
    {
        if (extra is null)
        {
            yield break;
        }

        foreach (var (name, value) in extra)
        {
            if (name == "trl" || name.StartsWith("trl.", StringComparison.Ordinal))
            {
                continue;
            }

            if (name == "verl" && value is JsonObject nested)
            {
                foreach (var (key, leaf) in Flatten(nested, "", tree))
                {
                    yield return (key, leaf, "extra.verl." + key, true);
                }
            }
            else if (name.StartsWith("verl.", StringComparison.Ordinal))
            {
                yield return (name["verl.".Length..], value, "extra." + name, true);
            }
            else
            {
                yield return (name, value, "extra." + name, false);
            }
        }
    }

    private static IEnumerable<(string Key, JsonNode? Value)> Flatten(JsonObject o, string prefix, KeyTree tree)
    {
        foreach (var (name, value) in o)
        {
            var path = prefix.Length == 0 ? name : prefix + "." + name;
            if (value is JsonObject child && child.Count > 0 && tree.Find(VerlMappings.Bare(path))?.Type != "map")
            {
                foreach (var inner in Flatten(child, path, tree))
                {
                    yield return inner;
                }
            }
            else
            {
                yield return (path, value);
            }
        }
    }

    /// <summary>The value's type must match the type of the tree's default (null and interpolated defaults take anything).</summary>
    private static void Check(ExportedKey key, KeyTree tree, FrameworkTarget target)
    {
        if (key.Added)
        {
            return;
        }

        var entry = tree.Find(key.Key) ?? throw new UserErrorException($"{key.From} maps to '{key.Key}', which is not a key of verl {target.Release} ({tree.Name})",
            "this is a bug in the verl mapping table; please report it");
        if (key.Value is null || entry.Type == "null" || entry.Default.StartsWith("${", StringComparison.Ordinal))
        {
            return;
        }

        var ok = entry.Type switch
        {
            "bool" => key.Value.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
            "int" or "float" => key.Value.GetValueKind() == JsonValueKind.Number,
            "str" => key.Value.GetValueKind() == JsonValueKind.String || key.Value is JsonArray && StringOrList.Contains(key.Key),
            "list" => key.Value is JsonArray,
            "map" => key.Value is JsonObject,
            _ => true,
        };
        if (!ok)
        {
            throw new UserErrorException(
                $"{key.From} gives {key.Key} the value {HydraValue.Format(key.Value)}, but verl {target.Release} expects a {entry.Type} there (default {entry.Default})",
                $"give {key.From} a {entry.Type} value");
        }
    }
}
