using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TrainingPlatform.Core.Text;

/// <summary>
/// A canonical form of a JSON tree for content hashes: object keys sorted (ordinal), no
/// whitespace, integers as integers, other numbers in shortest round-trip form. Comments,
/// key order and number spelling (<c>1e-6</c> vs <c>0.000001</c>) do not change it.
/// </summary>
public static class CanonicalJson
{
    public static string Write(JsonNode? node)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false, SkipValidation = true }))
        {
            Write(writer, node);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Lower-case hex SHA-256 of the canonical form.</summary>
    public static string Sha256(JsonNode? node) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Write(node))));

    private static void Write(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject o:
                writer.WriteStartObject();
                foreach (var (key, value) in o.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(key);
                    Write(writer, value);
                }

                writer.WriteEndObject();
                break;
            case JsonArray a:
                writer.WriteStartArray();
                foreach (var item in a)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case JsonValue v when v.TryGetValue<string>(out var s):
                writer.WriteStringValue(s);
                break;
            case JsonValue v when v.TryGetValue<bool>(out var b):
                writer.WriteBooleanValue(b);
                break;
            case JsonValue v when v.TryGetValue<long>(out var l):
                writer.WriteRawValue(l.ToString(CultureInfo.InvariantCulture), skipInputValidation: true);
                break;
            case JsonValue v when v.TryGetValue<double>(out var d):
                writer.WriteRawValue(d.ToString("R", CultureInfo.InvariantCulture), skipInputValidation: true);
                break;
            default:
                writer.WriteRawValue(node.ToJsonString(), skipInputValidation: true);
                break;
        }
    }
}
