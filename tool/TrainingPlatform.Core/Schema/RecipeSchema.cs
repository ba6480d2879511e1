using System.Text.Json.Nodes;

namespace TrainingPlatform.Core.Schema;

/// <summary>The canonical config vocabulary, read from <c>recipe.v1.schema.json</c>.</summary>
public sealed class RecipeSchema
{
    private static readonly Lazy<RecipeSchema> Instance = new(() => new RecipeSchema(SchemaDocument.Recipe));

    private readonly Dictionary<string, SchemaKey> _keys;

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
    }

    public static RecipeSchema Current => Instance.Value;

    public SchemaDocument Document { get; }

    public JsonObject ConfigNode { get; }

    /// <summary>Config sections in schema order.</summary>
    public IReadOnlyList<string> Sections { get; }

    /// <summary>Every config leaf key, in schema order.</summary>
    public IReadOnlyList<SchemaKey> Keys { get; }

    public SchemaKey? Find(string dottedPath) => _keys.GetValueOrDefault(dottedPath);
}
