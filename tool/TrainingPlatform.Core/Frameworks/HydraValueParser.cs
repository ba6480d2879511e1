using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace TrainingPlatform.Core.Frameworks;

/// <summary>What a Hydra override does to its key: set it, add it (<c>+key=</c>), add or set it (<c>++key=</c>), delete it (<c>~key</c>).</summary>
public enum OverrideOperation
{
    Set,
    Add,
    ForceAdd,
    Delete,
}

/// <summary>One Hydra command-line override read back: the key, what it does, its value as JSON, and where it was written.</summary>
/// <param name="Text">The override as the file gives it after shell expansion (<c>actor_rollout_ref.actor.optim.lr=1e-6</c>).</param>
/// <param name="Line">The 1-based line of the file it starts on.</param>
public sealed record HydraOverride(string Key, OverrideOperation Operation, JsonNode? Value, string Text, int Line);

/// <summary>
/// Reads one Hydra override (<c>[+|++|~]key[=value]</c>) and its value in Hydra's override grammar: <c>null</c>,
/// booleans in any case, integers, floats (<c>1e-6</c>, <c>inf</c>, <c>nan</c>), quoted strings, lists <c>[a,b]</c>,
/// dicts <c>{k: v}</c>; anything else is an unquoted string (interpolations such as <c>${oc.env:HOME}</c> stay text).
/// </summary>
public static class HydraValueParser
{
    /// <summary>Parses <paramref name="text"/> as an override; null when it is not one (no key, or no <c>=</c> on a set).</summary>
    public static HydraOverride? ParseOverride(string text, int line)
    {
        var operation = OverrideOperation.Set;
        var rest = text;
        if (rest.StartsWith("++", StringComparison.Ordinal))
        {
            operation = OverrideOperation.ForceAdd;
            rest = rest[2..];
        }
        else if (rest.StartsWith('+'))
        {
            operation = OverrideOperation.Add;
            rest = rest[1..];
        }
        else if (rest.StartsWith('~'))
        {
            operation = OverrideOperation.Delete;
            rest = rest[1..];
        }

        var equals = rest.IndexOf('=', StringComparison.Ordinal);
        var key = (equals < 0 ? rest : rest[..equals]).Trim();
        if (key.Length == 0 || !IsKey(key) || (equals < 0 && operation != OverrideOperation.Delete))
        {
            return null;
        }

        JsonNode? value = equals < 0 ? null : Parse(rest[(equals + 1)..]);
        return new HydraOverride(key, operation, value, text, line);
    }

    /// <summary>Parses a value in Hydra's override grammar into JSON (null for <c>null</c> and for an empty value).</summary>
    public static JsonNode? Parse(string text)
    {
        var reader = new Reader(text.Trim());
        var value = reader.Value(topLevel: true);
        return value;
    }

    private static bool IsKey(string key) =>
        key.All(c => char.IsLetterOrDigit(c) || c is '_' or '.' or '-' or '@' or '/' or ':' or '[' or ']');

    private static JsonNode? Scalar(string text)
    {
        var t = text.Trim();
        if (t.Length == 0 || t.Equals("null", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (t.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            return JsonValue.Create(true);
        }

        if (t.Equals("false", StringComparison.OrdinalIgnoreCase))
        {
            return JsonValue.Create(false);
        }

        var digits = t.Replace("_", "", StringComparison.Ordinal);
        if (IsInteger(digits) && long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (IsFloat(digits) && double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return JsonValue.Create(number);
        }

        return JsonValue.Create(t);
    }

    private static bool IsInteger(string t)
    {
        var start = t.Length > 0 && t[0] is '+' or '-' ? 1 : 0;
        return t.Length > start && t[start..].All(char.IsAsciiDigit);
    }

    // Hydra's float: digits with a point and/or an exponent; inf and nan are not JSON numbers, so they stay text.
    private static bool IsFloat(string t)
    {
        var s = t.Length > 0 && t[0] is '+' or '-' ? t[1..] : t;
        if (s.Length == 0 || !(char.IsAsciiDigit(s[0]) || (s[0] == '.' && s.Length > 1 && char.IsAsciiDigit(s[1]))))
        {
            return false;
        }

        var seenPoint = false;
        var seenExponent = false;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (char.IsAsciiDigit(c))
            {
                continue;
            }

            if (c == '.' && !seenPoint && !seenExponent)
            {
                seenPoint = true;
            }
            else if (c is 'e' or 'E' && !seenExponent && i + 1 < s.Length)
            {
                seenExponent = true;
                if (s[i + 1] is '+' or '-')
                {
                    i++;
                }

                if (i + 1 >= s.Length)
                {
                    return false;
                }
            }
            else
            {
                return false;
            }
        }

        return seenPoint || seenExponent;
    }

    private sealed class Reader(string text)
    {
        private int _at;

        public JsonNode? Value(bool topLevel)
        {
            SkipSpaces();
            if (_at >= text.Length)
            {
                return null;
            }

            var c = text[_at];
            if (c == '[')
            {
                return List(topLevel);
            }

            if (c == '{')
            {
                return Dict(topLevel);
            }

            if (c is '\'' or '"')
            {
                var start = _at;
                var quoted = Quoted();
                SkipSpaces();
                if (topLevel && _at < text.Length)
                {
                    // Not a single quoted string ('a'b): Hydra reads it as text.
                    return JsonValue.Create(text[start..].Trim());
                }

                return JsonValue.Create(quoted);
            }

            return Scalar(Plain(topLevel));
        }

        private JsonNode? List(bool topLevel)
        {
            var start = _at;
            _at++;
            var list = new JsonArray();
            SkipSpaces();
            if (Peek() == ']')
            {
                _at++;
                return Finish(list, start, topLevel);
            }

            while (_at < text.Length)
            {
                list.Add(Value(topLevel: false));
                SkipSpaces();
                if (Peek() == ',')
                {
                    _at++;
                    continue;
                }

                if (Peek() == ']')
                {
                    _at++;
                    return Finish(list, start, topLevel);
                }

                break;
            }

            return Unparsed(start, topLevel);
        }

        private JsonNode? Dict(bool topLevel)
        {
            var start = _at;
            _at++;
            var dict = new JsonObject();
            SkipSpaces();
            if (Peek() == '}')
            {
                _at++;
                return Finish(dict, start, topLevel);
            }

            while (_at < text.Length)
            {
                SkipSpaces();
                var keyStart = _at;
                while (_at < text.Length && text[_at] is not ':' and not ',' and not '}')
                {
                    _at++;
                }

                if (Peek() != ':')
                {
                    break;
                }

                var key = text[keyStart.._at].Trim().Trim('\'', '"');
                _at++;
                dict[key] = Value(topLevel: false);
                SkipSpaces();
                if (Peek() == ',')
                {
                    _at++;
                    continue;
                }

                if (Peek() == '}')
                {
                    _at++;
                    return Finish(dict, start, topLevel);
                }

                break;
            }

            return Unparsed(start, topLevel);
        }

        private JsonNode? Finish(JsonNode node, int start, bool topLevel)
        {
            SkipSpaces();
            return topLevel && _at < text.Length ? Unparsed(start, topLevel) : node;
        }

        // Brackets that do not close: keep the whole rest as text, as Hydra would refuse it rather than guess.
        private JsonValue Unparsed(int start, bool topLevel)
        {
            var rest = text[start..];
            _at = text.Length;
            return JsonValue.Create(topLevel ? rest.Trim() : rest.Trim());
        }

        private string Quoted()
        {
            var quote = text[_at++];
            var sb = new StringBuilder();
            while (_at < text.Length && text[_at] != quote)
            {
                if (text[_at] == '\\' && _at + 1 < text.Length && (text[_at + 1] == quote || text[_at + 1] == '\\'))
                {
                    _at++;
                }

                sb.Append(text[_at++]);
            }

            _at = Math.Min(_at + 1, text.Length);
            return sb.ToString();
        }

        private string Plain(bool topLevel)
        {
            var start = _at;
            var depth = 0;
            while (_at < text.Length)
            {
                var c = text[_at];
                if (c == '$' && _at + 1 < text.Length && text[_at + 1] == '{')
                {
                    depth++;
                    _at += 2;
                    continue;
                }

                if (c == '}' && depth > 0)
                {
                    depth--;
                    _at++;
                    continue;
                }

                if (!topLevel && depth == 0 && c is ',' or ']' or '}')
                {
                    break;
                }

                _at++;
            }

            return text[start.._at];
        }

        private char Peek() => _at < text.Length ? text[_at] : '\0';

        private void SkipSpaces()
        {
            while (_at < text.Length && char.IsWhiteSpace(text[_at]))
            {
                _at++;
            }
        }
    }
}
