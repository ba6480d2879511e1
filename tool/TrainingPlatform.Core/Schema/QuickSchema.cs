using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace TrainingPlatform.Core.Schema;

/// <summary>
/// A quick "certainly valid" for the common case, without JsonSchema.Net: walks the instance along a schema compiled
/// once from its JSON tree, for the keywords our schemas use. It only ever answers yes or "not sure": anything it
/// cannot decide exactly as JsonSchema.Net would (a keyword it does not know, a failed keyword, a number beyond a
/// double's exact integers, a bound written with more digits than a double holds, a non-ASCII string under a length or pattern rule) answers
/// "not sure", and JsonSchema.Net evaluates the instance and words the failures. So diagnostics always come from
/// JsonSchema.Net; this only spares a valid file the cost of it (validate of 1,000 recipes spent a third of its time
/// there). QuickSchemaTests compare its yes with JsonSchema.Net on every shipped recipe and mutations of them.
/// </summary>
internal sealed class QuickSchema
{
    // Doubles hold every integer up to 2^53 exactly; beyond that a comparison could differ from JsonSchema.Net's decimals.
    private const double ExactIntegers = 9_007_199_254_740_992d;

    private readonly Node _root;

    private QuickSchema(Node root) => _root = root;

    /// <summary>Compiles a schema tree; keywords it does not know make their subschema answer "not sure".</summary>
    public static QuickSchema Compile(JsonNode schema) => new(Node.From(schema));

    /// <summary>True only when the instance certainly satisfies the schema.</summary>
    public bool CertainlyValid(JsonNode? instance) => _root.Accepts(instance, 0);

    private sealed class Node
    {
        private const int MaxDepth = 64;

        private static readonly HashSet<string> Annotations = new(StringComparer.Ordinal)
        {
            "$schema", "$id", "$comment", "title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly",
        };

        private bool? _boolean;
        private bool _unsupported;
        private Kinds _types = Kinds.Any;
        private Dictionary<string, Node>? _properties;
        private Node? _additional;
        private string[]? _required;
        private JsonNode? _const;
        private bool _hasConst;
        private JsonArray? _enum;
        private Regex? _pattern;
        private int? _minLength;
        private int? _maxLength;
        private double? _minimum;
        private double? _maximum;
        private double? _exclusiveMinimum;
        private double? _exclusiveMaximum;
        private Node? _items;
        private int? _minItems;
        private int? _maxItems;
        private bool _uniqueItems;
        private int? _minProperties;
        private int? _maxProperties;

        [Flags]
        private enum Kinds
        {
            None = 0,
            Null = 1,
            Boolean = 2,
            Object = 4,
            Array = 8,
            Number = 16,
            String = 32,
            Integer = 64,
            Any = Null | Boolean | Object | Array | Number | String | Integer,
        }

        public static Node From(JsonNode? schema)
        {
            var node = new Node();
            switch (schema)
            {
                case JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False:
                    node._boolean = v.GetValue<bool>();
                    return node;
                case JsonObject o:
                    foreach (var (keyword, value) in o)
                    {
                        if (!node.Read(keyword, value))
                        {
                            node._unsupported = true;
                        }
                    }

                    return node;
                default:
                    node._unsupported = true;
                    return node;
            }
        }

        private bool Read(string keyword, JsonNode? value)
        {
            if (Annotations.Contains(keyword) || keyword.StartsWith("x-", StringComparison.Ordinal))
            {
                return true;
            }

            switch (keyword)
            {
                case "type":
                    _types = value switch
                    {
                        JsonArray names => names.Aggregate(Kinds.None, (k, n) => k | KindOf(n)),
                        _ => KindOf(value),
                    };
                    return _types != Kinds.None;
                case "properties" when value is JsonObject props:
                    _properties = new Dictionary<string, Node>(StringComparer.Ordinal);
                    foreach (var (name, sub) in props)
                    {
                        _properties[name] = From(sub);
                    }

                    return true;
                case "additionalProperties":
                    _additional = From(value);
                    return true;
                case "required" when value is JsonArray names && names.All(n => n is JsonValue s && s.GetValueKind() == JsonValueKind.String):
                    _required = names.Select(n => n!.GetValue<string>()).ToArray();
                    return true;
                case "const":
                    _const = value;
                    _hasConst = true;
                    return true;
                case "enum" when value is JsonArray choices:
                    _enum = choices;
                    return true;
                case "pattern" when value is JsonValue p && p.GetValueKind() == JsonValueKind.String:
                    _pattern = new Regex(p.GetValue<string>(), RegexOptions.ECMAScript | RegexOptions.CultureInvariant);
                    return true;
                case "items":
                    _items = From(value);
                    return true;
                case "uniqueItems" when value is JsonValue u && u.GetValueKind() is JsonValueKind.True or JsonValueKind.False:
                    _uniqueItems = u.GetValue<bool>();
                    return true;
                case "minLength":
                    return Count(value, out _minLength);
                case "maxLength":
                    return Count(value, out _maxLength);
                case "minItems":
                    return Count(value, out _minItems);
                case "maxItems":
                    return Count(value, out _maxItems);
                case "minProperties":
                    return Count(value, out _minProperties);
                case "maxProperties":
                    return Count(value, out _maxProperties);
                case "minimum":
                    return Bound(value, out _minimum);
                case "maximum":
                    return Bound(value, out _maximum);
                case "exclusiveMinimum":
                    return Bound(value, out _exclusiveMinimum);
                case "exclusiveMaximum":
                    return Bound(value, out _exclusiveMaximum);
                default:
                    return false;
            }
        }

        private static Kinds KindOf(JsonNode? name) => (name as JsonValue)?.GetValueKind() == JsonValueKind.String
            ? name!.GetValue<string>() switch
            {
                "null" => Kinds.Null,
                "boolean" => Kinds.Boolean,
                "object" => Kinds.Object,
                "array" => Kinds.Array,
                "number" => Kinds.Number | Kinds.Integer,
                "string" => Kinds.String,
                "integer" => Kinds.Integer,
                _ => Kinds.None,
            }
            : Kinds.None;

        private static bool Count(JsonNode? value, out int? count)
        {
            count = null;
            if (value is JsonValue v && v.TryGetValue<long>(out var n) && n is >= 0 and <= int.MaxValue)
            {
                count = (int)n;
                return true;
            }

            if (value is JsonValue d && d.TryGetValue<double>(out var x) && x >= 0 && x <= int.MaxValue && x == Math.Floor(x))
            {
                count = (int)x;
                return true;
            }

            return false;
        }

        // A bound is used only when its text is a double's shortest form (0, 1, 0.5, 1e-8 …): then a value equal to it as
        // a double is equal to it as the decimal JsonSchema.Net compares, and the comparison below is exact.
        private static bool Bound(JsonNode? value, out double? bound)
        {
            bound = null;
            if (value is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<double>(out var d) && double.IsFinite(d) &&
                Math.Abs(d) < ExactIntegers && decimal.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var written) &&
                decimal.TryParse(d.ToString("R", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture, out var shortest) &&
                written == shortest)
            {
                bound = d;
                return true;
            }

            return false;
        }

        public bool Accepts(JsonNode? instance, int depth)
        {
            if (_boolean is { } b)
            {
                return b;
            }

            if (_unsupported || depth > MaxDepth)
            {
                return false;
            }

            switch (instance)
            {
                case null:
                    return (_types & Kinds.Null) != 0 && Equalities(instance);
                case JsonObject o:
                    return (_types & Kinds.Object) != 0 && Equalities(instance) && AcceptsObject(o, depth);
                case JsonArray a:
                    return (_types & Kinds.Array) != 0 && Equalities(instance) && AcceptsArray(a, depth);
                case JsonValue v:
                    return v.GetValueKind() switch
                    {
                        JsonValueKind.String => (_types & Kinds.String) != 0 && v.TryGetValue<string>(out var s) && Equalities(instance) && AcceptsString(s),
                        JsonValueKind.True or JsonValueKind.False => (_types & Kinds.Boolean) != 0 && Equalities(instance),
                        JsonValueKind.Number => Number(v, out var d, out var integer) &&
                            (_types & (integer ? Kinds.Integer : Kinds.Number)) != 0 && Equalities(instance) && AcceptsNumber(d),
                        _ => false,
                    };
                default:
                    return false;
            }
        }

        private static bool Number(JsonValue v, out double d, out bool integer)
        {
            if (v.TryGetValue<long>(out var l))
            {
                d = l;
                integer = true;
                return Math.Abs(d) < ExactIntegers;
            }

            if (v.TryGetValue<double>(out d) && double.IsFinite(d) && Math.Abs(d) < ExactIntegers)
            {
                integer = d == Math.Floor(d);
                return true;
            }

            integer = false;
            return false;
        }

        private bool Equalities(JsonNode? instance) =>
            (!_hasConst || SameJson(instance, _const)) && (_enum is null || _enum.Any(choice => SameJson(instance, choice)));

        private bool AcceptsObject(JsonObject o, int depth)
        {
            if ((_minProperties is { } min && o.Count < min) || (_maxProperties is { } max && o.Count > max))
            {
                return false;
            }

            if (_required is not null)
            {
                foreach (var name in _required)
                {
                    if (!o.ContainsKey(name))
                    {
                        return false;
                    }
                }
            }

            foreach (var (name, value) in o)
            {
                var sub = _properties is not null && _properties.TryGetValue(name, out var p) ? p : _additional;
                if (sub is not null && !sub.Accepts(value, depth + 1))
                {
                    return false;
                }
            }

            return true;
        }

        private bool AcceptsArray(JsonArray a, int depth)
        {
            if ((_minItems is { } min && a.Count < min) || (_maxItems is { } max && a.Count > max))
            {
                return false;
            }

            if (_items is not null)
            {
                foreach (var item in a)
                {
                    if (!_items.Accepts(item, depth + 1))
                    {
                        return false;
                    }
                }
            }

            if (_uniqueItems)
            {
                // Only lists of strings are decided here (what our schemas ask to be unique).
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var item in a)
                {
                    if (item is not JsonValue s || s.GetValueKind() != JsonValueKind.String || !s.TryGetValue<string>(out var text) || !seen.Add(text))
                    {
                        return false;
                    }
                }
            }

            return true;
        }

        private bool AcceptsString(string s)
        {
            if (_minLength is null && _maxLength is null && _pattern is null)
            {
                return true;
            }

            // Printable ASCII: one character is one code point and one text element, and no regex dialect differs on it.
            var plain = true;
            foreach (var c in s)
            {
                if (c is < ' ' or > '~')
                {
                    plain = false;
                    break;
                }
            }

            if (_minLength is { } min && !(plain ? s.Length >= min : min <= 1 && s.Length > 0))
            {
                return false;
            }

            if (_maxLength is { } max && !(plain && s.Length <= max))
            {
                return false;
            }

            return _pattern is null || (plain && _pattern.IsMatch(s));
        }

        private bool AcceptsNumber(double d) =>
            (_minimum is not { } min || d >= min) &&
            (_maximum is not { } max || d <= max) &&
            (_exclusiveMinimum is not { } xmin || d > xmin) &&
            (_exclusiveMaximum is not { } xmax || d < xmax);

        // Equal only when certainly equal as JSON: same strings, booleans, nulls, or numbers equal as exact doubles.
        private static bool SameJson(JsonNode? a, JsonNode? b)
        {
            if (a is null || b is null)
            {
                return a is null && b is null;
            }

            if (a is not JsonValue va || b is not JsonValue vb)
            {
                return false;
            }

            var kind = va.GetValueKind();
            if (kind != vb.GetValueKind())
            {
                return false;
            }

            return kind switch
            {
                JsonValueKind.String => va.TryGetValue<string>(out var x) && vb.TryGetValue<string>(out var y) && string.Equals(x, y, StringComparison.Ordinal),
                JsonValueKind.True or JsonValueKind.False => true,
                JsonValueKind.Number => Number(va, out var m, out _) && Number(vb, out var n, out _) && m == n,
                _ => false,
            };
        }
    }
}
