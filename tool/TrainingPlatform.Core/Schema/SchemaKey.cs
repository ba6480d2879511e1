using System.Text.Json.Nodes;

namespace TrainingPlatform.Core.Schema;

public enum Importance
{
    Minor,
    Important,
    Critical,
}

/// <summary>One leaf key of the recipe's <c>config</c>, as the schema describes it.</summary>
public sealed record SchemaKey(
    string Path,
    string Section,
    string Name,
    IReadOnlyList<string> Types,
    Importance Importance,
    bool LogScale,
    string? Unit,
    string Description,
    JsonNode? Default,
    JsonObject Node)
{
    /// <summary>Allowed values, when the key is an enum.</summary>
    public IReadOnlyList<string> Enum { get; } =
        Node["enum"] is JsonArray a ? a.Select(v => v?.ToString() ?? "null").ToArray() : [];
}
