using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using TrainingPlatform.Core.Text;

namespace TrainingPlatform.Core.Frameworks;

/// <summary>
/// One value of a Hydra command-line override (<c>key=VALUE</c>), in Hydra's override grammar: written the way verl's own
/// scripts write it (booleans <c>True</c>/<c>False</c>, <c>null</c>, lists <c>[a,b]</c>, dicts <c>{k:v}</c>, strings quoted
/// only where the grammar needs it), and read back the way Hydra reads it.
/// </summary>
public static partial class HydraValue
{
    // Characters Hydra accepts in an unquoted primitive without escaping (a conservative subset of its grammar).
    /// <summary>The characters a bare (unquoted) string may hold.</summary>
    private static readonly System.Buffers.SearchValues<char> UnquotedChars =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-./:~@%+");

    [GeneratedRegex(@"^[+-]?(\d[\d_]*)$", RegexOptions.CultureInvariant)]
    private static partial Regex IntText();

    [GeneratedRegex(@"^[+-]?((\d[\d_]*)?\.\d+|\d[\d_]*\.\d*|\d[\d_]*)([eE][+-]?\d+)?$|^[+-]?(inf|nan)$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex FloatText();

    /// <summary>The override text of <paramref name="value"/>.</summary>
    public static string Format(JsonNode? value) => value switch
    {
        null => "null",
        JsonArray a => "[" + string.Join(",", a.Select(Format)) + "]",
        JsonObject o => "{" + string.Join(",", o.Select(p => FormatString(p.Key) + ":" + Format(p.Value))) + "}",
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValueKind() == JsonValueKind.True ? "True" : "False",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => FormatString(v.GetValue<string>()),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => Number(v),
        _ => value.ToJsonString(),
    };

    /// <summary>An integer as digits; any other number as a float that keeps its dot (<c>1.0</c>, <c>1.0e-06</c>).</summary>
    private static string Number(JsonValue v)
    {
        if (v.TryGetValue<int>(out var i))
        {
            return i.ToString(CultureInfo.InvariantCulture);
        }

        if (v.TryGetValue<long>(out var l))
        {
            return l.ToString(CultureInfo.InvariantCulture);
        }

        if (v.TryGetValue<double>(out var d))
        {
            return Numbers.Format(d);
        }

        // Parsed JSON: an integer when its text has no dot or exponent.
        var text = v.ToJsonString();
        return text.IndexOfAny(['.', 'e', 'E']) < 0 ? text : Numbers.Format(double.Parse(text, CultureInfo.InvariantCulture));
    }

    /// <summary>A string: bare when Hydra reads it back as the same string, else single-quoted with <c>\'</c> and <c>\\</c> escaped.</summary>
    public static string FormatString(string s) =>
        s.Length > 0 && !s.AsSpan().ContainsAnyExcept(UnquotedChars) && Parse(s) is JsonValue v && v.TryGetValue<string>(out var back) && back == s
            ? s
            : "'" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";

    /// <summary>
    /// Reads an override value as Hydra does: <c>null</c>, booleans (any case), integers, floats (<c>1e-6</c>, <c>inf</c>),
    /// quoted strings, lists and dicts; anything else is a string with surrounding whitespace trimmed. Interpolations
    /// (<c>${...}</c>) stay strings.
    /// </summary>
    public static JsonNode? Parse(string text)
    {
        var reader = new Reader(text);
        var value = reader.Value(topLevel: true);
        reader.SkipSpace();
        if (!reader.AtEnd)
        {
            throw new FormatException($"unexpected '{text[reader.Position..]}' in the override value '{text}'");
        }

        return value;
    }

    private static JsonNode? Primitive(string raw)
    {
        var s = raw.Trim();
        if (s.Equals("null", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (s.Equals("true", StringComparison.OrdinalIgnoreCase) || s.Equals("false", StringComparison.OrdinalIgnoreCase))
        {
            return JsonValue.Create(s.Equals("true", StringComparison.OrdinalIgnoreCase));
        }

        // Numbers start with a digit, a dot or a sign (or are inf/nan): a word never runs the number patterns.
        var unsigned = s.TrimStart('+', '-');
        if (unsigned.Length == 0 || !(char.IsAsciiDigit(unsigned[0]) || unsigned[0] == '.' ||
                                      unsigned.Equals("inf", StringComparison.OrdinalIgnoreCase) || unsigned.Equals("nan", StringComparison.OrdinalIgnoreCase)))
        {
            return JsonValue.Create(s);
        }

        if (IntText().IsMatch(s) && long.TryParse(s.Replace("_", "", StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return l is >= int.MinValue and <= int.MaxValue ? JsonValue.Create((int)l) : JsonValue.Create(l);
        }

        if (FloatText().IsMatch(s))
        {
            var lower = s.ToLowerInvariant().Replace("_", "", StringComparison.Ordinal);
            var d = lower.TrimStart('+', '-') switch
            {
                "inf" => lower.StartsWith('-') ? double.NegativeInfinity : double.PositiveInfinity,
                "nan" => double.NaN,
                _ => double.Parse(lower, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            return JsonValue.Create(d);
        }

        return JsonValue.Create(s);
    }

    private sealed class Reader(string text)
    {
        public int Position { get; private set; }

        public bool AtEnd => Position >= text.Length;

        public void SkipSpace()
        {
            while (!AtEnd && char.IsWhiteSpace(text[Position]))
            {
                Position++;
            }
        }

        public JsonNode? Value(bool topLevel)
        {
            SkipSpace();
            if (AtEnd)
            {
                return topLevel ? JsonValue.Create("") : throw new FormatException($"a value is missing in '{text}'");
            }

            switch (text[Position])
            {
                case '[':
                    return List();
                case '{':
                    return Dict();
                case '\'' or '"':
                    return JsonValue.Create(Quoted());
                default:
                    return Primitive(Bare(topLevel));
            }
        }

        private JsonArray List()
        {
            Position++;
            var list = new JsonArray();
            SkipSpace();
            if (!AtEnd && text[Position] == ']')
            {
                Position++;
                return list;
            }

            while (true)
            {
                list.Add(Value(topLevel: false));
                SkipSpace();
                if (AtEnd)
                {
                    throw new FormatException($"a list is not closed with ']' in '{text}'");
                }

                var c = text[Position++];
                if (c == ']')
                {
                    return list;
                }

                if (c != ',')
                {
                    throw new FormatException($"expected ',' or ']' in '{text}'");
                }
            }
        }

        private JsonObject Dict()
        {
            Position++;
            var dict = new JsonObject();
            SkipSpace();
            if (!AtEnd && text[Position] == '}')
            {
                Position++;
                return dict;
            }

            while (true)
            {
                SkipSpace();
                var key = !AtEnd && text[Position] is '\'' or '"' ? Quoted() : ReadUntil(':').Trim();
                if (AtEnd || text[Position] != ':')
                {
                    throw new FormatException($"expected ':' after the key '{key}' in '{text}'");
                }

                Position++;
                dict[key] = Value(topLevel: false);
                SkipSpace();
                if (AtEnd)
                {
                    throw new FormatException($"a dict is not closed with '}}' in '{text}'");
                }

                var c = text[Position++];
                if (c == '}')
                {
                    return dict;
                }

                if (c != ',')
                {
                    throw new FormatException($"expected ',' or '}}' in '{text}'");
                }
            }
        }

        private string Quoted()
        {
            var quote = text[Position++];
            var sb = new StringBuilder();
            while (!AtEnd)
            {
                var c = text[Position++];
                if (c == '\\' && !AtEnd && (text[Position] == quote || text[Position] == '\\'))
                {
                    sb.Append(text[Position++]);
                }
                else if (c == quote)
                {
                    return sb.ToString();
                }
                else
                {
                    sb.Append(c);
                }
            }

            throw new FormatException($"a quoted string is not closed in '{text}'");
        }

        private string Bare(bool topLevel)
        {
            if (topLevel)
            {
                var rest = text[Position..];
                Position = text.Length;
                return rest;
            }

            return ReadUntil(',', ']', '}');
        }

        private string ReadUntil(params char[] stops)
        {
            var start = Position;
            var depth = 0;
            while (!AtEnd)
            {
                var c = text[Position];
                if (c == '$' && Position + 1 < text.Length && text[Position + 1] == '{')
                {
                    depth++;
                    Position += 2;
                    continue;
                }

                if (c == '}' && depth > 0)
                {
                    depth--;
                    Position++;
                    continue;
                }

                if (depth == 0 && Array.IndexOf(stops, c) >= 0)
                {
                    break;
                }

                Position++;
            }

            return text[start..Position];
        }
    }
}
