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
    /// <summary>The version <c>extends: ID@VERSION</c> pins its base to (<see cref="Extends"/> is the id alone), or null.</summary>
    public string? ExtendsVersion { get; init; }

    public static Recipe? FromTree(JsonNode? root)
    {
        if (root is not JsonObject o || Text(o["id"]) is not { Length: > 0 } id)
        {
            return null;
        }

        var extends = Text(o["extends"]);
        var at = extends?.IndexOf('@', StringComparison.Ordinal) ?? -1;
        return new Recipe(
            id,
            Text(o["version"]) ?? "",
            Text(o["task"]) ?? "",
            Text(o["algorithm"]) ?? "",
            o["tags"] is JsonArray tags ? tags.Select(Text).OfType<string>().ToArray() : [],
            Text(o["description"]) ?? "",
            Text(o["source"]) ?? "",
            at < 0 ? extends : extends![..at],
            o["config"] as JsonObject ?? [],
            o["scaling"] as JsonArray ?? [],
            o["extra"] as JsonObject ?? [])
        {
            ExtendsVersion = at < 0 ? null : extends![(at + 1)..],
        };
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node is JsonValue n ? n.ToJsonString() : null;
}
