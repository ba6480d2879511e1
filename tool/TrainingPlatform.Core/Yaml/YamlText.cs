using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using TrainingPlatform.Core.Text;

namespace TrainingPlatform.Core.Yaml;

/// <summary>
/// Writes JSON trees as YAML that both YAML 1.1 (PyYAML) and YAML 1.2 readers load to the same
/// values: floats always with a dot and a signed exponent, strings quoted whenever a reader
/// could take them for anything else.
/// </summary>
public static partial class YamlText
{
    private static readonly JsonSerializerOptions StringOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_./-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex PlainSafe();

    /// <summary>One scalar or a flow list, as YAML text.</summary>
    public static string Scalar(JsonNode? node) => node switch
    {
        null => "null",
        JsonArray a when a.All(i => i is not JsonObject and not JsonArray) => "[" + string.Join(", ", a.Select(Scalar)) + "]",
        JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
        JsonValue v when v.TryGetValue<long>(out var l) => l.ToString(CultureInfo.InvariantCulture),
        JsonValue v when v.TryGetValue<int>(out var i) => i.ToString(CultureInfo.InvariantCulture),
        JsonValue v when v.TryGetValue<double>(out var d) => Numbers.Format(d),
        JsonValue v when v.TryGetValue<string>(out var s) => String(s),
        _ => node.ToJsonString(),
    };

    public static string String(string s) =>
        PlainSafe().IsMatch(s) && !IsReserved(s) ? s : JsonValue.Create(s).ToJsonString(StringOptions);

    /// <summary>A mapping in block style, keys in the order given; <paramref name="comment"/> may add a trailing comment per path.</summary>
    public static void WriteMapping(StringBuilder sb, JsonObject o, int indent, string pathPrefix, Func<string, string?>? comment = null)
    {
        var pad = new string(' ', indent);
        var lines = new List<(string Text, string? Comment, JsonNode? Child, string Path)>();
        foreach (var (key, value) in o)
        {
            var path = pathPrefix.Length == 0 ? key : pathPrefix + "." + key;
            var k = String(key);
            if (value is JsonObject child && child.Count > 0)
            {
                lines.Add(($"{pad}{k}:", null, child, path));
            }
            else if (value is JsonArray arr && arr.Any(i => i is JsonObject or JsonArray))
            {
                lines.Add(($"{pad}{k}:", comment?.Invoke(path), arr, path));
            }
            else
            {
                lines.Add(($"{pad}{k}: {(value is JsonObject ? "{}" : Scalar(value))}", comment?.Invoke(path), null, path));
            }
        }

        var width = lines.Where(l => l.Comment is not null).Select(l => l.Text.Length).DefaultIfEmpty(0).Max();
        foreach (var (text, note, child, path) in lines)
        {
            sb.Append(text);
            if (note is not null)
            {
                sb.Append(' ', width - text.Length + 2).Append("# ").Append(note);
            }

            sb.Append('\n');
            switch (child)
            {
                case JsonObject co:
                    WriteMapping(sb, co, indent + 2, path, comment);
                    break;
                case JsonArray ca:
                    foreach (var item in ca)
                    {
                        if (item is JsonObject io)
                        {
                            var inner = new StringBuilder();
                            WriteMapping(inner, io, indent + 4, path, null);
                            var text2 = inner.ToString();
                            sb.Append(pad).Append("  - ").Append(text2.TrimStart());
                        }
                        else
                        {
                            sb.Append(pad).Append("  - ").Append(Scalar(item)).Append('\n');
                        }
                    }

                    break;
            }
        }
    }

    private static bool IsReserved(string s)
    {
        var lower = s.ToLowerInvariant();
        return lower is "true" or "false" or "yes" or "no" or "on" or "off" or "y" or "n" or "null" or "nan" or "inf" ||
               s.StartsWith('.') || s.Contains("..", StringComparison.Ordinal);
    }
}
