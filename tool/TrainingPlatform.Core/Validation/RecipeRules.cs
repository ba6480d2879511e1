using System.Globalization;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Core.Schema;
using TrainingPlatform.Core.Text;
using TrainingPlatform.Core.Yaml;

namespace TrainingPlatform.Core.Validation;

/// <summary>The checks a JSON Schema cannot express, each with its own stable code.</summary>
public static partial class RecipeRules
{
    [System.Text.RegularExpressions.GeneratedRegex("^[a-z][a-z0-9_]*$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex IdPattern();

    public static IReadOnlyList<Diagnostic> Check(RecipeDocument doc, IRecipeLookup lookup)
    {
        var tree = doc.Tree;
        var result = new List<Diagnostic>();
        YamlHazards(tree, result);
        if (tree.Root is not JsonObject root || doc.Recipe is not { } recipe)
        {
            return result;
        }

        IdMatchesFileName(doc, recipe, result);
        Tags(tree, root, result);
        Batches(tree, root["config"] as JsonObject, "/config", result);
        Extends(tree, recipe, lookup, result);
        Scaling(tree, root["scaling"] as JsonArray, result);
        return result;
    }

    /// <summary>YAML 1.1 hazards: plain scalars that PyYAML and this tool read differently.</summary>
    public static void YamlHazards(YamlTree tree, List<Diagnostic> result)
    {
        foreach (var s in tree.PlainScalars)
        {
            if (Yaml11.IsFloatReadAsString(s.Text))
            {
                var fix = Yaml11.SafeFloat(s.Text);
                result.Add(new Diagnostic(DiagnosticCodes.Yaml11Float, Severity.Warning, tree.File, s.Position.Line, s.Position.Column, s.Pointer,
                    $"'{s.Text}' is a number here but a string to YAML 1.1 readers such as PyYAML", $"write `{fix}`"));
            }
            else if (Yaml11.IsBooleanWord(s.Text))
            {
                result.Add(new Diagnostic(DiagnosticCodes.Yaml11Bool, Severity.Warning, tree.File, s.Position.Line, s.Position.Column, s.Pointer,
                    $"'{s.Text}' is text here but a boolean to YAML 1.1 readers such as PyYAML",
                    s.Text.ToLowerInvariant() is "yes" or "on" ? "write `true`, or quote it if you mean the text" : "write `false`, or quote it if you mean the text"));
            }
        }
    }

    private static void IdMatchesFileName(RecipeDocument doc, Recipe recipe, List<Diagnostic> result)
    {
        if (doc.FullPath is null)
        {
            return;
        }

        var stem = Path.GetFileNameWithoutExtension(doc.FullPath);
        if (!string.Equals(stem, recipe.Id, StringComparison.Ordinal))
        {
            var pos = doc.Tree.PositionOf("/id");
            var validId = IdPattern().IsMatch(recipe.Id);
            var validStem = IdPattern().IsMatch(stem);
            var hint = (validId, validStem) switch
            {
                (true, true) => $"rename the file to {recipe.Id}{Path.GetExtension(doc.FullPath)} or set `id: {stem}`",
                (true, false) => $"rename the file to {recipe.Id}{Path.GetExtension(doc.FullPath)}",
                (false, true) => $"set `id: {stem}`",
                _ => "ids and file names are lower_snake_case; rename both",
            };
            result.Add(new Diagnostic(DiagnosticCodes.IdMismatch, Severity.Error, doc.Tree.File, pos.Line, pos.Column, "/id",
                $"id '{recipe.Id}' does not match the file name '{Path.GetFileName(doc.FullPath)}'", hint));
        }
    }

    private static void Tags(YamlTree tree, JsonObject root, List<Diagnostic> result)
    {
        if (root["tags"] is not JsonArray tags)
        {
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < tags.Count; i++)
        {
            if (tags[i] is not JsonValue v || !v.TryGetValue<string>(out var tag))
            {
                continue;
            }

            var pointer = "/tags/" + i.ToString(CultureInfo.InvariantCulture);
            var pos = tree.PositionOf(pointer);
            if (!string.Equals(tag, tag.ToLowerInvariant(), StringComparison.Ordinal))
            {
                result.Add(new Diagnostic(DiagnosticCodes.TagNotLowerCase, Severity.Error, tree.File, pos.Line, pos.Column, pointer,
                    $"tag '{tag}' is not lower-case", $"write `{tag.ToLowerInvariant()}`: `--tag` filters match tags exactly"));
            }
            else if (!seen.Add(tag))
            {
                result.Add(new Diagnostic(DiagnosticCodes.DuplicateTag, Severity.Warning, tree.File, pos.Line, pos.Column, pointer,
                    $"tag '{tag}' is listed twice", "remove the second one"));
            }
        }
    }

    /// <summary>Batch-size relations that hold whatever the GPU count.</summary>
    public static void Batches(YamlTree tree, JsonObject? config, string configPointer, List<Diagnostic> result)
    {
        if (config?["batch"] is not JsonObject batch)
        {
            return;
        }

        var global = Integer(batch["global_batch_size"]);
        var mini = Integer(batch["mini_batch_size"]);
        var microPerGpu = Integer(batch["micro_batch_size_per_gpu"]);
        var micro = Integer(batch["micro_batch_size"]);
        var batchPointer = configPointer + "/batch";

        // A value's own position, or its key's when the pair of keys is the problem.
        void Error(string code, string key, bool atKey, string message, string hint)
        {
            var p = batchPointer + "/" + key;
            var pos = atKey ? tree.KeyPositionOf(p) : tree.PositionOf(p);
            result.Add(new Diagnostic(code, Severity.Error, tree.File, pos.Line, pos.Column, p, message, hint));
        }

        // Online RL (verl) counts the micro batch in responses and the batches in prompts: one policy update holds
        // mini (or global) x rollout_n responses, so that is the bound (verl's own LoRA example runs micro 40 with 16 prompts x 5).
        var rolloutN = tree.Root?["algorithm"] is JsonValue algorithm && algorithm.TryGetValue<string>(out var name) && Recipes.OnlineRl.IsAlgorithm(name)
            ? Integer((config["rl"] as JsonObject)?["rollout_n"]) ?? 1
            : 1;
        if (rolloutN > 1 && (mini ?? global) is { } prompts && microPerGpu is { } r && r > prompts * rolloutN)
        {
            Error(DiagnosticCodes.MicroBatchTooLarge, "micro_batch_size_per_gpu", atKey: false,
                $"micro_batch_size_per_gpu {Inv(r)} is larger than the {Inv(prompts * rolloutN)} responses of one policy update ({Inv(prompts)} prompts x rollout_n {Inv(rolloutN)})",
                "the micro batch is what one GPU holds in one pass; it must not exceed the responses of one mini batch");
        }
        else if (rolloutN == 1 && global is { } g && microPerGpu is { } m && m > g)
        {
            Error(DiagnosticCodes.MicroBatchTooLarge, "micro_batch_size_per_gpu", atKey: false,
                $"micro_batch_size_per_gpu {Inv(m)} is larger than global_batch_size {Inv(g)}",
                "the micro batch is what one GPU holds in one pass; it must not exceed the global batch");
        }

        if (global is { } g2 && mini is { } n && n > g2)
        {
            Error(DiagnosticCodes.MiniBatchTooLarge, "mini_batch_size", atKey: false,
                $"mini_batch_size {Inv(n)} is larger than global_batch_size {Inv(g2)}",
                "verl asserts train_batch_size >= ppo_mini_batch_size; lower the mini batch or raise the global batch");
        }

        if (micro is not null && microPerGpu is not null)
        {
            Error(DiagnosticCodes.BothMicroBatches, "micro_batch_size", atKey: true,
                "both micro_batch_size and micro_batch_size_per_gpu are set",
                "set only micro_batch_size_per_gpu (micro_batch_size is the legacy global form)");
        }
    }

    private static void Extends(YamlTree tree, Recipe recipe, IRecipeLookup lookup, List<Diagnostic> result)
    {
        if (recipe.Extends is not { Length: > 0 } target)
        {
            return;
        }

        var pos = tree.PositionOf("/extends");
        if (!lookup.Exists(target))
        {
            var hint = Suggestions.DidYouMean(target, lookup.Ids.Where(id => IdPattern().IsMatch(id)))
                ?? "`trainplat recipe list` shows the recipes you can extend";
            result.Add(new Diagnostic(DiagnosticCodes.UnknownBase, Severity.Error, tree.File, pos.Line, pos.Column, "/extends",
                $"extends '{target}', but no recipe has that id", hint));
            return;
        }

        var chain = new List<string> { recipe.Id };
        var current = target;
        while (current is not null)
        {
            chain.Add(current);
            if (current == recipe.Id)
            {
                result.Add(new Diagnostic(DiagnosticCodes.ExtendsCycle, Severity.Error, tree.File, pos.Line, pos.Column, "/extends",
                    $"extends chain has a cycle: {string.Join(" -> ", chain)}",
                    $"remove `extends` from one of: {string.Join(", ", chain.Distinct(StringComparer.Ordinal))}"));
                return;
            }

            if (chain.Count > 64 || chain.IndexOf(current) != chain.Count - 1)
            {
                return; // a cycle that does not include this recipe is reported on its own members
            }

            current = lookup.Exists(current) ? lookup.ExtendsOf(current) : null;
        }
    }

    private static void Scaling(YamlTree tree, JsonArray? rules, List<Diagnostic> result)
    {
        if (rules is null)
        {
            return;
        }

        for (var i = 0; i < rules.Count; i++)
        {
            if (rules[i] is not JsonObject rule)
            {
                continue;
            }

            var rulePointer = "/scaling/" + i.ToString(CultureInfo.InvariantCulture);
            var name = rule["name"] is JsonValue nv && nv.TryGetValue<string>(out var n) ? n : "#" + (i + 1).ToString(CultureInfo.InvariantCulture);
            if (rule["when"] is JsonObject when)
            {
                Range(tree, when, rulePointer + "/when", name, result);
            }

            if (rule["set"] is JsonObject set)
            {
                ScalingSet(tree, set, rulePointer + "/set", name, result);
            }
        }
    }

    private static void Range(YamlTree tree, JsonObject when, string pointer, string rule, List<Diagnostic> result)
    {
        ModelSize? min = null, max = null;
        foreach (var key in new[] { "min_params", "max_params" })
        {
            if (when[key] is JsonValue v && v.TryGetValue<string>(out var text))
            {
                if (!ModelSize.TryParse(text, out var size))
                {
                    // The schema checks the form; a size of zero passes it but names no model.
                    if (text.Length > 0 && text.TrimEnd('B', 'b', 'M', 'm', 'T', 't').Trim('0', '.').Length == 0)
                    {
                        var p = tree.PositionOf(pointer + "/" + key);
                        result.Add(new Diagnostic(DiagnosticCodes.ScalingBadRange, Severity.Error, tree.File, p.Line, p.Column, pointer + "/" + key,
                            $"scaling rule '{rule}' has {key} '{text}', a size of zero", "sizes are positive, e.g. `7B`, `500M`"));
                    }
                }
                else
                {
                    if (key == "min_params")
                    {
                        min = size;
                    }
                    else
                    {
                        max = size;
                    }
                }
            }
        }

        if (min is not null && max is not null && min >= max)
        {
            var pos = tree.PositionOf(pointer + "/max_params");
            result.Add(new Diagnostic(DiagnosticCodes.ScalingBadRange, Severity.Error, tree.File, pos.Line, pos.Column, pointer + "/max_params",
                $"scaling rule '{rule}' matches no model: min_params {min} is not below max_params {max}",
                "min_params is inclusive and max_params exclusive; make max_params larger"));
        }

        if (Integer(when["min_gpus"]) is { } lo && Integer(when["max_gpus"]) is { } hi && lo > hi)
        {
            var pos = tree.PositionOf(pointer + "/max_gpus");
            result.Add(new Diagnostic(DiagnosticCodes.ScalingBadRange, Severity.Error, tree.File, pos.Line, pos.Column, pointer + "/max_gpus",
                $"scaling rule '{rule}' matches no cluster: min_gpus {Inv(lo)} is above max_gpus {Inv(hi)}", "both bounds are inclusive"));
        }
    }

    private static void ScalingSet(YamlTree tree, JsonObject set, string pointer, string rule, List<Diagnostic> result) =>
        ConfigPathValues(tree, set, pointer, $"scaling rule '{rule}'", result);

    /// <summary>
    /// Checks a mapping of dotted config paths to values (scaling rules' <c>set</c>, the project's
    /// <c>overrides</c>): every key must be a known config path and every value must fit it.
    /// </summary>
    public static void ConfigPathValues(YamlTree tree, JsonObject values, string pointer, string owner, List<Diagnostic> result)
    {
        var schema = RecipeSchema.Current;
        var known = new List<KeyValuePair<string, JsonNode?>>();
        foreach (var (key, value) in values)
        {
            var keyPointer = PointerText.Child(pointer, key);
            if (schema.Find(key) is null)
            {
                var pos = tree.KeyPositionOf(keyPointer);
                var hint = Suggestions.DidYouMean(key, schema.Keys.Select(k => k.Path))
                    ?? "use a dotted config path such as `batch.micro_batch_size_per_gpu`";
                result.Add(new Diagnostic(DiagnosticCodes.ScalingUnknownKey, Severity.Error, tree.File, pos.Line, pos.Column, keyPointer,
                    $"{owner} sets unknown config key '{key}'", hint));
                continue;
            }

            known.Add(new(key, value));
        }

        foreach (var p in schema.CheckValues(known))
        {
            var valuePointer = p.Inner.Aggregate(PointerText.Child(pointer, p.Key), PointerText.Child);
            var pos = tree.PositionOf(valuePointer);
            var value = p.Inner.Aggregate(values[p.Key], (node, token) => node switch
            {
                JsonObject o => o[token],
                JsonArray a when int.TryParse(token, CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
                _ => null,
            });
            var description = schema.NodeFor(p.Path)?["description"]?.GetValue<string>() ?? schema.Find(p.Key)!.Description;
            result.Add(new Diagnostic(DiagnosticCodes.ScalingUnknownKey, Severity.Error, tree.File, pos.Line, pos.Column, valuePointer,
                $"{owner} sets {p.Path} to {SchemaWords.Show(value)}, but it {p.Problem}", "expected: " + description));
        }
    }

    private static long? Integer(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<long>(out var l) ? l : null;

    private static string Inv(long value) => value.ToString(CultureInfo.InvariantCulture);
}
