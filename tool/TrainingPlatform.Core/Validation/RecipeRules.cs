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
        var result = new List<Diagnostic>();
        CheckAlone(doc, result);
        if (doc.Tree.Root is JsonObject && doc.Recipe is { } recipe)
        {
            Extends(doc.Tree.File, doc.Tree.PositionOf("/extends"), recipe, lookup, result);
        }

        return result;
    }

    /// <summary>Every rule that needs only the file itself (all but <see cref="Extends"/>, which needs the other recipes).</summary>
    public static void CheckAlone(RecipeDocument doc, List<Diagnostic> result)
    {
        var tree = doc.Tree;
        YamlHazards(tree, result);
        if (tree.Root is not JsonObject root || doc.Recipe is not { } recipe)
        {
            return;
        }

        IdMatchesFileName(doc, recipe, result);
        SourceOfBuiltIn(doc, tree, recipe, result);
        Tags(tree, root, result);
        Batches(tree, root["config"] as JsonObject, "/config", result);
        OnlineRlRules(tree, recipe, root["config"] as JsonObject, root["scaling"] as JsonArray, result);
        Scaling(tree, root["scaling"] as JsonArray, result);
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

    /// <summary>
    /// The pre-flight checks of online RL that need no model size or GPU count (the same codes as <c>render</c>), on the
    /// values the file itself sets: a recipe that breaks one can never render.
    /// </summary>
    private static void OnlineRlRules(YamlTree tree, Recipe recipe, JsonObject? config, JsonArray? scaling, List<Diagnostic> result)
    {
        if (!Recipes.OnlineRl.IsAlgorithm(recipe.Algorithm) || config is null)
        {
            return;
        }

        var rl = config["rl"] as JsonObject;
        var batch = config["batch"] as JsonObject;
        var parallelism = config["parallelism"] as JsonObject;
        var framework = (config["trainer"] as JsonObject)?["framework"] is JsonValue f && f.TryGetValue<string>(out var fw) ? fw : null;
        var trl = framework == "trl";

        void Error(string code, string pointer, string message, string hint)
        {
            var pos = tree.PositionOf(pointer);
            result.Add(new Diagnostic(code, Severity.Error, tree.File, pos.Line, pos.Column, pointer, message, hint));
        }

        // GRPO-style advantages need a group (TRL grpo_config.py:1116 raises; verl core_algos.py:314-316 drops the baseline).
        var estimator = rl?["advantage_estimator"] is JsonValue e && e.TryGetValue<string>(out var est) ? est : null;
        if (recipe.Algorithm is "grpo" or "dapo" or "rloo" || estimator is "grpo" or "rloo")
        {
            const string hint = "use at least 2 generations per prompt (verl suggests 16-64)";
            if (Integer(rl?["rollout_n"]) is { } n and < 2)
            {
                Error(DiagnosticCodes.GroupTooSmall, "/config/rl/rollout_n",
                    $"rollout_n is {Inv(n)}: {recipe.Algorithm.ToUpperInvariant()} normalises rewards within a group of completions per prompt, and a group of one has no baseline (TRL refuses it)", hint);
            }

            for (var i = 0; i < (scaling?.Count ?? 0); i++)
            {
                if (scaling![i] is JsonObject rule && rule["set"] is JsonObject set && Integer(set["rl.rollout_n"]) is { } sn and < 2)
                {
                    Error(DiagnosticCodes.GroupTooSmall, PointerText.Child("/scaling/" + Inv(i) + "/set", "rl.rollout_n"),
                        $"scaling rule sets rollout_n {Inv(sn)}: {recipe.Algorithm.ToUpperInvariant()} needs a group of at least 2 completions per prompt", hint);
                }
            }
        }

        // verl workers/reward_manager/dapo.py:49: max_resp_len >= overlong_buffer.len.
        if (Integer(rl?["overlong_buffer_length"]) is { } buffer && Integer((config["data"] as JsonObject)?["max_response_length"]) is { } response && buffer > response)
        {
            Error(DiagnosticCodes.OverlongBufferTooLong, "/config/rl/overlong_buffer_length",
                $"overlong_buffer_length {Inv(buffer)} is longer than max_response_length {Inv(response)}",
                $"the soft-penalty zone lies inside the response: use at most {Inv(response)} tokens");
        }

        var sp = Integer(parallelism?["sequence_parallel_size"]) ?? 1;
        var cp = Integer(parallelism?["context_parallel_size"]) ?? 1;
        if (trl)
        {
            // TRL 1.9.0 grpo_config.py:1047-1055.
            if (recipe.Algorithm is "grpo" or "dapo" && (sp > 1 || cp > 1))
            {
                var key = cp > 1 ? "context_parallel_size" : "sequence_parallel_size";
                Error(DiagnosticCodes.TrlSequenceParallel, "/config/parallelism/" + key,
                    $"TRL's GRPOTrainer does not support sequence-dim parallelism ({key} {Inv(cp > 1 ? cp : sp)})",
                    "set it to 1 for TRL, or use trainer.framework: verl, which supports Ulysses sequence parallelism");
            }

            // TRL counts the generation batch in completions (grpo_config.py:1110).
            if (Integer(batch?["generation_batch_size"]) is { } g && Integer(rl?["rollout_n"]) is { } groups and > 0 && g % groups != 0)
            {
                Error(DiagnosticCodes.GenerationBatchVsGroup, "/config/batch/generation_batch_size",
                    $"generation_batch_size {Inv(g)} completions is not divisible by rollout_n (num_generations) {Inv(groups)}",
                    "TRL GRPOConfig requires whole prompt groups in a generation batch; leave it out to generate global × rollout_n");
            }
        }
        else if (sp > 1 && !(parallelism?["strategy"] is JsonValue sv && sv.TryGetValue<string>(out var strategy) && strategy == "megatron"))
        {
            // verl/workers/config/actor.py:304-307. Absent means verl's default false, unless a base recipe may set it.
            var padding = (config["model"] as JsonObject)?["use_remove_padding"];
            var off = padding is JsonValue pv && pv.TryGetValue<bool>(out var on) ? !on : padding is null && recipe.Extends is null;
            if (off)
            {
                Error(DiagnosticCodes.SequenceParallelNeedsRemovePadding, "/config/parallelism/sequence_parallel_size",
                    $"sequence_parallel_size {Inv(sp)} needs model.use_remove_padding: true (verl refuses Ulysses sequence parallelism on padded batches)",
                    "set model.use_remove_padding: true");
            }
        }
    }

    /// <summary><c>source:</c> is optional for project recipes; a built-in must say where its values come from.</summary>
    private static void SourceOfBuiltIn(RecipeDocument doc, YamlTree tree, Recipe recipe, List<Diagnostic> result)
    {
        if (doc.Origin == RecipeOrigin.BuiltIn && string.IsNullOrWhiteSpace(recipe.Source))
        {
            var pos = tree.PositionOf("/id");
            result.Add(new Diagnostic(DiagnosticCodes.BuiltInWithoutSource, Severity.Error, tree.File, pos.Line, pos.Column, "/source",
                $"built-in recipe {recipe.Id} has no `source:`", "say where its values come from: the public config files and the commit they were read at"));
        }
    }

    /// <summary>The base a recipe extends exists and the chain has no cycle; <paramref name="pos"/> is where `extends:` is written.</summary>
    public static void Extends(string file, SourcePosition pos, Recipe recipe, IRecipeLookup lookup, List<Diagnostic> result)
    {
        if (recipe.Extends is not { Length: > 0 } target)
        {
            return;
        }

        if (!lookup.Exists(target))
        {
            var hint = Suggestions.DidYouMean(target, lookup.Ids.Where(id => IdPattern().IsMatch(id)))
                ?? "`trainplat recipe list` shows the recipes you can extend";
            result.Add(new Diagnostic(DiagnosticCodes.UnknownBase, Severity.Error, file, pos.Line, pos.Column, "/extends",
                $"extends '{target}', but no recipe has that id", hint));
            return;
        }

        if (recipe.ExtendsVersion is { } pin && SemanticVersion.TryParse(pin, out _) && lookup.VersionOf(target) is { } baseVersion && pin != baseVersion &&
            !lookup.IsRecorded(target, pin))
        {
            result.Add(new Diagnostic(DiagnosticCodes.ExtendsPinMismatch, Severity.Error, file, pos.Line, pos.Column, "/extends",
                $"extends {target}@{pin}, but {target} is at version {baseVersion}",
                $"pin the version there is (`extends: {target}@{baseVersion}`), or leave the version out (`extends: {target}`); to extend {target}@{pin}, record it in the project's lineage store first (`trainplat job import` a job export that used it, or `trainplat job create` with that version)"));
            return;
        }

        var chain = new List<string> { recipe.Id };
        var current = target;
        while (current is not null)
        {
            chain.Add(current);
            if (current == recipe.Id)
            {
                result.Add(new Diagnostic(DiagnosticCodes.ExtendsCycle, Severity.Error, file, pos.Line, pos.Column, "/extends",
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

    /// <summary>
    /// A rule's <c>set</c>: config paths as everywhere else, plus <c>extra.KEY</c> (any value; <c>null</c> removes the
    /// pass-through key). A bare <c>extra</c> or an <c>extra.</c> without a key name is an error.
    /// </summary>
    private static void ScalingSet(YamlTree tree, JsonObject set, string pointer, string rule, List<Diagnostic> result)
    {
        var config = new JsonObject();
        foreach (var (key, value) in set)
        {
            if (key == "extra" || key.StartsWith(RecipeResolver.ExtraPrefix, StringComparison.Ordinal))
            {
                var name = key == "extra" ? "" : key[RecipeResolver.ExtraPrefix.Length..];
                if (name.Length == 0 || name.StartsWith('.') || name.EndsWith('.') || name.Contains("..", StringComparison.Ordinal))
                {
                    var keyPointer = PointerText.Child(pointer, key);
                    var pos = tree.KeyPositionOf(keyPointer);
                    result.Add(new Diagnostic(DiagnosticCodes.ScalingUnknownKey, Severity.Error, tree.File, pos.Line, pos.Column, keyPointer,
                        $"scaling rule '{rule}' sets '{key}', which names no pass-through key",
                        "write one key per entry, e.g. `extra.data.gen_batch_size: 512`, or `extra.data.gen_batch_size: null` to remove it"));
                }

                continue;
            }

            config[key] = value?.DeepClone();
        }

        ConfigPathValues(tree, config, pointer, $"scaling rule '{rule}'", result);
    }

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
