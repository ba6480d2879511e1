using System.Globalization;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Schema;
using TrainingPlatform.Core.Text;
using TrainingPlatform.Core.Validation;
using TrainingPlatform.Core.Yaml;

namespace TrainingPlatform.Core.Resolution;

/// <summary>
/// Resolves a recipe against a model size and a cluster, in this order, recording every value's
/// origin: schema defaults → the extends chain (base first; maps merge, lists are replaced) → the
/// recipe's config → matching scaling rules (base recipes' first, each in file order) → project
/// overrides → <c>--gpus</c>/<c>--nodes</c> → <c>--set</c> → derived values. Then the pre-flight checks.
/// </summary>
public static class RecipeResolver
{
    public const double DefaultGpuMemoryGb = 80;

    /// <summary>A scaling rule's <c>set</c> key with this prefix sets (or, with null, removes) a pass-through key of <c>extra</c>.</summary>
    public const string ExtraPrefix = "extra.";

    public static RenderResult Resolve(RenderRequest request)
    {
        var project = ProjectContext.Discover(request.WorkingDirectory);
        return Resolve(request, project) with { Project = project };
    }

    private static RenderResult Resolve(RenderRequest request, ProjectContext project)
    {
        var registry = RecipeRegistry.Load(project);

        // 1. The recipe and its extends chain, each valid.
        var pinned = request.Pinned.Where(d => d.Recipe is not null).ToDictionary(d => d.Recipe!.Id, StringComparer.Ordinal);
        var target = pinned.TryGetValue(request.Recipe, out var pinnedTarget) ? new Found(pinnedTarget, null, null) : FindRecipe(request.Recipe, project, registry);
        if (target.Error is not null)
        {
            return RenderResult.Fail(target.Error, target.Hint);
        }

        var doc = target.Document!;
        var chain = new List<RecipeDocument> { doc };
        var seen = new HashSet<string>(StringComparer.Ordinal) { doc.Recipe?.Id ?? "" };
        var recorded = new HashSet<string>(StringComparer.Ordinal);
        for (var (current, pin) = (doc.Recipe?.Extends, doc.Recipe?.ExtendsVersion); current is not null;)
        {
            var found = pinned.TryGetValue(current, out var pinnedBase) ? pinnedBase : registry.Find(current)?.Document;

            // `extends: ID@VERSION` of a version that is not ID's current one: its recorded text, when the store has it.
            if (found?.Recipe is { } present && !pinned.ContainsKey(current) && pin is not null && pin != present.Version &&
                SemanticVersion.TryParse(pin, out _) && request.Recorded?.Find(current, pin) is { Recipe: not null } old)
            {
                found = old;
                recorded.Add(current);
            }

            if (found is null && registry.Unusable(current) is not null)
            {
                var (message, hint) = registry.NotFound(current);
                return RenderResult.Fail($"{chain[0].Recipe?.Id} extends {message}", hint);
            }

            if (found?.Recipe is null || !seen.Add(current))
            {
                break; // validation below reports the unknown base or the cycle
            }

            chain.Insert(0, found);
            (current, pin) = (found.Recipe.Extends, found.Recipe.ExtendsVersion);
        }

        // Built-ins are validated by the test suite against the schema they ship with; checking them
        // again would only cost start-up time.
        // Pinned and recorded versions were valid when they were recorded.
        var lookup = new RecordedRecipeLookup(registry, request.Recorded);
        foreach (var d in chain.Where(d => d.Origin != RecipeOrigin.BuiltIn && !pinned.ContainsKey(d.Recipe?.Id ?? "") && !recorded.Contains(d.Recipe?.Id ?? "")))
        {
            var errors = RecipeValidator.ValidateRecipe(d, lookup).Where(x => x.IsError).ToArray();
            if (errors.Length > 0)
            {
                return RenderResult.Fail($"{d.DisplayPath} is not a valid recipe", "run `trainplat validate` and fix the errors first", errors);
            }
        }

        // 2. The model.
        var catalog = ModelCatalog.BuiltIn.WithProjectModels(project.Config.Models);
        ModelSpec? model = null;
        double parameters;
        string sizeText;
        if (ModelChoice.IsConflict(request.ModelSize, request.Model))
        {
            return RenderResult.Fail(ModelChoice.BothGiven, ModelChoice.BothGivenHint);
        }

        if (request.Model is not null)
        {
            if (!catalog.TryResolve(request.Model, out var spec))
            {
                var near = catalog.Nearest(request.Model);
                return RenderResult.Fail($"unknown model '{request.Model}'",
                    (near.Count > 0 ? "nearest in the catalog: " + string.Join(", ", near) + "; " : "") +
                    "or give the size with --model-size (e.g. 7B), or add the model to `models:` in trainplat.yaml");
            }

            model = spec;
            parameters = spec.Parameters;
            sizeText = spec.Name;
        }
        else if (request.ModelSize is not null)
        {
            if (!ModelSize.TryParse(request.ModelSize, out var size))
            {
                return RenderResult.Fail($"'{request.ModelSize}' is not a model size", "write it like 7B, 1.5b, 500M, 70B or 8x7B");
            }

            parameters = size.Parameters;
            sizeText = size.Text;
        }
        else
        {
            return RenderResult.Fail("render needs the model: --model-size S (e.g. 7B) or --model NAME (e.g. Qwen/Qwen2.5-7B-Instruct)");
        }

        // 3. The values, step by step.
        var values = new ConfigValues();
        foreach (var key in RecipeSchema.Current.Keys.Where(k => k.Default is not null))
        {
            values.Set(key.Path, key.Default, new ValueOrigin(OriginKind.Default, "schema default"));
        }

        var recipe = doc.Recipe!;
        foreach (var d in chain)
        {
            var origin = d == doc ? new ValueOrigin(OriginKind.Recipe, "recipe") : new ValueOrigin(OriginKind.Extends, "extends " + d.Recipe!.Id);
            values.MergeConfig(d.Recipe!.Config, origin);
            values.MergeExtra(d.Recipe.Extra, origin);
        }

        if (request.Nodes is { } requestedNodes)
        {
            values.Set("trainer.nodes", requestedNodes, new ValueOrigin(OriginKind.Cluster, "--nodes"));
        }

        // A rule's GPU bounds see --gpus when given, else the count as the rules so far have left it.
        int SelectionGpus() => request.Gpus ?? (int)(values.Int("trainer.gpus_per_node") ?? 8) * (int)(values.Int("trainer.nodes") ?? 1);
        var applied = new List<string>();
        foreach (var d in chain)
        {
            var rules = d.Recipe!.Scaling;
            for (var i = 0; i < rules.Count; i++)
            {
                if (rules[i] is not JsonObject rule || !Matches(rule["when"] as JsonObject, parameters, SelectionGpus()))
                {
                    continue;
                }

                var name = rule["name"]?.GetValue<string>() ?? "";
                var text = $"scaling rule {(i + 1).ToString(CultureInfo.InvariantCulture)} ({name})" + (d == doc ? "" : " of " + d.Recipe.Id);
                applied.Add(text);
                foreach (var (path, value) in (JsonObject)rule["set"]!)
                {
                    if (path.StartsWith(ExtraPrefix, StringComparison.Ordinal))
                    {
                        values.SetExtra(path[ExtraPrefix.Length..], value, new ValueOrigin(OriginKind.Scaling, text));
                    }
                    else
                    {
                        values.Set(path, value, new ValueOrigin(OriginKind.Scaling, text));
                    }
                }
            }
        }

        foreach (var (path, value) in project.Config.Overrides)
        {
            if (RecipeSchema.Current.Find(path) is null)
            {
                return RenderResult.Fail($"trainplat.yaml overrides unknown config key '{path}'",
                    Suggestions.DidYouMean(path, RecipeSchema.Current.Keys.Select(k => k.Path)) ?? "run `trainplat validate` for details");
            }
        }

        if (project.Config.Overrides.Count > 0)
        {
            var problems = RecipeSchema.Current.CheckValues(project.Config.Overrides.Select(p => new KeyValuePair<string, JsonNode?>(p.Key, p.Value)));
            if (problems.Count > 0)
            {
                var problem = problems[0];
                return RenderResult.Fail($"trainplat.yaml overrides {problem.Key}, but {(problem.Path == problem.Key ? "it" : problem.Path)} {problem.Problem}",
                    "run `trainplat validate` for details");
            }

            foreach (var (path, value) in project.Config.Overrides)
            {
                values.Set(path, value, new ValueOrigin(OriginKind.Project, "trainplat.yaml overrides"));
            }
        }

        if (request.Gpus is { } gpus)
        {
            var layout = ClusterLayout.Spread(gpus, request.Nodes, request.GpusPerNode,
                (int)(values.Int("trainer.gpus_per_node") ?? 8), (int)(values.Int("trainer.nodes") ?? 1));
            if (layout.Error is { } error)
            {
                return RenderResult.Fail(error, layout.Hint);
            }

            values.Set("trainer.gpus_per_node", layout.GpusPerNode, new ValueOrigin(OriginKind.Cluster, "--gpus"));
            values.Set("trainer.nodes", layout.Nodes, new ValueOrigin(OriginKind.Cluster, "--gpus"));
        }
        else if (request.GpusPerNode is { } perNodeGiven)
        {
            values.Set("trainer.gpus_per_node", perNodeGiven, new ValueOrigin(OriginKind.Cluster, "--gpus-per-node"));
        }

        var sets = ApplySets(values, request.Sets);
        if (sets is not null)
        {
            return sets;
        }

        // The model to load: --model names a catalog entry, and a catalog name is the model's hub id.
        if (model is not null && !values.Has("model.path"))
        {
            values.Set("model.path", JsonValue.Create(model.Name), new ValueOrigin(OriginKind.Derived, "derived: hub id of --model " + model.Name));
        }

        // Sections only some recipes use get their schema defaults only when the recipe uses them.
        values.DropDefaultOnlySections(["lora", "preference", "rl"]);

        // The rollout engine's memory share defaults per framework (verl 0.5, TRL 0.3): no one schema default fits.
        if (OnlineRl.Is(recipe) && !values.Has("rl.gpu_memory_utilization") &&
            FrameworkDefaults.GpuMemoryUtilization(values.Text("trainer.framework")) is { } utilization)
        {
            values.Set("rl.gpu_memory_utilization", JsonValue.Create(utilization.Value), new ValueOrigin(OriginKind.Default, utilization.Source));
        }

        // 4. Derived values and pre-flight checks.
        var findings = new List<Diagnostic>();
        Derive(values, recipe, findings);
        var gpuMemory = request.GpuMemoryGb ?? DefaultGpuMemoryGb;
        var memory = Preflight.Check(values, recipe, model, parameters, gpuMemory, findings);

        return new RenderResult(new ResolvedConfig
        {
            Document = doc,
            Recipe = recipe,
            Chain = chain.Select(d => d.Recipe!).ToArray(),
            ChainDocuments = chain,
            RecipeHash = CanonicalJson.Sha256(doc.Tree.Root),
            Model = model,
            Parameters = parameters,
            SizeText = sizeText,
            Gpus = (int)values.Int("trainer.total_gpus")!,
            GpusPerNode = (int)values.Int("trainer.gpus_per_node")!,
            Nodes = (int)values.Int("trainer.nodes")!,
            GpuMemoryGb = gpuMemory,
            Config = values.ToJson(),
            Origins = values.Origins,
            RemovedExtra = values.Removed,
            AppliedRules = applied,
            Findings = findings.OrderBy(f => f.IsError ? 0 : 1).ThenBy(f => f.Code, StringComparer.Ordinal).ThenBy(f => f.Pointer, StringComparer.Ordinal).ToArray(),
            Memory = memory,
        }, null, null, []);
    }

    /// <summary>Parses <c>key.path=value</c>, typed by the schema. Returns a failure, or null when all applied.</summary>
    private static RenderResult? ApplySets(ConfigValues values, IReadOnlyList<string> sets)
    {
        var schema = RecipeSchema.Current;
        foreach (var assignment in sets)
        {
            var eq = assignment.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                return RenderResult.Fail($"--set '{assignment}' is not of the form key.path=value", "e.g. --set optimizer.learning_rate=1.0e-6");
            }

            var path = assignment[..eq].Trim();
            if (path.StartsWith("config.", StringComparison.Ordinal))
            {
                path = path["config.".Length..];
            }

            var raw = assignment[(eq + 1)..].Trim();
            var key = schema.Find(path);

            // One member of an object-valued key (rl.kl_ctrl.target_kl=0.1): merged into the key's current value.
            if (key is null && schema.Member(path) is { } member)
            {
                var known = SchemaDocument.PropertyNames(member.Key.Node);
                if (!known.Contains(member.Name, StringComparer.Ordinal))
                {
                    return RenderResult.Fail($"--set: {member.Key.Path} has no key '{member.Name}'",
                        (Suggestions.DidYouMean(member.Name, known) ?? "its keys are " + string.Join(", ", known)) + " (--set never adds keys)");
                }

                var memberNode = schema.NodeFor(path)!;
                var merged = values.Get(member.Key.Path)?.DeepClone() as JsonObject ?? [];
                merged[member.Name] = Coerce(TypesOf(memberNode), raw);
                var memberProblems = schema.CheckValues([new(member.Key.Path, merged)]);
                if (memberProblems.Count > 0)
                {
                    var p = memberProblems[0];
                    return RenderResult.Fail($"--set {path}={raw}: {p.Path} {p.Problem}",
                        p.Problem.StartsWith("needs ", StringComparison.Ordinal)
                            ? $"{member.Key.Path} is not set for this recipe: set the whole value, e.g. --set '{member.Key.Path}={Example(member.Key)}'"
                            : "expected: " + (memberNode["description"]?.GetValue<string>() ?? member.Key.Description));
                }

                values.SetMember(member.Key.Path, member.Name, merged[member.Name], new ValueOrigin(OriginKind.Set, "--set"));
                continue;
            }

            if (key is null)
            {
                return RenderResult.Fail($"--set: unknown config key '{path}'",
                    (Suggestions.DidYouMean(path, schema.Keys.Select(k => k.Path)) ?? "keys are section.name, e.g. optimizer.learning_rate") +
                    " (--set never adds keys)");
            }

            var value = Coerce(key, raw);
            var problems = schema.CheckValues([new(path, value)]);
            if (problems.Count > 0)
            {
                var p = problems[0];
                return RenderResult.Fail($"--set {path}={raw}: {p.Path} {p.Problem}",
                    "expected: " + (schema.NodeFor(p.Path)?["description"]?.GetValue<string>() ?? key.Description));
            }

            values.Set(path, value, new ValueOrigin(OriginKind.Set, "--set"));
        }

        return null;
    }

    /// <summary>A flow mapping of an object-valued key's required members, for hints: <c>{type: fixed}</c>.</summary>
    private static string Example(SchemaKey key)
    {
        var required = key.Node["required"] is JsonArray r ? r.Select(x => x!.GetValue<string>()).ToArray() : [];
        return "{" + string.Join(", ", required.Select(name => name + ": " +
            (key.Node["properties"]?[name]?["enum"] is JsonArray e ? e[0]?.ToString() : "..."))) + "}";
    }

    private static string[] TypesOf(JsonObject node) => node["type"] switch
    {
        JsonArray a => a.Select(t => t!.GetValue<string>()).ToArray(),
        JsonValue v => [v.GetValue<string>()],
        _ => [],
    };

    internal static JsonNode? Coerce(SchemaKey key, string raw) => Coerce(key.Types, raw);

    /// <summary>Types a command-line value by the key's schema type; the schema check reports what does not fit.</summary>
    private static JsonNode? Coerce(IReadOnlyList<string> types, string raw)
    {
        if (types.Contains("null") && raw is "null" or "none" or "~")
        {
            return null;
        }

        if ((types.Contains("array") && raw.StartsWith('[')) || (types.Contains("object") && raw.StartsWith('{')))
        {
            var tree = YamlTreeReader.Parse("v: " + raw, "--set");
            return tree.Root?["v"]?.DeepClone() ?? JsonValue.Create(raw);
        }

        if (types.Contains("string") && !types.Contains("number"))
        {
            return JsonValue.Create(raw);
        }

        if (types.Contains("boolean"))
        {
            return raw.ToLowerInvariant() switch
            {
                "true" => JsonValue.Create(true),
                "false" => JsonValue.Create(false),
                _ => JsonValue.Create(raw),
            };
        }

        if (types.Contains("integer") && long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return JsonValue.Create(l);
        }

        if (types.Contains("number") && double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
        {
            return JsonValue.Create(d);
        }

        return JsonValue.Create(raw);
    }

    private static bool Matches(JsonObject? when, double parameters, int gpus)
    {
        if (when is null)
        {
            return true;
        }

        if (when["min_params"]?.GetValue<string>() is { } min && ModelSize.TryParse(min, out var lo) && parameters < lo.Parameters)
        {
            return false;
        }

        if (when["max_params"]?.GetValue<string>() is { } max && ModelSize.TryParse(max, out var hi) && parameters >= hi.Parameters)
        {
            return false;
        }

        if (when["min_gpus"] is JsonValue ming && ming.TryGetValue<long>(out var minGpus) && gpus < minGpus)
        {
            return false;
        }

        return !(when["max_gpus"] is JsonValue maxg && maxg.TryGetValue<long>(out var maxGpus) && gpus > maxGpus);
    }

    /// <summary>Values that follow from the others: GPU totals, data-parallel size, gradient accumulation.</summary>
    private static void Derive(ConfigValues values, Recipe recipe, List<Diagnostic> findings)
    {
        var perNode = values.Int("trainer.gpus_per_node") ?? 8;
        var nodes = values.Int("trainer.nodes") ?? 1;
        var total = perNode * nodes;
        values.Set("trainer.total_gpus", total, new ValueOrigin(OriginKind.Derived, "derived: gpus_per_node × nodes"));

        var model = (values.Int("parallelism.tensor_parallel_size") ?? 1) * (values.Int("parallelism.pipeline_parallel_size") ?? 1) *
                    (values.Int("parallelism.context_parallel_size") ?? 1);
        if (model <= 0 || total % model != 0)
        {
            return; // pre-flight reports it (TP0300)
        }

        var dp = total / model;
        values.Set("parallelism.data_parallel_size", dp, new ValueOrigin(OriginKind.Derived, "derived: total_gpus / (tp × pp × cp)"));

        if (OnlineRl.Is(recipe) || values.Bool("batch.dynamic_batch_size"))
        {
            return;
        }

        var micro = values.Int("batch.micro_batch_size_per_gpu");
        var global = values.Int("batch.global_batch_size");
        var accumulation = values.Int("batch.gradient_accumulation_steps");
        if (micro is null)
        {
            return;
        }

        if (global is null && accumulation is not null)
        {
            values.Set("batch.global_batch_size", micro.Value * dp * accumulation.Value, new ValueOrigin(OriginKind.Derived, "derived: micro × dp × gradient_accumulation_steps"));
            return;
        }

        if (global is null || global.Value % (micro.Value * dp) != 0 || global.Value < micro.Value * dp)
        {
            return; // pre-flight reports it (TP0309)
        }

        var derived = global.Value / (micro.Value * dp);
        if (accumulation is not null && accumulation.Value != derived && values.Origin("batch.gradient_accumulation_steps")?.Kind != OriginKind.Set)
        {
            findings.Add(Preflight.Finding(DiagnosticCodes.AccumulationReplaced, Severity.Warning, "batch.gradient_accumulation_steps",
                $"gradient_accumulation_steps {accumulation} ({values.Origin("batch.gradient_accumulation_steps")!.Text}) is replaced by {derived} = global {global} / (micro {micro} × dp {dp})",
                "leave gradient_accumulation_steps out of the recipe: render derives it for each GPU count"));
        }

        values.Set("batch.gradient_accumulation_steps", derived, new ValueOrigin(OriginKind.Derived, "derived: global / (micro × dp)"));
    }

    private sealed record Found(RecipeDocument? Document, string? Error, string? Hint);

    private static Found FindRecipe(string reference, ProjectContext project, RecipeRegistry registry)
    {
        var looksLikePath = reference.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) ||
                            reference.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) ||
                            reference.Contains('/', StringComparison.Ordinal) || reference.Contains('\\', StringComparison.Ordinal);
        if (looksLikePath)
        {
            var full = Path.GetFullPath(Path.Combine(project.WorkingDirectory, reference));
            var doc = RecipeDocument.Load(full, project.Display(full));
            if (doc.Tree.Diagnostics.FirstOrDefault(d => d.Code == DiagnosticCodes.Unreadable) is { } unreadable)
            {
                return new Found(null, unreadable.Message, unreadable.Hint);
            }

            return doc.Recipe is null && !doc.Tree.HasErrors
                ? new Found(null, $"{doc.DisplayPath} holds no recipe id", "run `trainplat validate` on it")
                : new Found(doc, null, null);
        }

        if (registry.Find(reference) is { } entry)
        {
            return new Found(entry.Document, null, null);
        }

        var (message, hint) = registry.NotFound(reference);
        return new Found(null, message, hint);
    }

}
