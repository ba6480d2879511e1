using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TrainingPlatform.Core.Text;

/// <summary>Writes a JSON tree without reflection, with a chosen key order and float spelling.</summary>
internal static class JsonTreeWriter
{
    public static void Write(Utf8JsonWriter writer, JsonNode? node, bool sortKeys, Func<double, string> formatFloat)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject o:
                writer.WriteStartObject();
                foreach (var (key, value) in sortKeys ? o.OrderBy(p => p.Key, StringComparer.Ordinal) : o.AsEnumerable())
                {
                    writer.WritePropertyName(key);
                    Write(writer, value, sortKeys, formatFloat);
                }

                writer.WriteEndObject();
                break;
            case JsonArray a:
                writer.WriteStartArray();
                foreach (var item in a)
                {
                    Write(writer, item, sortKeys, formatFloat);
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
                writer.WriteRawValue(formatFloat(d), skipInputValidation: true);
                break;
            default:
                node.WriteTo(writer);
                break;
        }
    }
}
