using System.Text.Json.Nodes;
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
    /// Checks values given by dotted path (scaling rules, project overrides, <c>--set</c>): returns, per
    /// path, what is wrong in words ("must be an integer"); empty when every value fits.
    /// </summary>
    public IReadOnlyDictionary<string, string> CheckValues(IEnumerable<KeyValuePair<string, JsonNode?>> values)
    {
        var instance = new JsonObject();
        foreach (var (path, value) in values)
        {
            var key = Find(path) ?? throw new ArgumentException($"unknown config key '{path}'", nameof(values));
            var section = instance[key.Section] as JsonObject ?? (JsonObject)(instance[key.Section] = new JsonObject());
            section[key.Name] = value?.DeepClone();
        }

        var problems = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var failure in ConfigDocument.Evaluate(instance))
        {
            var tokens = failure.InstancePointer.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length != 2 || failure.Keyword.Length == 0)
            {
                continue;
            }

            var key = Find(tokens[0] + "." + tokens[1])!;
            problems.TryAdd(key.Path, failure.Keyword switch
            {
                "type" => "must be " + SchemaWords.TypeNames(key.Node),
                "enum" => "must be one of: " + string.Join(", ", key.Enum),
                "minimum" or "maximum" or "exclusiveMinimum" or "exclusiveMaximum" => "must be " + SchemaWords.RangeWords(key.Node),
                "minLength" or "minItems" => "must not be empty",
                _ => failure.Message,
            });
        }

        return problems;
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
