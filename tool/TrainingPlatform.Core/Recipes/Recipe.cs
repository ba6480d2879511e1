using System.Text.Json.Nodes;

namespace TrainingPlatform.Core.Recipes;

public enum RecipeOrigin
{
    BuiltIn,
    Project,
    File,
}

/// <summary>The fields of a recipe, read leniently from its tree (validation reports what is wrong).</summary>
public sealed record Recipe(
    string Id,
    string Version,
    string Task,
    string Algorithm,
    IReadOnlyList<string> Tags,
    string Description,
    string Source,
    string? Extends,
    JsonObject Config,
    JsonArray Scaling,
    JsonObject Extra)
{
    public static Recipe? FromTree(JsonNode? root)
    {
        if (root is not JsonObject o || Text(o["id"]) is not { Length: > 0 } id)
        {
            return null;
        }

        return new Recipe(
            id,
            Text(o["version"]) ?? "",
            Text(o["task"]) ?? "",
            Text(o["algorithm"]) ?? "",
            o["tags"] is JsonArray tags ? tags.Select(Text).OfType<string>().ToArray() : [],
            Text(o["description"]) ?? "",
            Text(o["source"]) ?? "",
            Text(o["extends"]),
            o["config"] as JsonObject ?? [],
            o["scaling"] as JsonArray ?? [],
            o["extra"] as JsonObject ?? []);
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node is JsonValue n ? n.ToJsonString() : null;
}
