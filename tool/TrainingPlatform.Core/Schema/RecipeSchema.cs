using System.Text.Json.Nodes;
using TrainingPlatform.Core.Text;
using TrainingPlatform.Core.Validation;

namespace TrainingPlatform.Core.Schema;

/// <summary>The canonical config vocabulary, read from <c>recipe.v1.schema.json</c>.</summary>
public sealed class RecipeSchema
{
    private static readonly Lazy<RecipeSchema> Instance = new(() => new RecipeSchema(SchemaDocument.Recipe));

    private readonly Dictionary<string, SchemaKey> _keys;
    private readonly Lazy<SchemaDocument> _configDocument;

    private RecipeSchema(SchemaDocument document)
    {
        Document = document;
        ConfigNode = document.NodeAt("/properties/config") ?? throw new InvalidOperationException("recipe schema has no config");
        var sections = new List<string>();
        var keys = new List<SchemaKey>();
        foreach (var (section, sectionNode) in ConfigNode["properties"]!.AsObject())
        {
            sections.Add(section);
            foreach (var (name, keyNode) in sectionNode!["properties"]!.AsObject())
            {
                var node = keyNode!.AsObject();
                var types = node["type"] switch
                {
                    JsonArray a => a.Select(t => t!.GetValue<string>()).ToArray(),
                    JsonValue v => [v.GetValue<string>()],
                    _ => Array.Empty<string>(),
                };
                var importance = node["x-importance"]?.GetValue<string>() switch
                {
                    "critical" => Importance.Critical,
                    "important" => Importance.Important,
                    _ => Importance.Minor,
                };
                keys.Add(new SchemaKey(
                    section + "." + name,
                    section,
                    name,
                    types,
                    importance,
                    node["x-scale"]?.GetValue<string>() == "log",
                    node["x-unit"]?.GetValue<string>(),
                    node["description"]?.GetValue<string>() ?? "",
                    node["default"]?.DeepClone(),
                    node));
            }
        }

        Sections = sections;
        Keys = keys;
        _keys = keys.ToDictionary(k => k.Path, StringComparer.Ordinal);
        var configNode = ConfigNode;
        _configDocument = new Lazy<SchemaDocument>(() => BuildConfigDocument(configNode));
    }

    public static RecipeSchema Current => Instance.Value;

    public SchemaDocument Document { get; }

    public JsonObject ConfigNode { get; }

    /// <summary>Config sections in schema order.</summary>
    public IReadOnlyList<string> Sections { get; }

    /// <summary>Every config leaf key, in schema order.</summary>
    public IReadOnlyList<SchemaKey> Keys { get; }

    /// <summary>The <c>config</c> subschema on its own, to check values set by dotted path.</summary>
    public SchemaDocument ConfigDocument => _configDocument.Value;

    public SchemaKey? Find(string dottedPath) => _keys.GetValueOrDefault(dottedPath);

    /// <summary>
    /// The schema node of a key (<c>rl.kl_ctrl</c>) or of a member of an object-valued key
    /// (<c>rl.kl_ctrl.target_kl</c>); null when there is none.
    /// </summary>
    public JsonObject? NodeFor(string dottedPath)
    {
        if (Find(dottedPath) is { } key)
        {
            return key.Node;
        }

        return Member(dottedPath) is { } member ? member.Key.Node["properties"]?[member.Name] as JsonObject : null;
    }

    /// <summary>
    /// Splits <c>rl.kl_ctrl.target_kl</c> into the object-valued key <c>rl.kl_ctrl</c> and the member name
    /// <c>target_kl</c>; null when the path is not inside an object-valued key (the member need not exist).
    /// </summary>
    public (SchemaKey Key, string Name)? Member(string dottedPath)
    {
        var last = dottedPath.LastIndexOf('.');
        if (last <= 0 || Find(dottedPath[..last]) is not { } key || !key.Types.Contains("object"))
        {
            return null;
        }

        return (key, dottedPath[(last + 1)..]);
    }

    /// <summary>
    /// Checks values given by dotted path (scaling rules, project overrides, <c>--set</c>): returns what is
    /// wrong in words ("must be an integer"), one problem per path, sorted by path; empty when every value
    /// fits. A problem inside an object or list value is reported at the member (<c>rl.kl_ctrl.target_kl</c>)
    /// or item (<c>trainer.logger[1]</c>).
    /// </summary>
    public IReadOnlyList<ValueProblem> CheckValues(IEnumerable<KeyValuePair<string, JsonNode?>> values)
    {
        var instance = new JsonObject();
        foreach (var (path, value) in values)
        {
            var key = Find(path) ?? throw new ArgumentException($"unknown config key '{path}'", nameof(values));
            var section = instance[key.Section] as JsonObject ?? (JsonObject)(instance[key.Section] = new JsonObject());
            section[key.Name] = value?.DeepClone();
        }

        var problems = new SortedDictionary<string, ValueProblem>(StringComparer.Ordinal);
        foreach (var failure in ConfigDocument.Evaluate(instance))
        {
            var tokens = PointerText.Tokens(failure.InstancePointer);
            if (tokens.Count < 2)
            {
                continue;
            }

            var key = Find(tokens[0] + "." + tokens[1])!;
            var inner = tokens.Skip(2).ToArray();
            var path = key.Path + string.Concat(inner.Select(t => t.All(char.IsAsciiDigit) ? "[" + t + "]" : "." + t));
            var node = key.Node;
            foreach (var token in inner)
            {
                node = node?["properties"]?[token] as JsonObject ?? (token.All(char.IsAsciiDigit) ? node?["items"] as JsonObject : null);
            }

            string? problem;
            if (failure.Keyword.Length == 0 && failure.SchemaPointer.EndsWith("/not", StringComparison.Ordinal))
            {
                problem = "must be " + SchemaWords.RangeWords(node); // JsonSchema.Net reports a failed `not` at its subschema
            }
            else if (failure.Keyword.Length == 0)
            {
                // A false subschema: a member that additionalProperties: false rejects.
                var known = SchemaDocument.PropertyNames(key.Node);
                problem = failure.SchemaPointer.EndsWith("/additionalProperties", StringComparison.Ordinal) && inner.Length == 1
                    ? $"is not a key of {key.Path}" + (Suggestions.DidYouMean(inner[0], known) is { } mean ? $" ({mean})" : "") +
                      "; its keys are " + string.Join(", ", known)
                    : null;
            }
            else
            {
                problem = failure.Keyword switch
                {
                    "type" => "must be " + SchemaWords.TypeNames(node),
                    "enum" => "must be one of: " + string.Join(", ", node?["enum"] is JsonArray e ? e.Select(v => v?.ToString() ?? "null") : []),
                    "minimum" or "maximum" or "exclusiveMinimum" or "exclusiveMaximum" or "not" => "must be " + SchemaWords.RangeWords(node),
                    "minLength" or "minItems" => "must not be empty",
                    "uniqueItems" => "must not list a value twice",
                    "required" => "needs " + string.Join(" and ", node?["required"] is JsonArray r
                        ? r.Select(x => x!.GetValue<string>()).Where(x => At(instance, tokens) is not JsonObject o || !o.ContainsKey(x)).Select(x => $"'{x}'")
                        : []),
                    "additionalProperties" or "properties" or "items" or "allOf" or "anyOf" or "oneOf" => null, // summaries
                    _ => failure.Message,
                };
            }

            if (problem is not null)
            {
                problems.TryAdd(path, new ValueProblem(key.Path, path, inner, problem));
            }
        }

        return [.. problems.Values];
    }

    private static JsonNode? At(JsonNode? node, IEnumerable<string> tokens)
    {
        foreach (var token in tokens)
        {
            node = node switch
            {
                JsonObject o => o[token],
                JsonArray a when int.TryParse(token, System.Globalization.CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
                _ => null,
            };
        }

        return node;
    }

    private static SchemaDocument BuildConfigDocument(JsonObject configNode)
    {
        // $schema first: the dialect (which allows our x- annotations) is read before the keywords.
        var node = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = "https://trainplat.dev/schemas/recipe.v1.config.json",
        };
        foreach (var (key, value) in configNode)
        {
            node[key] = value?.DeepClone();
        }

        return new SchemaDocument("config", node.ToJsonString());
    }
}

/// <summary>What is wrong with one value set by dotted path.</summary>
/// <param name="Key">The config key (<c>rl.kl_ctrl</c>).</param>
/// <param name="Path">Where inside it, as people read it (<c>rl.kl_ctrl.target_kl</c>, <c>trainer.logger[1]</c>).</param>
/// <param name="Inner">The JSON pointer tokens below the key (<c>target_kl</c>, <c>1</c>); empty for the key itself.</param>
/// <param name="Problem">In words that follow the path: "must be greater than 0".</param>
public sealed record ValueProblem(string Key, string Path, IReadOnlyList<string> Inner, string Problem);
