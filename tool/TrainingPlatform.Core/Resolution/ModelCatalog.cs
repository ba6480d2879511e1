using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Schema;
using TrainingPlatform.Core.Text;
using TrainingPlatform.Core.Yaml;

namespace TrainingPlatform.Core.Resolution;

/// <summary>
/// One model's size and shape, as its config.json gives them. Architecture numbers a project model
/// leaves out are 0; estimates then fall back to formulas over the parameter count alone.
/// </summary>
/// <param name="Parameters">Total parameters (every expert counted for a mixture of experts).</param>
/// <param name="ActiveParameters">Parameters used per token; mixture-of-experts models only.</param>
/// <param name="HeadDim">Attention head width; not always <c>HiddenSize / Heads</c> (Qwen3, Gemma 2).</param>
/// <param name="Attention"><c>gqa</c>, <c>mha</c> or <c>mla</c> (multi-head latent attention, DeepSeek-V3).</param>
/// <param name="MoeIntermediateSize">Width of one expert's MLP.</param>
/// <param name="Source">Keys of the sources the values come from (see catalog/models.yaml), or <c>project</c>.</param>
public sealed record ModelSpec(
    string Name,
    IReadOnlyList<string> Aliases,
    string Family,
    double Parameters,
    double? ActiveParameters,
    int Layers,
    int HiddenSize,
    int IntermediateSize,
    int Heads,
    int KvHeads,
    int HeadDim,
    int VocabSize,
    int MaxPositionEmbeddings,
    bool TieEmbeddings,
    string Attention,
    int? Experts,
    int? ExpertsPerToken,
    int? MoeIntermediateSize,
    int? KvLoraRank,
    int? QkRopeHeadDim,
    string Source)
{
    /// <summary>Where <see cref="Parameters"/> comes from: <c>stated</c> (published), <c>calc</c> (summed from the config) or <c>project</c>.</summary>
    public string ParametersSource { get; init; } = "stated";

    /// <summary><c>base</c> (pre-trained) or <c>instruct</c> (any post-trained checkpoint: instruct, chat, reasoning); empty for a project model.</summary>
    public string Kind { get; init; } = "";

    /// <summary>The catalog fields no fetched source stated (catalog/models.yaml <c>unverified:</c>).</summary>
    public IReadOnlyList<string> Unverified { get; init; } = [];

    /// <summary>True for a model from a project's <c>models:</c> list.</summary>
    public bool IsProject => Source == "project";

    public bool IsMoe => Experts > 1 || ActiveParameters is not null;

    public bool IsMla => Attention == "mla";

    public double ParametersBillions => Parameters / 1e9;

    /// <summary>Parameters of the input embedding matrix (vocabulary × hidden); 0 when either is unknown.</summary>
    public long EmbeddingParameters => (long)VocabSize * HiddenSize;

    /// <summary>
    /// KV-cache bytes one token takes across all layers: 2·L·kv_heads·head_dim·bytes (vLLM's
    /// AttentionSpec). MLA caches one compressed latent per layer instead, L·(kv_lora_rank +
    /// qk_rope_head_dim)·bytes, with no factor 2 (vLLM MLAAttentionSpec). 0 when the shape is unknown.
    /// </summary>
    public long KvCacheBytesPerToken(int dtypeBytes = 2)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dtypeBytes);
        if (IsMla && KvLoraRank is int rank && QkRopeHeadDim is int rope)
        {
            return (long)Layers * (rank + rope) * dtypeBytes;
        }

        return 2L * Layers * KvHeads * HeadDim * dtypeBytes;
    }

    /// <summary>
    /// An estimate of one transformer block's parameters, for ZeRO-3's transient all-gather term.
    /// Attention q, k, v, o: h·(a·d) + 2·h·(kv·d) + (a·d)·h; MLP: 3·h·ffn (SwiGLU), or for a mixture
    /// of experts every expert's 3·h·ffn plus the router h·experts. Norms, biases and shared experts
    /// are left out. MLA attention is bounded from the fields kept here (the query is taken as full
    /// rank). Without the widths it is the non-embedding parameters over the layer count, and 0 when
    /// the layer count is unknown. DeepSpeed's estimator instead takes the largest single module,
    /// often the embedding: use <c>Math.Max(LargestLayerParameters, EmbeddingParameters)</c> for that.
    /// </summary>
    public long LargestLayerParameters
    {
        get
        {
            if (Layers <= 0)
            {
                return 0;
            }

            long h = HiddenSize;
            var mlpWidth = IsMoe ? MoeIntermediateSize ?? 0 : IntermediateSize;
            if (h > 0 && Heads > 0 && KvHeads > 0 && HeadDim > 0 && mlpWidth > 0)
            {
                long q = (long)Heads * HeadDim;
                var attention = IsMla && KvLoraRank is int rank && QkRopeHeadDim is int rope
                    ? (h * q) + (h * (rank + rope)) + ((long)rank * Heads * 2 * (HeadDim - rope)) + ((long)Heads * (HeadDim - rope) * h)
                    : (h * q) + (2 * h * KvHeads * HeadDim) + (q * h);
                var mlp = Experts is int experts && experts > 1
                    ? (experts * 3L * h * mlpWidth) + (h * experts)
                    : 3L * h * mlpWidth;
                return attention + mlp;
            }

            var embeddings = (double)EmbeddingParameters * (TieEmbeddings ? 1 : 2);
            var body = Parameters > embeddings ? Parameters - embeddings : Parameters;
            return (long)(body / Layers);
        }
    }
}

/// <summary>
/// The models <c>--model NAME</c> can name: the built-ins embedded from catalog/models.yaml plus a
/// project's <c>models:</c> entries. Names match case-insensitively, with or without the organisation
/// prefix and with or without separators; a name that fits several models equally well resolves to
/// none. A base model's name never resolves to its Instruct model (the two are distinct entries):
/// an <c>-Instruct</c> or <c>-it</c> suffix only helps to suggest names.
/// </summary>
public sealed partial class ModelCatalog
{
    public const string ResourceName = "catalog/models.yaml";

    private const int ExactRank = 0;
    private const int BareRank = 1;
    private const int CompactRank = 2;

    // Reading the file (about 1,200 lines of YAML) waits until a model is looked up: `render --model-size` never needs it.
    private static readonly ModelCatalog BuiltInCatalog = new(() => ParseFile(EmbeddedResources.ReadText(ResourceName), "builtin:" + ResourceName));

    private static readonly string[] Kinds = ["base", "instruct"];

    private static readonly string[] AttentionKinds = ["gqa", "mha", "mla"];

    private static readonly string[] EntryKeys =
    [
        "name", "aliases", "family", "params", "params_source", "active_params", "layers", "hidden_size",
        "intermediate_size", "moe_intermediate_size", "experts", "experts_per_token", "heads", "kv_heads",
        "head_dim", "vocab_size", "max_position_embeddings", "tie_embeddings", "attention", "kv_lora_rank",
        "qk_rope_head_dim", "source", "kind", "unverified",
    ];

    private readonly Lazy<Contents> _contents;

    private ModelCatalog(Func<(IReadOnlyList<ModelSpec> Models, IReadOnlyDictionary<string, string> Sources)> load)
    {
        _contents = new(() => new Contents(load()));
    }

    /// <summary>The models shipped in the tool; a malformed embedded file throws on first use.</summary>
    public static ModelCatalog BuiltIn => BuiltInCatalog;

    /// <summary>Every model, built-ins in file order, then project additions.</summary>
    public IReadOnlyList<ModelSpec> Models => _contents.Value.Models;

    /// <summary>What each source key of <see cref="ModelSpec.Source"/> stands for (catalog/models.yaml <c>sources:</c>).</summary>
    public IReadOnlyDictionary<string, string> Sources => _contents.Value.Sources;

    /// <summary>The families, in catalog order.</summary>
    public IReadOnlyList<string> Families => [.. Models.Select(m => m.Family).Distinct(StringComparer.Ordinal)];

    /// <summary>A catalog read from catalog/models.yaml text on first use (as the built-in one is); tests use it.</summary>
    internal static ModelCatalog FromText(string text, string file) => new(() => ParseFile(text, file));

    /// <summary>The built-ins plus <paramref name="extra"/>; an extra model replaces a built-in of the same name.</summary>
    public static ModelCatalog Create(IEnumerable<ModelSpec> extra) => BuiltIn.With(extra);

    /// <summary>The built-ins plus the project's <c>models:</c> list.</summary>
    public static ModelCatalog ForProject(ProjectConfig project)
    {
        ArgumentNullException.ThrowIfNull(project);
        return BuiltIn.WithProjectModels(project.Models);
    }

    /// <summary>
    /// The parameter count of <c>--model-size</c> or <c>--model</c> (<see cref="ModelChoice.Parameters"/>); a model is
    /// looked up in the built-ins plus the project's <c>models:</c>, read only when a model is given.
    /// </summary>
    public static double Parameters(string? modelSize, string? model, Func<ProjectConfig> project) =>
        ModelChoice.Parameters(modelSize, model, name => ForProject(project()).TryResolve(name, out var spec) ? spec.Parameters : null);

    /// <summary>This catalog plus the project's <c>models:</c> entries (see <see cref="ReadProjectModels"/>).</summary>
    public ModelCatalog WithProjectModels(JsonArray models) => With(ReadProjectModels(models));

    /// <summary>
    /// This catalog plus <paramref name="extra"/>. A model replaces an existing one with the same name,
    /// ignoring case, or with the same name after the organisation when one of the two has none.
    /// </summary>
    public ModelCatalog With(IEnumerable<ModelSpec> extra)
    {
        ArgumentNullException.ThrowIfNull(extra);
        var added = extra.ToArray();
        return new ModelCatalog(() =>
        {
            var models = Models.ToList();
            foreach (var spec in added)
            {
                var i = models.FindIndex(m => SameName(m.Name, spec.Name));
                if (i >= 0)
                {
                    models[i] = spec;
                }
                else
                {
                    models.Add(spec);
                }
            }

            return (models, Sources);
        });
    }

    /// <summary>The one model <paramref name="name"/> names; false when it names none, or several equally well.</summary>
    public bool TryResolve(string name, [MaybeNullWhen(false)] out ModelSpec spec)
    {
        var matches = Match(name);
        spec = matches.Count == 1 ? matches[0] : null;
        return matches.Count == 1;
    }

    /// <summary>The one model <paramref name="name"/> names (<see cref="TryResolve"/>); a user error naming the closest models otherwise.</summary>
    public ModelSpec Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (TryResolve(name, out var spec))
        {
            return spec;
        }

        var near = Nearest(name);
        var ambiguous = Match(name).Count > 1;
        throw new UserErrorException(
            ambiguous ? $"'{name}' names several models: {string.Join(", ", near)}" : $"unknown model '{name}'",
            (ambiguous ? "give the full name with its organisation" : near.Count > 0 ? "nearest in the catalog: " + string.Join(", ", near) : "no model in the catalog is close") +
            "; `trainplat model list` shows every model, and trainplat.yaml `models:` adds one");
    }

    /// <summary>
    /// The models of <paramref name="family"/> (ignoring case), or every model when it is null; an unknown family
    /// is a user error that lists the families.
    /// </summary>
    public IReadOnlyList<ModelSpec> InFamily(string? family)
    {
        if (family is null)
        {
            return Models;
        }

        var models = Models.Where(m => string.Equals(m.Family, family.Trim(), StringComparison.OrdinalIgnoreCase)).ToArray();
        if (models.Length == 0)
        {
            throw new UserErrorException($"unknown model family '{family}'",
                (Suggestions.DidYouMean(family, Families) is { } dym ? dym + " " : "") + "families: " + string.Join(", ", Families));
        }

        return models;
    }

    /// <summary>
    /// Names to offer when <paramref name="name"/> does not resolve: the models it fits equally well
    /// when it is ambiguous, otherwise the closest names by edit distance.
    /// </summary>
    public IReadOnlyList<string> Nearest(string name, int max = 3)
    {
        var matches = Match(name);
        if (matches.Count > 1)
        {
            return matches.Select(m => m.Name).Take(max).ToArray();
        }

        var shortName = string.IsNullOrWhiteSpace(name) ? "" : ShortName(name);
        if (shortName.Length == 0)
        {
            return [];
        }

        var shortNames = _contents.Value.ShortNames;
        return Suggestions.Closest(shortName, shortNames.Keys, shortNames.Count)
            .SelectMany(s => shortNames[s])
            .Distinct(StringComparer.Ordinal)
            .Take(max)
            .ToArray();
    }

    /// <summary>
    /// Reads a project's <c>models:</c> entries. The project schema reports mistakes in them, so an entry
    /// without a name or a readable <c>params</c> size is skipped here. Left-out fields take config.json's
    /// defaults where it has one (kv_heads = heads, head_dim = hidden_size / heads) and are 0 otherwise.
    /// </summary>
    public static IReadOnlyList<ModelSpec> ReadProjectModels(JsonArray models)
    {
        ArgumentNullException.ThrowIfNull(models);
        var specs = new List<ModelSpec>();
        foreach (var node in models)
        {
            if (node is not JsonObject o || Text(o["name"]) is not { Length: > 0 } name ||
                !ModelSize.TryParse(Text(o["params"]), out var size))
            {
                continue;
            }

            double? active = ModelSize.TryParse(Text(o["active_params"]), out var a) ? a.Parameters : null;
            var hidden = Integer(o["hidden_size"]) ?? 0;
            var heads = Integer(o["heads"]) ?? 0;
            var kvHeads = Integer(o["kv_heads"]) ?? heads;
            var headDim = Integer(o["head_dim"]) ?? (heads > 0 && hidden % heads == 0 ? hidden / heads : 0);
            var aliases = o["aliases"] is JsonArray list ? list.Select(Text).OfType<string>().Where(s => s.Length > 0).ToArray() : [];
            specs.Add(new ModelSpec(
                name.Trim(), aliases, "project", size.Parameters, active,
                Integer(o["layers"]) ?? 0, hidden, 0, heads, kvHeads, headDim,
                Integer(o["vocab_size"]) ?? 0, Integer(o["max_position_embeddings"]) ?? 0,
                TieEmbeddings: false, kvHeads == heads ? "mha" : "gqa",
                null, null, null, null, null, "project")
            { ParametersSource = "project" });
        }

        return specs;
    }

    /// <summary>Reads catalog/models.yaml text; anything malformed throws, since a bad built-in file is a bug.</summary>
    internal static IReadOnlyList<ModelSpec> Parse(string text, string file) => ParseFile(text, file).Models;

    /// <summary>
    /// Reads catalog/models.yaml text: its <c>models:</c> and its optional <c>sources:</c> table. With the table, every
    /// key an entry's <c>source</c> names must be in it.
    /// </summary>
    internal static (IReadOnlyList<ModelSpec> Models, IReadOnlyDictionary<string, string> Sources) ParseFile(string text, string file)
    {
        var tree = YamlTreeReader.Parse(text, file);
        if (tree.Diagnostics.FirstOrDefault(d => d.IsError) is { } error)
        {
            throw Malformed(file, error.Line, error.Message);
        }

        if (tree.Root is not JsonObject root || root["models"] is not JsonArray models || models.Count == 0)
        {
            throw Malformed(file, 1, "expected a top-level `models:` list with at least one entry");
        }

        if (root.Select(p => p.Key).FirstOrDefault(k => k is not ("models" or "sources")) is { } stray)
        {
            throw Malformed(file, tree.KeyPositionOf("/" + YamlTreeReader.EscapePointerToken(stray)).Line, $"unknown top-level key '{stray}'");
        }

        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (root["sources"])
        {
            case null:
                break;
            case JsonObject table:
                foreach (var (key, value) in table)
                {
                    sources[key] = Text(value) is { Length: > 0 } what ? what : throw Malformed(file, tree.KeyPositionOf("/sources/" + YamlTreeReader.EscapePointerToken(key)).Line, $"source '{key}' must say what it is");
                }

                break;
            default:
                throw Malformed(file, tree.KeyPositionOf("/sources").Line, "sources must map each key to what it stands for");
        }

        var specs = new List<ModelSpec>();
        for (var i = 0; i < models.Count; i++)
        {
            var pointer = $"/models/{i}";
            var spec = models[i] is JsonObject entry
                ? new CatalogEntry(tree, pointer, entry).Read()
                : throw Malformed(file, tree.PositionOf(pointer).Line, $"{pointer} is not a mapping");
            foreach (var name in spec.Aliases.Prepend(spec.Name))
            {
                if (specs.FirstOrDefault(s => s.Aliases.Prepend(s.Name).Any(n => SameName(n, name))) is { } clash)
                {
                    throw Malformed(file, tree.PositionOf(pointer).Line, $"'{name}' also names '{clash.Name}'");
                }
            }

            if (sources.Count > 0 && SourceKeys(spec).FirstOrDefault(k => !sources.ContainsKey(k)) is { } unknown)
            {
                throw Malformed(file, tree.KeyPositionOf(pointer + "/source").Line, $"'{spec.Name}': source '{unknown}' is not in the sources table");
            }

            specs.Add(spec);
        }

        return (specs, sources);
    }

    /// <summary>The keys of <see cref="Sources"/> a model's values come from (its <c>source</c>, split at commas).</summary>
    public static IReadOnlyList<string> SourceKeys(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Source.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
    }

    private IReadOnlyList<ModelSpec> Match(string name)
    {
        var found = new List<ModelSpec>();
        if (string.IsNullOrWhiteSpace(name))
        {
            return found;
        }

        var best = int.MaxValue;
        foreach (var (form, rank) in Forms(name))
        {
            if (!_contents.Value.Index.TryGetValue(form, out var keys))
            {
                continue;
            }

            // A match is only as good as the looser of the two spellings compared.
            foreach (var (spec, keyRank) in keys)
            {
                var score = Math.Max(rank, keyRank);
                if (score < best)
                {
                    best = score;
                    found.Clear();
                }

                if (score == best && !found.Any(f => ReferenceEquals(f, spec)))
                {
                    found.Add(spec);
                }
            }
        }

        return found;
    }

    /// <summary>
    /// The spellings a name matches under, from strictest to loosest: as written, without the
    /// organisation, and with separators dropped. The -Instruct/-it/-Chat suffix is never dropped:
    /// a base model's name must not resolve to its Instruct model.
    /// </summary>
    private static IEnumerable<(string Form, int Rank)> Forms(string name)
    {
        var full = name.Trim().ToLowerInvariant();
        yield return (full, ExactRank);
        var bare = Bare(full);
        yield return (bare, BareRank);
        yield return (Compact(bare), CompactRank);
    }

    /// <summary>
    /// A name without organisation, -Instruct/-it/-Chat/-Base suffix and -vX version, so that a model's base and
    /// Instruct names share it: what suggestions are ranked by, never what resolves.
    /// </summary>
    private static string ShortName(string name)
    {
        var bare = Bare(name.Trim().ToLowerInvariant());
        var m = SuffixPattern().Match(bare);
        return m.Success && m.Index > 0 ? bare[..m.Index] : bare;
    }

    private static string Bare(string name) => name[(name.LastIndexOf('/') + 1)..];

    private static string Compact(string name) => name.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal);

    private static bool SameName(string a, string b) =>
        string.Equals(a, b, StringComparison.OrdinalIgnoreCase) ||
        ((!a.Contains('/', StringComparison.Ordinal) || !b.Contains('/', StringComparison.Ordinal)) &&
         string.Equals(Bare(a), Bare(b), StringComparison.OrdinalIgnoreCase));

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static int? Integer(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<long>(out var l) && l is > 0 and <= int.MaxValue ? (int)l : null;

    private static InvalidOperationException Malformed(string file, int line, string message) =>
        new($"{file}:{line}: the built-in model catalog is malformed: {message}");

    [GeneratedRegex(@"(?:-(?:instruct|it|chat|base))?(?:-v\d+(?:\.\d+)*)?$", RegexOptions.CultureInvariant)]
    private static partial Regex SuffixPattern();

    /// <summary>The models and the name index built over them, made on first use.</summary>
    private sealed class Contents
    {
        public Contents((IReadOnlyList<ModelSpec> Models, IReadOnlyDictionary<string, string> Sources) loaded)
        {
            (Models, Sources) = loaded;
            foreach (var spec in Models)
            {
                foreach (var name in spec.Aliases.Prepend(spec.Name))
                {
                    foreach (var (form, rank) in Forms(name))
                    {
                        if (!Index.TryGetValue(form, out var keys))
                        {
                            Index[form] = keys = [];
                        }

                        keys.Add((spec, rank));
                    }

                    var shortName = ShortName(name);
                    if (!ShortNames.TryGetValue(shortName, out var names))
                    {
                        ShortNames[shortName] = names = [];
                    }

                    if (!names.Contains(spec.Name))
                    {
                        names.Add(spec.Name);
                    }
                }
            }
        }

        public IReadOnlyList<ModelSpec> Models { get; }

        public IReadOnlyDictionary<string, string> Sources { get; }

        /// <summary>Every spelling a name matches under (<see cref="Forms"/>), to the models and how loose the spelling is.</summary>
        public Dictionary<string, List<(ModelSpec Spec, int Rank)>> Index { get; } = new(StringComparer.Ordinal);

        /// <summary>Short names (<see cref="ShortName"/>) to the models that have them, for suggestions.</summary>
        public Dictionary<string, List<string>> ShortNames { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>Reads one entry of the built-in catalog strictly: unknown keys and missing or odd values throw.</summary>
    private sealed class CatalogEntry(YamlTree tree, string pointer, JsonObject entry)
    {
        private readonly JsonObject _entry = entry;

        public ModelSpec Read()
        {
            if (_entry.Select(p => p.Key).FirstOrDefault(k => !EntryKeys.Contains(k)) is { } stray)
            {
                throw Fail(stray, $"unknown key '{stray}'");
            }

            var name = RequiredText("name");
            var parameters = Size("params") ?? throw Fail("params", "params is required");
            var paramsSource = RequiredText("params_source");
            if (paramsSource is not ("stated" or "calc"))
            {
                throw Fail("params_source", "params_source must be 'stated' or 'calc'");
            }

            var attention = RequiredText("attention");
            if (!AttentionKinds.Contains(attention))
            {
                throw Fail("attention", $"attention must be one of {string.Join(", ", AttentionKinds)}");
            }

            var heads = RequiredInt("heads");
            var kvHeads = RequiredInt("kv_heads");
            if ((attention == "gqa" && (kvHeads >= heads || heads % kvHeads != 0)) || (attention != "gqa" && kvHeads != heads))
            {
                throw Fail("kv_heads", $"kv_heads {kvHeads} does not fit {attention} attention with {heads} heads");
            }

            var active = Size("active_params");
            var experts = OptionalInt("experts");
            var perToken = OptionalInt("experts_per_token");
            var moeWidth = OptionalInt("moe_intermediate_size");
            var moeFields = new object?[] { active, experts, perToken, moeWidth };
            if (moeFields.Any(f => f is null) && moeFields.Any(f => f is not null))
            {
                throw Fail("experts", "a mixture of experts needs active_params, experts, experts_per_token and moe_intermediate_size together");
            }

            if (active >= parameters || perToken > experts)
            {
                throw Fail("active_params", "active parameters and experts per token must be below the totals");
            }

            var kvLoraRank = OptionalInt("kv_lora_rank");
            var ropeDim = OptionalInt("qk_rope_head_dim");
            if ((attention == "mla") != (kvLoraRank is not null && ropeDim is not null) || (kvLoraRank is null) != (ropeDim is null))
            {
                throw Fail("attention", "kv_lora_rank and qk_rope_head_dim go with mla attention, and only with it");
            }

            var kind = RequiredText("kind");
            if (!Kinds.Contains(kind))
            {
                throw Fail("kind", $"kind must be one of {string.Join(", ", Kinds)}");
            }

            var unverified = _entry["unverified"] switch
            {
                null => [],
                JsonArray list => list.Select((n, i) => Text(n) is { } key && EntryKeys.Contains(key) && _entry.ContainsKey(key)
                    ? key
                    : throw Fail($"unverified/{i}", "unverified must list fields this entry has")).ToArray(),
                _ => throw Fail("unverified", "unverified must be a list of field names"),
            };

            var aliases = _entry["aliases"] switch
            {
                null => [],
                JsonArray list => list.Select((n, i) => Text(n) is { Length: > 0 } s ? s : throw Fail($"aliases/{i}", "an alias must be a non-empty string")).ToArray(),
                _ => throw Fail("aliases", "aliases must be a list of names"),
            };

            return new ModelSpec(
                name, aliases, RequiredText("family"), parameters, active,
                RequiredInt("layers"), RequiredInt("hidden_size"), RequiredInt("intermediate_size"), heads, kvHeads,
                RequiredInt("head_dim"), RequiredInt("vocab_size"), RequiredInt("max_position_embeddings"),
                _entry["tie_embeddings"] is JsonValue tie && tie.TryGetValue<bool>(out var tied) ? tied : throw Fail("tie_embeddings", "tie_embeddings must be true or false"),
                attention, experts, perToken, moeWidth, kvLoraRank, ropeDim, RequiredText("source"))
            { ParametersSource = paramsSource, Kind = kind, Unverified = unverified };
        }

        private string RequiredText(string key) =>
            Text(_entry[key]) is { Length: > 0 } s ? s : throw Fail(key, $"{key} must be a non-empty string");

        private int RequiredInt(string key) => OptionalInt(key) ?? throw Fail(key, $"{key} is required");

        private int? OptionalInt(string key) => _entry[key] switch
        {
            null => null,
            var node => Integer(node) ?? throw Fail(key, $"{key} must be a positive integer"),
        };

        private double? Size(string key) => _entry[key] switch
        {
            null => null,
            var node => ModelSize.TryParse(Text(node), out var size) && size.Text.All(c => c is not ('x' or 'X'))
                ? size.Parameters
                : throw Fail(key, $"{key} must be a size such as 7.61B (the real total, not 8x7B)"),
        };

        private InvalidOperationException Fail(string key, string message)
        {
            var at = tree.KeyPositionOf($"{pointer}/{key}");
            var name = Text(_entry["name"]);
            return Malformed(tree.File, at.Line, (name is null ? "" : $"'{name}': ") + message);
        }
    }
}
