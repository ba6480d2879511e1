using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TrainingPlatform.Tool.Output;

/// <summary>Deterministic JSON text: two-space indent, LF, no HTML escaping.</summary>
internal static class JsonText
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NewLine = "\n",
        IndentSize = 2,
    };

    public static string Write(JsonNode? node) => node?.ToJsonString(Options) ?? "null";

    public static JsonArray Array(IEnumerable<string> items) => new([.. items.Select(i => (JsonNode?)JsonValue.Create(i))]);
}
