using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Core.Schema;
using TrainingPlatform.Core.Text;
using TrainingPlatform.Core.Validation;
using TrainingPlatform.Core.Yaml;

namespace TrainingPlatform.Core.Frameworks;

/// <summary>What <c>trainplat import verl</c> reads: the file's text, its name as the user gave it, and the new recipe's id.</summary>
/// <param name="File">The path as given (written into the recipe's <c>source:</c> and into warnings).</param>
/// <param name="Id">The new recipe's id; null: from the file name.</param>
public sealed record VerlImportRequest(string Text, string File, string? Id, string WorkingDirectory);

/// <summary>The imported recipe and what the import found on the way.</summary>
/// <param name="Given">The verl keys the file sets (without Hydra's <c>+</c>), with their values, in file order.</param>
/// <param name="Mapped">The verl keys of <see cref="Given"/> that the recipe carries as trainplat keys (an export writes them back).</param>
/// <param name="ExtraVerl">The verl keys kept verbatim under <c>extra.verl</c>.</param>
/// <param name="Model">The catalog model the file's model path names, else null.</param>
/// <param name="ModelSize">The size read from the model's name when the catalog does not know it (e.g. <c>7B</c>), else null.</param>
/// <param name="Findings">The pre-flight findings of rendering the recipe at that model and the file's cluster.</param>
public sealed record VerlImportResult(
    string Id,
    string RecipeText,
    string Algorithm,
    string? Extends,
    VerlVariant Variant,
    string? Model,
    string? ModelSize,
    int GpusPerNode,
    int Nodes,
    IReadOnlyDictionary<string, JsonNode?> Given,
    IReadOnlyList<string> Mapped,
    JsonObject ExtraVerl,
    IReadOnlyList<Diagnostic> Warnings,
    IReadOnlyList<Diagnostic> Findings,
    LaunchFile Launch);

/// <summary>
/// Turns a verl launch file into a trainplat recipe through the verl mapping table read backward
/// (<see cref="VerlMappings"/>): mapped keys become trainplat keys, the rest stays under <c>extra.verl</c> with a warning
/// each. The recipe extends the closest built-in when that makes it shorter, and is checked before it is returned: rendered
/// at the file's model and cluster, every key an export would emit equals the file's value, or verl's default where the
/// file sets none.
/// </summary>
public static partial class VerlImport
{
    private static readonly string[] AlwaysWritten = ["model.path", "trainer.gpus_per_node", "trainer.nodes", "trainer.framework"];

    /// <summary>Reads <paramref name="fullPath"/> (shown as <paramref name="shown"/>) and imports it.</summary>
    public static VerlImportResult ImportFile(string fullPath, string shown, string? id, string workingDirectory)
    {
        if (!File.Exists(fullPath) && !Directory.Exists(fullPath))
        {
            throw new UserErrorException($"{shown}: no such file", "give the path of a verl launch script, a run's .hydra/overrides.yaml or an overrides file");
        }

        var text = SourceFile.Read(fullPath, shown, out var error)
            ?? throw new UserErrorException(error?.Message ?? $"{shown} cannot be read", error?.Hint);
        return Import(new VerlImportRequest(text, shown, id, workingDirectory));
    }

    public static VerlImportResult Import(VerlImportRequest request)
    {
        var launch = LaunchScript.Parse(request.Text, request.File);
        if (launch.Overrides.Count == 0)
        {
            throw new UserErrorException($"{request.File} sets no verl keys",
                "give a verl launch script (python3 -m verl.trainer.main_ppo key=value ...), a run's .hydra/overrides.yaml, or a file with one key=value per line");
        }

        // A default id never shadows a built-in (a script named dapo.sh would hide the built-in dapo recipe).
        var id = request.Id ?? IdFromFile(request.File);
        if (request.Id is null && RecipeRegistry.BuiltInOnly().Exists(id))
        {
            id += "_imported";
        }

        if (!IdPattern().IsMatch(id))
        {
            throw new UserErrorException($"'{id}' is not a recipe id", "an id is lower_snake_case starting with a letter; give one with --id");
        }

        var warnings = new List<Diagnostic>(launch.Warnings);
        var given = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        var lines = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var o in launch.Overrides)
        {
            if (o.Operation == OverrideOperation.Delete)
            {
                warnings.Add(Warn(DiagnosticCodes.ImportUnmappedKey, request.File, o.Line,
                    $"'~{o.Key}' deletes a key of verl's config; a recipe cannot delete one, so it is not imported",
                    "add the deletion to the exported overrides by hand if the run needs it"));
                continue;
            }

            given[o.Key] = o.Value;
            lines[o.Key] = o.Line;
        }

        var variant = Variant(launch, given);
        var tree = variant.Tree;
        var algorithm = Algorithm(given, launch);

        // Values the shell could not expand cannot be typed trainplat values: they stay verbatim.
        var extra = new JsonObject();
        var forMapping = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (key, value) in given)
        {
            if (value is JsonValue v && v.TryGetValue<string>(out var s) && IsPlaceholder(s) && tree.Find(key) is not { Type: "str" })
            {
                extra[key] = value.DeepClone();
                warnings.Add(Warn(DiagnosticCodes.ImportUnmappedKey, request.File, lines[key],
                    $"{key}={s}: the value is not resolved, so it is kept under extra.verl as written", "set it in the recipe once it is known"));
            }
            else
            {
                forMapping[key] = value;
            }
        }

        var mappedKeys = VerlMappings.Table.SelectMany(m => m.Keys(variant)).Select(VerlMappings.Bare).ToHashSet(StringComparer.Ordinal);
        var values = Reverse(forMapping, variant, key => key);
        values["trainer.framework"] = JsonValue.Create("verl");
        values.TryAdd("parallelism.strategy", JsonValue.Create(variant.Megatron ? "megatron" : "fsdp"));
        foreach (var (key, value) in forMapping.Where(p => !mappedKeys.Contains(p.Key)))
        {
            extra[key] = value?.DeepClone();
            warnings.Add(Warn(DiagnosticCodes.ImportUnmappedKey, request.File, lines[key],
                $"{key} has no trainplat key; kept under extra.verl as written", "an export passes it through unchanged"));
        }

        var (model, size) = ModelOf(values.GetValueOrDefault("model.path"), request.WorkingDirectory);
        var gpusPerNode = (int)(Int(values.GetValueOrDefault("trainer.gpus_per_node")) ?? 8);
        var nodes = (int)(Int(values.GetValueOrDefault("trainer.nodes")) ?? 1);
        values["trainer.gpus_per_node"] = JsonValue.Create(gpusPerNode);
        values["trainer.nodes"] = JsonValue.Create(nodes);

        var context = new Context(request, id, algorithm, variant, forMapping, extra, model, size, launch);
        // What even the stand-alone recipe cannot say through the mapping (one trainplat key fanned out to verl keys the
        // file sets apart, a schema default where the file leaves verl's own) is kept under extra.verl, which an export
        // writes over the mapped value: the export then gives the file's value, or verl's default, for every key.
        var standalone = Try(context, null, values);
        foreach (var (key, emitted) in standalone.Mismatches)
        {
            var fileValue = given.TryGetValue(key, out var g) ? g : tree.Find(key) is { } frameworkKey ? DefaultOf(frameworkKey) : null;
            extra[key] = fileValue?.DeepClone();
            warnings.Add(Warn(DiagnosticCodes.ImportValueChanged, request.File, lines.GetValueOrDefault(key),
                $"{key}: the recipe's trainplat keys would export {Show(emitted)}, the file {(given.ContainsKey(key) ? "sets " + Show(fileValue) : "leaves verl's default " + Show(fileValue))}; kept under extra.verl",
                "an export writes the extra.verl value over the mapped one"));
        }

        if (standalone.Mismatches.Count > 0)
        {
            standalone = Try(context, null, values);
        }

        // A base is only taken when it adds no difference of its own and makes the file shorter.
        Candidate? best = null;
        foreach (var @base in Bases(algorithm))
        {
            var candidate = @base is null ? standalone : Try(context, @base, values);
            var valid = candidate.Rendered && candidate.Mismatches.All(m => standalone.Mismatches.TryGetValue(m.Key, out var s) && SameValue(s, m.Value));
            if (best is null || (valid && candidate.Text.Length < best.Text.Length))
            {
                best = candidate;
            }
        }

        foreach (var (key, emitted) in best!.Mismatches)
        {
            warnings.Add(Warn(DiagnosticCodes.ImportValueChanged, request.File, lines.GetValueOrDefault(key),
                $"{key}: an export of the recipe writes {Show(emitted)}, the file {(given.TryGetValue(key, out var g) ? Show(g) : "leaves verl's default")}",
                "check the recipe's value for it, or set it under extra.verl"));
        }

        if (!best.Rendered)
        {
            warnings.Add(Warn(DiagnosticCodes.ImportValueChanged, request.File, 1,
                $"the imported recipe does not render cleanly at {model ?? size} on {gpusPerNode * nodes} GPUs; see the pre-flight findings",
                "fix the values it names in the recipe"));
        }

        var mapped = forMapping.Keys.Where(k => !extra.ContainsKey(k) && !best.Mismatches.ContainsKey(k)).ToArray();
        return new VerlImportResult(id, best.Text, algorithm, best.Base, variant, model, size, gpusPerNode, nodes, given, mapped, extra,
            warnings.Order(Diagnostic.Order).ToArray(), best.Findings, launch);
    }

    /// <summary>
    /// The trainplat config a verl launch file sets, for <c>diff</c>: the file's values read backward through the mapping
    /// table, in schema order, its keys without a trainplat key under <c>extra.verl</c>; and the same for verl's defaults
    /// overlaid with the file's values (what the run gets where the file is silent). Pure: no render, no project.
    /// </summary>
    public static (JsonObject Config, JsonObject WithDefaults, VerlVariant Variant, IReadOnlyList<Diagnostic> Warnings) ReadConfig(string text, string file)
    {
        var launch = LaunchScript.Parse(text, file);
        var given = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var o in launch.Overrides.Where(o => o.Operation != OverrideOperation.Delete))
        {
            given[o.Key] = o.Value;
        }

        var variant = Variant(launch, given);
        var effective = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var key in variant.Tree.Keys)
        {
            effective[key.Path] = DefaultOf(key);
        }

        foreach (var (key, value) in given)
        {
            effective[key] = value;
        }

        var config = Sections(Reverse(given, variant, key => key), variant);
        var withDefaults = Sections(Reverse(effective, variant, key => key), variant);
        var mappedKeys = VerlMappings.Table.SelectMany(m => m.Keys(variant)).Select(VerlMappings.Bare).ToHashSet(StringComparer.Ordinal);
        var extra = new JsonObject();
        foreach (var (key, value) in given.Where(p => !mappedKeys.Contains(p.Key)).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            extra[key] = value?.DeepClone();
        }

        if (extra.Count > 0)
        {
            config["extra"] = new JsonObject { ["verl"] = extra };
        }

        return (config, withDefaults, variant, launch.Warnings);
    }

    private static JsonObject Sections(Dictionary<string, JsonNode?> values, VerlVariant variant)
    {
        values["parallelism.strategy"] = values.GetValueOrDefault("parallelism.strategy") ?? JsonValue.Create(variant.Megatron ? "megatron" : "fsdp");
        values["trainer.framework"] = JsonValue.Create("verl");
        var config = new JsonObject();
        foreach (var section in RecipeSchema.Current.Sections)
        {
            var o = new JsonObject();
            foreach (var key in RecipeSchema.Current.Keys.Where(k => k.Section == section && values.ContainsKey(k.Path)))
            {
                o[key.Name] = values[key.Path]?.DeepClone();
            }

            if (o.Count > 0)
            {
                config[section] = o;
            }
        }

        return config;
    }

    /// <summary>
    /// The trainplat keys of <paramref name="config"/> (sections) whose value verl runs with anyway, without a key of its own
    /// (<c>model.chat_template: tokenizer_default</c>, <c>parallelism.tensor_parallel_size: 1</c> on FSDP, ...).
    /// </summary>
    public static IReadOnlySet<string> Implied(JsonObject config, VerlVariant variant)
    {
        JsonNode? Get(string dotted)
        {
            var dot = dotted.IndexOf('.', StringComparison.Ordinal);
            return dot < 0 ? null : config[dotted[..dot]] is JsonObject section ? section[dotted[(dot + 1)..]] : null;
        }

        var implied = new HashSet<string>(StringComparer.Ordinal);
        foreach (var mapping in VerlMappings.Table.Where(m => m.Trainplat.Count == 1 && Get(m.Trainplat[0]) is not null))
        {
            try
            {
                if (mapping.Forward(Get, variant) is VerlForward.Implied)
                {
                    implied.Add(mapping.Trainplat[0]);
                }
            }
            catch (InvalidOperationException)
            {
                // A value of a type the entry does not read: not implied.
            }
        }

        return implied;
    }

    /// <summary>
    /// Every verl key an export of <paramref name="config"/> writes through the mapping table, with its value (keys without
    /// Hydra's <c>+</c>; <c>extra.verl</c> keys too, which an export passes through).
    /// </summary>
    public static IReadOnlyDictionary<string, JsonNode?> Emitted(JsonObject config, VerlVariant variant)
    {
        JsonNode? Get(string dotted)
        {
            var dot = dotted.IndexOf('.', StringComparison.Ordinal);
            return dot < 0 ? null : config[dotted[..dot]] is JsonObject section ? section[dotted[(dot + 1)..]] : null;
        }

        var result = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var mapping in VerlMappings.Table)
        {
            if (!mapping.Trainplat.Any(k => Get(k) is not null))
            {
                continue;
            }

            if (mapping.Forward(Get, variant) is VerlForward.Emit emit)
            {
                foreach (var (key, value) in emit.Keys)
                {
                    result[VerlMappings.Bare(key)] = value?.DeepClone();
                }
            }
        }

        if (config["extra"] is JsonObject extra)
        {
            foreach (var (key, value) in extra)
            {
                if (key == "verl" && value is JsonObject verl)
                {
                    foreach (var (k, v) in verl)
                    {
                        result[VerlMappings.Bare(k)] = v?.DeepClone();
                    }
                }
                else if (key != "trl" && key.Contains('.', StringComparison.Ordinal))
                {
                    result[key] = value?.DeepClone(); // the built-ins' older flat extra keys are verl keys
                }
            }
        }

        return result;
    }

    /// <summary>Values equal after type normalisation: 5 and 5.0, "True" and true, a string and a list of that one string.</summary>
    public static bool SameValue(JsonNode? a, JsonNode? b)
    {
        if (a is JsonValue sa && sa.TryGetValue<string>(out var ta) && b is not null && !(b is JsonValue sb0 && sb0.TryGetValue<string>(out _)))
        {
            a = HydraValueParser.Parse(ta);
        }

        if (b is JsonValue sb && sb.TryGetValue<string>(out var tb) && a is not null && !(a is JsonValue sa0 && sa0.TryGetValue<string>(out _)))
        {
            b = HydraValueParser.Parse(tb);
        }

        switch (a, b)
        {
            case (null, null):
                return true;
            case (JsonArray x, JsonArray y):
                return x.Count == y.Count && x.Zip(y).All(p => SameValue(p.First, p.Second));
            case (JsonArray { Count: 1 } x, JsonValue):
                return SameValue(x[0], b);
            case (JsonValue, JsonArray { Count: 1 } y):
                return SameValue(a, y[0]);
            case (JsonObject x, JsonObject y):
                return x.Count == y.Count && x.All(p => y.ContainsKey(p.Key) && SameValue(p.Value, y[p.Key]));
            case (JsonValue x, JsonValue y):
                if (Number(x) is { } m && Number(y) is { } n)
                {
                    return m == n || Math.Abs(m - n) <= Math.Max(Math.Abs(m), Math.Abs(n)) * 1e-12;
                }

                if (x.TryGetValue<bool>(out var p1) && y.TryGetValue<bool>(out var p2))
                {
                    return p1 == p2;
                }

                return x.TryGetValue<string>(out var s1) && y.TryGetValue<string>(out var s2) && s1 == s2;
            default:
                return false;
        }
    }

    /// <summary>A key's default in verl's tree as a JSON value (<c>None</c> → null).</summary>
    public static JsonNode? DefaultOf(FrameworkKey key) => key.Default is "None" or "null" or "~"
        ? null
        : key.Type == "str" ? JsonValue.Create(key.Default) : HydraValueParser.Parse(key.Default);

    private sealed record Context(
        VerlImportRequest Request,
        string Id,
        string Algorithm,
        VerlVariant Variant,
        IReadOnlyDictionary<string, JsonNode?> Given,
        JsonObject Extra,
        string? Model,
        string? Size,
        LaunchFile Launch);

    /// <param name="Rendered">The recipe rendered without a pre-flight error.</param>
    private sealed record Candidate(string? Base, string Text, bool Rendered, IReadOnlyDictionary<string, JsonNode?> Mismatches, IReadOnlyList<Diagnostic> Findings);

    /// <summary>
    /// The recipe extending <paramref name="base"/> (null: none), corrected until an export of its render writes the file's
    /// values and verl's defaults elsewhere; not valid when that cannot be reached (a base's scaling rule wins, say).
    /// </summary>
    private static Candidate Try(Context context, RecipeEntry? @base, Dictionary<string, JsonNode?> fromFile)
    {
        var desired = new Dictionary<string, JsonNode?>(fromFile, StringComparer.Ordinal);
        var tree = context.Variant.Tree;
        Candidate? last = null;
        for (var pass = 0; pass < 4; pass++)
        {
            var baseValues = BaseValues(context, @base);
            if (baseValues is null)
            {
                return new Candidate(@base?.Id, "", false, new Dictionary<string, JsonNode?>(), []);
            }

            var config = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
            foreach (var (key, value) in desired)
            {
                if (AlwaysWritten.Contains(key) || !baseValues.TryGetValue(key, out var inherited) || !SameValue(inherited, value))
                {
                    config[key] = value;
                }
            }

            var text = Write(context, @base?.Id, config);
            var resolved = Render(context, text);
            if (resolved is null)
            {
                return new Candidate(@base?.Id, text, false, new Dictionary<string, JsonNode?>(), []);
            }

            var emitted = Emitted(resolved.Config, context.Variant);
            var mismatches = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
            var corrections = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
            foreach (var (key, value) in emitted)
            {
                if (context.Given.TryGetValue(key, out var wanted) || context.Extra.ContainsKey(key))
                {
                    wanted = context.Extra[key] ?? wanted;
                    if (!SameValue(wanted, value))
                    {
                        mismatches[key] = value;
                    }

                    continue;
                }

                if (tree.Find(key) is not { } frameworkKey || SameValue(DefaultOf(frameworkKey), value))
                {
                    continue;
                }

                // The file leaves the key to verl's default, the recipe would export another value: take verl's default.
                var fixes = Reverse(Effective(context, tree), context.Variant, k => k).Where(p => Touches(p.Key, key, context.Variant));
                var fixedAny = false;
                foreach (var (tk, tv) in fixes)
                {
                    if (!fromFile.ContainsKey(tk) && !SameValue(desired.GetValueOrDefault(tk), tv))
                    {
                        corrections[tk] = tv;
                        fixedAny = true;
                    }
                }

                if (!fixedAny)
                {
                    mismatches[key] = value;
                }
            }

            last = new Candidate(@base?.Id, text, !resolved.HasErrors, mismatches, resolved.Findings);
            if (corrections.Count == 0)
            {
                return last;
            }

            foreach (var (key, value) in corrections)
            {
                desired[key] = value;
            }
        }

        return last! with { Rendered = false };
    }

    /// <summary>Whether the mapping entry that writes trainplat key <paramref name="trainplat"/> emits verl key <paramref name="verl"/>.</summary>
    private static bool Touches(string trainplat, string verl, VerlVariant variant) =>
        VerlMappings.Table.Any(m => m.Trainplat.Contains(trainplat) && m.Keys(variant).Select(VerlMappings.Bare).Contains(verl));

    /// <summary>verl's effective config: the file's values over the tree's defaults.</summary>
    private static Dictionary<string, JsonNode?> Effective(Context context, KeyTree tree)
    {
        var effective = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var key in tree.Keys)
        {
            effective[key.Path] = DefaultOf(key);
        }

        foreach (var (key, value) in context.Given)
        {
            effective[key] = value;
        }

        return effective;
    }

    /// <summary>The mapping table read backward: verl values → trainplat values, normalised to the schema's types.</summary>
    private static Dictionary<string, JsonNode?> Reverse(IReadOnlyDictionary<string, JsonNode?> verl, VerlVariant variant, Func<string, string> name)
    {
        var values = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var mapping in VerlMappings.Table)
        {
            foreach (var (key, value) in mapping.Reverse(k => verl.GetValueOrDefault(name(k)), variant))
            {
                values[key] = Normalise(key, value);
            }
        }

        return values;
    }

    /// <summary>What the recipe inherits at the file's model and cluster: the base's render, or the schema's defaults.</summary>
    private static Dictionary<string, JsonNode?>? BaseValues(Context context, RecipeEntry? @base)
    {
        var values = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        if (@base is null)
        {
            foreach (var key in RecipeSchema.Current.Keys.Where(k => k.Default is not null))
            {
                values[key.Path] = key.Default;
            }

            return values;
        }

        var text = Write(context, @base.Id, new Dictionary<string, JsonNode?>());
        if (Render(context, text) is not { } resolved)
        {
            return null;
        }

        foreach (var (section, node) in resolved.Config)
        {
            if (section != "extra" && node is JsonObject o)
            {
                foreach (var (key, value) in o)
                {
                    values[section + "." + key] = value;
                }
            }
        }

        return values;
    }

    private static ResolvedConfig? Render(Context context, string text)
    {
        var doc = RecipeDocument.Parse(text, context.Request.File);
        if (doc.Recipe is null || doc.Tree.HasErrors)
        {
            return null;
        }

        var project = ProjectContext.Discover(context.Request.WorkingDirectory);
        if (RecipeValidator.ValidateRecipe(doc, RecipeRegistry.Load(project)).Any(d => d.IsError))
        {
            return null;
        }

        var request = new RenderRequest(context.Id, context.Model is null ? context.Size : null, context.Model, null, null, null, [], context.Request.WorkingDirectory)
        {
            Pinned = [doc],
        };
        return RecipeResolver.Resolve(request).Config;
    }

    private static IEnumerable<RecipeEntry?> Bases(string algorithm)
    {
        yield return null;
        foreach (var entry in RecipeRegistry.BuiltInOnly().Entries)
        {
            if (entry.Recipe.Algorithm == algorithm && (entry.Recipe.Config["trainer"]?["framework"] as JsonValue)?.ToString() == "verl")
            {
                yield return entry;
            }
        }
    }

    /// <summary>The recipe's text: a comment header, the fields, the config in schema order, then <c>extra.verl</c>.</summary>
    private static string Write(Context context, string? @base, IReadOnlyDictionary<string, JsonNode?> values)
    {
        var variant = context.Variant;
        var file = context.Request.File.Replace('\\', '/');
        var renderHint = context.Model is not null ? $"--model {context.Model}" : $"--model-size {context.Size}";
        var sb = new StringBuilder();
        sb.Append("# ").Append(context.Id).Append(": imported from the verl launch file ").Append(file).Append('\n');
        sb.Append("# (verl ").Append(variant.Release).Append(variant.Megatron ? ", Megatron" : ", FSDP")
            .Append(context.Launch.EntryPoint is { } entry ? ", " + entry : "").Append(") by `trainplat import verl`.\n");
        sb.Append("# Keys verl has no trainplat key for are kept under extra.verl and exported unchanged.\n#\n");
        sb.Append("# Use it:\n#   trainplat render ").Append(context.Id).Append(' ').Append(renderHint).Append('\n');
        sb.Append("#   trainplat export ").Append(context.Id).Append(" --to verl@").Append(variant.Release[..variant.Release.LastIndexOf('.')])
            .Append(' ').Append(renderHint).Append('\n');
        sb.Append("apiVersion: trainplat/v1\n");
        sb.Append("id: ").Append(context.Id).Append('\n');
        sb.Append("version: 1.0.0\n");
        sb.Append("task: rlhf\n");
        sb.Append("algorithm: ").Append(context.Algorithm).Append('\n');
        sb.Append("description: ").Append(YamlText.String($"Imported from the verl launch file {Path.GetFileName(file)}.")).Append('\n');
        sb.Append("source: ").Append(YamlText.String($"{file} (verl {variant.Release} {(context.Launch.Kind == LaunchFileKind.Script ? "launch script" : "overrides")}, imported by trainplat import verl)")).Append('\n');
        if (@base is not null)
        {
            sb.Append("extends: ").Append(@base).Append('\n');
        }

        var config = new JsonObject();
        foreach (var section in RecipeSchema.Current.Sections)
        {
            var o = new JsonObject();
            foreach (var key in RecipeSchema.Current.Keys.Where(k => k.Section == section && values.ContainsKey(k.Path)))
            {
                o[key.Name] = values[key.Path]?.DeepClone();
            }

            if (o.Count > 0)
            {
                config[section] = o;
            }
        }

        if (config.Count == 0)
        {
            sb.Append("config: {}\n");
        }
        else
        {
            sb.Append("config:\n");
            YamlText.WriteMapping(sb, config, 2, "");
        }

        if (context.Extra.Count > 0)
        {
            // A key the release's tree lacks was added with Hydra's +key= in the file, and is exported the same way.
            var written = new JsonObject();
            foreach (var (key, value) in context.Extra)
            {
                written[variant.Tree.Contains(key) ? key : "+" + key] = value?.DeepClone();
            }

            sb.Append("extra:\n  verl:\n");
            YamlText.WriteMapping(sb, written, 4, "");
        }

        return sb.ToString();
    }

    private static VerlVariant Variant(LaunchFile launch, Dictionary<string, JsonNode?> given)
    {
        var megatron = launch.IsMegatron || given.Keys.Any(k => k.Contains(".megatron.", StringComparison.Ordinal));
        var dapo = launch.EntryPoint?.StartsWith("recipe.dapo", StringComparison.Ordinal) == true;
        var critic = (given.GetValueOrDefault("algorithm.adv_estimator") as JsonValue)?.ToString() is null or "gae"
            || given.Keys.Any(k => k.StartsWith("critic.", StringComparison.Ordinal));
        string? release = null;
        var best = -1;
        foreach (var target in FrameworkTarget.Known.Where(t => t.Framework == Framework.Verl))
        {
            var tree = FrameworkCatalog.Verl(target.Release, megatron, dapo && FrameworkCatalog.VerlHasDapoEntryPoint(target.Release));
            var known = given.Keys.Count(tree.Contains);
            if (known >= best)
            {
                (best, release) = (known, target.Release);
            }
        }

        return new VerlVariant(release!, megatron, dapo, critic);
    }

    private static string Algorithm(Dictionary<string, JsonNode?> given, LaunchFile launch)
    {
        if (launch.EntryPoint?.StartsWith("recipe.dapo", StringComparison.Ordinal) == true)
        {
            return "dapo";
        }

        return (given.GetValueOrDefault("algorithm.adv_estimator") as JsonValue)?.ToString() switch
        {
            null or "gae" => "ppo",
            "rloo" => "rloo",
            "reinforce_plus_plus" or "reinforce_plus_plus_baseline" => "reinforce_plus_plus",
            _ => "grpo",
        };
    }

    /// <summary>The catalog model the path names, else the size in its name (<c>deepseek-llm-7b-chat</c> → 7B).</summary>
    private static (string? Model, string? Size) ModelOf(JsonNode? path, string workingDirectory)
    {
        if (path is not JsonValue v || !v.TryGetValue<string>(out var name) || name.Length == 0)
        {
            return (null, "7B");
        }

        var catalog = ModelCatalog.ForProject(ProjectContext.Discover(workingDirectory).Config);
        if (catalog.TryResolve(name, out var spec))
        {
            return (spec.Name, null);
        }

        var match = SizeInName().Match(name[(name.LastIndexOf('/') + 1)..]);
        return (null, match.Success ? match.Groups[1].Value + "B" : "7B");
    }

    private static JsonNode? Normalise(string key, JsonNode? value)
    {
        if (RecipeSchema.Current.Find(key) is not { } schema || value is null)
        {
            return value?.DeepClone();
        }

        var types = schema.Types;
        if (types is ["array"] && value is JsonValue single)
        {
            return new JsonArray(single.DeepClone());
        }

        if (types.Contains("integer") && !types.Contains("number") && Number(value) is { } d && d == Math.Floor(d))
        {
            return JsonValue.Create((long)d);
        }

        if ((types.Contains("number") || types.Contains("integer") || types.Contains("boolean")) && value is JsonValue s && s.TryGetValue<string>(out var text)
            && HydraValueParser.Parse(text) is JsonValue parsed && !parsed.TryGetValue<string>(out _))
        {
            return parsed;
        }

        if (types is ["string"] && value is JsonValue other && !other.TryGetValue<string>(out _))
        {
            return JsonValue.Create(other.ToJsonString());
        }

        return value.DeepClone();
    }

    private static string IdFromFile(string file)
    {
        var name = Path.GetFileNameWithoutExtension(file);
        var folder = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(file)) ?? "");
        if (name == "overrides" && folder == ".hydra")
        {
            name = Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(file)))) ?? name;
        }

        var id = NotIdChars().Replace(name.ToLowerInvariant(), "_").Trim('_');
        id = Underscores().Replace(id, "_");
        return id.Length > 0 && char.IsAsciiLetterLower(id[0]) ? id : "verl_" + id;
    }

    private static bool IsPlaceholder(string s) => s.Contains("$(", StringComparison.Ordinal) || s.Contains('`', StringComparison.Ordinal) || s.Contains('$', StringComparison.Ordinal);

    private static double? Number(JsonNode? node) => Numbers.Of(node);

    private static long? Int(JsonNode? node) => Number(node) is { } d ? (long)d : null;

    private static string Show(JsonNode? node) => node?.ToJsonString() ?? "null";

    private static Diagnostic Warn(string code, string file, int line, string message, string hint) =>
        new(code, Severity.Warning, file, Math.Max(line, 1), 1, "", message, hint);

    [GeneratedRegex("^[a-z][a-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    [GeneratedRegex("[^a-z0-9_]+", RegexOptions.CultureInvariant)]
    private static partial Regex NotIdChars();

    [GeneratedRegex("_+", RegexOptions.CultureInvariant)]
    private static partial Regex Underscores();

    [GeneratedRegex(@"(?<![\d.])(\d+(?:\.\d+)?)[bB](?![a-zA-Z0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex SizeInName();
}
