using System.Text.Json.Nodes;

namespace TrainingPlatform.Core.Project;

/// <summary>The settings of <c>trainplat.yaml</c>, with defaults for what it leaves out.</summary>
public sealed record ProjectConfig(
    string? Name,
    IReadOnlyList<string> RecipeFolders,
    JsonObject Overrides,
    JsonArray Models,
    IReadOnlyDictionary<string, string> Importance,
    string? Store)
{
    public static ProjectConfig Default { get; } = new(null, ["recipes"], [], [], new Dictionary<string, string>(), null);

    public static ProjectConfig FromTree(JsonNode? root)
    {
        if (root is not JsonObject o)
        {
            return Default;
        }

        var folders = o["recipes"] is JsonArray a
            ? a.OfType<JsonValue>().Select(v => v.TryGetValue<string>(out var s) ? s : null).OfType<string>().ToArray()
            : Default.RecipeFolders;
        var importance = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (o["importance"] is JsonObject imp)
        {
            foreach (var (k, v) in imp)
            {
                if (v is JsonValue jv && jv.TryGetValue<string>(out var s))
                {
                    importance[k] = s;
                }
            }
        }

        return new ProjectConfig(
            o["name"] is JsonValue n && n.TryGetValue<string>(out var name) ? name : null,
            folders,
            o["overrides"] as JsonObject ?? [],
            o["models"] as JsonArray ?? [],
            importance,
            o["store"] is JsonValue st && st.TryGetValue<string>(out var store) ? store : null);
    }
}
