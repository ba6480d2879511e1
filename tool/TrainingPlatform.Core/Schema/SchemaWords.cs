using System.Globalization;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Text;

namespace TrainingPlatform.Core.Schema;

/// <summary>Schema facts and JSON values in the words a person reads: "a mapping", "at least 1", "'cosine'".</summary>
public static class SchemaWords
{
    internal static string TypeOf(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "a mapping",
        JsonArray => "a list",
        JsonValue v when v.TryGetValue<string>(out _) => "text",
        JsonValue v when v.TryGetValue<bool>(out _) => "a boolean",
        JsonValue v when v.TryGetValue<long>(out _) => "an integer",
        _ => "a number",
    };

    internal static string Show(JsonNode? node) => node switch
    {
        null => "null",
        JsonValue v when v.TryGetValue<string>(out var s) => $"'{s}'",
        JsonValue v when v.TryGetValue<double>(out var d) => Numbers.Format(d),
        JsonValue v => v.ToJsonString(),
        JsonArray => "(a list)",
        _ => "(a mapping)",
    };

    internal static string TypeNames(JsonObject? node)
    {
        var types = node?["type"] switch
        {
            JsonArray a => a.Select(t => t!.GetValue<string>()).ToArray(),
            JsonValue v => [v.GetValue<string>()],
            _ => [],
        };
        var words = types.Select(t => t switch
        {
            "string" => "text",
            "integer" => "an integer",
            "number" => "a number",
            "boolean" => "true or false",
            "object" => "a mapping",
            "array" => "a list",
            "null" => "null",
            _ => t,
        }).ToArray();
        return words.Length == 0 ? "another type" : string.Join(" or ", words);
    }

    /// <summary>The allowed range in words: "at least 1", "greater than 0 and at most 1".</summary>
    internal static string RangeWords(JsonObject? node)
    {
        if (node is null)
        {
            return "in range";
        }

        if (node["x-range"] is JsonValue words)
        {
            return words.GetValue<string>(); // a range the keywords alone do not say, e.g. "-1 (all GPUs) or at least 1"
        }

        var parts = new List<string>();
        if (node["exclusiveMinimum"] is JsonValue xmin)
        {
            parts.Add("greater than " + Num(xmin));
        }
        else if (node["minimum"] is JsonValue min)
        {
            parts.Add("at least " + Num(min));
        }

        if (node["exclusiveMaximum"] is JsonValue xmax)
        {
            parts.Add("less than " + Num(xmax));
        }
        else if (node["maximum"] is JsonValue max)
        {
            parts.Add("at most " + Num(max));
        }

        return parts.Count == 0 ? "in range" : string.Join(" and ", parts);
    }

    internal static string Range(JsonObject? node)
    {
        if (node is null)
        {
            return "";
        }

        var lo = node["exclusiveMinimum"] is JsonValue xmin ? "(" + Num(xmin) : node["minimum"] is JsonValue min ? "[" + Num(min) : "(-inf";
        var hi = node["exclusiveMaximum"] is JsonValue xmax ? Num(xmax) + ")" : node["maximum"] is JsonValue max ? Num(max) + "]" : "inf)";
        return $"{lo}, {hi}";
    }

    private static string Num(JsonValue v) =>
        v.TryGetValue<long>(out var l) ? l.ToString(CultureInfo.InvariantCulture)
        : v.TryGetValue<int>(out var i) ? i.ToString(CultureInfo.InvariantCulture)
        : Numbers.Format(v.GetValue<double>());
}
