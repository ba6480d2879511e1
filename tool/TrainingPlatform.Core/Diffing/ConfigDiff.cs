using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Schema;
using TrainingPlatform.Core.Text;

namespace TrainingPlatform.Core.Diffing;

/// <summary>
/// Compares two config trees by meaning. Maps are compared key by key (order never matters);
/// numbers by value (<c>1e-6</c> = <c>0.000001</c> = <c>1.0e-06</c>, <c>16</c> = <c>16.0</c>); a value
/// that changes type (number ↔ text, scalar ↔ list) is a type change; a map added or removed is
/// reported leaf by leaf, so every key gets its own severity. Lists of scalars are compared whole;
/// lists of maps item by item, matched by an identity key (<c>name</c>, <c>id</c> or <c>key</c>, the
/// first that every item on both sides has, with values unique on each side), else by position.
/// Changes come sorted by severity (critical first), then path.
/// </summary>
public static class ConfigDiff
{
    /// <summary>Identity keys for lists of maps, in the order they are tried (dyff's order is name, key, id).</summary>
    public static IReadOnlyList<string> IdentityKeys { get; } = ["name", "id", "key"];

    /// <summary>Runs a diff request: loads both operands, reads the project's importance globs, compares.</summary>
    public static DiffResult Run(DiffRequest request) => DiffRun.Execute(request);

    /// <summary>Compares two trees. <paramref name="trainplatLayout"/>: the trees are recipes or project files, whose
    /// <c>config.</c>, <c>scaling[…].set.</c> and <c>overrides.</c> paths take the importance of the config key below them.</summary>
    public static IReadOnlyList<Change> Compare(JsonNode? left, JsonNode? right, SeverityRules? rules = null, bool trainplatLayout = false)
    {
        var walk = new Walk(rules ?? SeverityRules.SchemaOnly, trainplatLayout);
        walk.Node(left, right, "");
        walk.Changes.Sort(Order);
        return walk.Changes;
    }

    /// <summary>Severity (critical first), then path (numbers in paths by value), then kind.</summary>
    public static Comparison<Change> Order { get; } = (a, b) =>
    {
        var c = b.Severity.CompareTo(a.Severity);
        c = c != 0 ? c : PathOrder(a.Path, b.Path);
        return c != 0 ? c : a.Kind.CompareTo(b.Kind);
    };

    /// <summary>The type of a value as shown in a type change: integer, number, text, boolean, null, list or map.</summary>
    public static string TypeName(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "map",
        JsonArray => "list",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "text",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            JsonValueKind.Number => TryNumber(v, out _, out var isInteger) && isInteger ? "integer" : "number",
            JsonValueKind.Null => "null",
            _ => "value",
        },
        _ => "value",
    };

    /// <summary>True when two values are equal by meaning: numbers by value, maps regardless of key order.</summary>
    public static bool ValueEquals(JsonNode? a, JsonNode? b)
    {
        switch (a, b)
        {
            case (null, null):
                return true;
            case (JsonObject x, JsonObject y):
                if (x.Count != y.Count)
                {
                    return false;
                }

                foreach (var (key, value) in x)
                {
                    if (!y.TryGetPropertyValue(key, out var other) || !ValueEquals(value, other))
                    {
                        return false;
                    }
                }

                return true;
            case (JsonArray x, JsonArray y):
                if (x.Count != y.Count)
                {
                    return false;
                }

                for (var i = 0; i < x.Count; i++)
                {
                    if (!ValueEquals(x[i], y[i]))
                    {
                        return false;
                    }
                }

                return true;
            case (JsonValue x, JsonValue y):
                return ScalarEquals(x, y);
            default:
                return false;
        }
    }

    /// <summary>The config path whose importance a path takes: in trainplat files <c>config.rl.kl_coef</c> → <c>rl.kl_coef</c>.</summary>
    public static string ConfigPath(string path, bool trainplatLayout)
    {
        if (!trainplatLayout)
        {
            return path;
        }

        if (path.StartsWith("config.", StringComparison.Ordinal))
        {
            return path["config.".Length..];
        }

        if (path.StartsWith("overrides.", StringComparison.Ordinal))
        {
            return path["overrides.".Length..];
        }

        if (path.StartsWith("scaling[", StringComparison.Ordinal))
        {
            var set = path.IndexOf("].set.", StringComparison.Ordinal);
            if (set > 0)
            {
                return path[(set + "].set.".Length)..];
            }
        }

        return path;
    }

    private static bool ScalarEquals(JsonValue x, JsonValue y)
    {
        var kx = x.GetValueKind();
        var ky = y.GetValueKind();
        if (kx == JsonValueKind.Number && ky == JsonValueKind.Number)
        {
            if (x.TryGetValue<long>(out var lx) && y.TryGetValue<long>(out var ly))
            {
                return lx == ly;
            }

            return TryNumber(x, out var dx, out _) && TryNumber(y, out var dy, out _) && dx.Equals(dy);
        }

        if (kx != ky)
        {
            return false;
        }

        return kx switch
        {
            JsonValueKind.String => x.GetValue<string>() == y.GetValue<string>(),
            JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null => true,
            _ => x.ToJsonString() == y.ToJsonString(),
        };
    }

    /// <summary>A number's value as a double, and whether it was written as an integer.</summary>
    internal static bool TryNumber(JsonNode? node, out double value, out bool isInteger)
    {
        value = 0;
        isInteger = false;
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number)
        {
            return false;
        }

        if (v.TryGetValue<long>(out var l))
        {
            value = l;
            isInteger = true;
            return true;
        }

        if (v.TryGetValue<int>(out var i))
        {
            value = i;
            isInteger = true;
            return true;
        }

        if (v.TryGetValue<double>(out var d))
        {
            value = d;
            return true;
        }

        if (v.TryGetValue<decimal>(out var m))
        {
            value = (double)m;
            return true;
        }

        return double.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Ordinal, except that digit runs compare by value, so <c>[2]</c> comes before <c>[10]</c>.</summary>
    internal static int PathOrder(string a, string b)
    {
        int i = 0, j = 0;
        while (i < a.Length && j < b.Length)
        {
            if (char.IsAsciiDigit(a[i]) && char.IsAsciiDigit(b[j]))
            {
                var si = i;
                var sj = j;
                while (i < a.Length && char.IsAsciiDigit(a[i]))
                {
                    i++;
                }

                while (j < b.Length && char.IsAsciiDigit(b[j]))
                {
                    j++;
                }

                var na = a.AsSpan(si, i - si).TrimStart('0');
                var nb = b.AsSpan(sj, j - sj).TrimStart('0');
                var c = na.Length != nb.Length ? na.Length.CompareTo(nb.Length) : na.SequenceCompareTo(nb);
                if (c != 0)
                {
                    return c;
                }

                continue;
            }

            if (a[i] != b[j])
            {
                return a[i].CompareTo(b[j]);
            }

            i++;
            j++;
        }

        var rest = (a.Length - i).CompareTo(b.Length - j);
        return rest != 0 ? rest : string.CompareOrdinal(a, b);
    }

    private static double RoundSignificant(double value, int digits)
    {
        if (value == 0 || !double.IsFinite(value))
        {
            return value;
        }

        var scale = Math.Pow(10, digits - 1 - (int)Math.Floor(Math.Log10(Math.Abs(value))));
        return Math.Round(value * scale) / scale;
    }

    private sealed class Walk(SeverityRules rules, bool trainplatLayout)
    {
        public List<Change> Changes { get; } = [];

        public void Node(JsonNode? left, JsonNode? right, string path)
        {
            switch (left, right)
            {
                case (JsonObject l, JsonObject r):
                    Map(l, r, path);
                    break;
                case (JsonArray l, JsonArray r):
                    List(l, r, path);
                    break;
                default:
                    Value(left, right, path);
                    break;
            }
        }

        private void Map(JsonObject left, JsonObject right, string path)
        {
            foreach (var (key, value) in left)
            {
                var child = Child(path, key);
                if (right.TryGetPropertyValue(key, out var other))
                {
                    Node(value, other, child);
                }
                else
                {
                    Leaves(value, child, ChangeKind.Removed);
                }
            }

            foreach (var (key, value) in right)
            {
                if (!left.ContainsKey(key))
                {
                    Leaves(value, Child(path, key), ChangeKind.Added);
                }
            }
        }

        private void List(JsonArray left, JsonArray right, string path)
        {
            if (left.All(IsScalar) && right.All(IsScalar))
            {
                if (!ValueEquals(left, right))
                {
                    Add(ChangeKind.Changed, path, left, right);
                }

                return;
            }

            if (IdentityKey(left, right) is { } key)
            {
                var rightByKey = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
                foreach (var item in right)
                {
                    rightByKey[IdentityText(item![key])] = (JsonObject)item;
                }

                var matched = new HashSet<string>(StringComparer.Ordinal);
                foreach (var item in left)
                {
                    var id = IdentityText(item![key]);
                    var child = path + "[" + key + "=" + id + "]";
                    if (rightByKey.TryGetValue(id, out var other))
                    {
                        matched.Add(id);
                        Node(item, other, child);
                    }
                    else
                    {
                        Add(ChangeKind.Removed, child, item, null);
                    }
                }

                foreach (var item in right)
                {
                    var id = IdentityText(item![key]);
                    if (!matched.Contains(id))
                    {
                        Add(ChangeKind.Added, path + "[" + key + "=" + id + "]", null, item);
                    }
                }

                return;
            }

            for (var i = 0; i < Math.Max(left.Count, right.Count); i++)
            {
                var child = path + "[" + i.ToString(CultureInfo.InvariantCulture) + "]";
                if (i >= right.Count)
                {
                    Add(ChangeKind.Removed, child, left[i], null);
                }
                else if (i >= left.Count)
                {
                    Add(ChangeKind.Added, child, null, right[i]);
                }
                else
                {
                    Node(left[i], right[i], child);
                }
            }
        }

        private void Value(JsonNode? left, JsonNode? right, string path)
        {
            if (ValueEquals(left, right))
            {
                return;
            }

            var kind = left is null || right is null || Family(left) == Family(right) ? ChangeKind.Changed : ChangeKind.TypeChanged;
            Add(kind, path, left, right);
        }

        /// <summary>A map added or removed becomes one change per leaf; anything else is one change.</summary>
        private void Leaves(JsonNode? value, string path, ChangeKind kind)
        {
            if (value is JsonObject o && o.Count > 0)
            {
                foreach (var (key, child) in o)
                {
                    Leaves(child, Child(path, key), kind);
                }

                return;
            }

            Add(kind, path, kind == ChangeKind.Removed ? value : null, kind == ChangeKind.Added ? value : null);
        }

        private void Add(ChangeKind kind, string path, JsonNode? left, JsonNode? right)
        {
            var configPath = ConfigPath(path, trainplatLayout);
            var severity = Severity(path, kind == ChangeKind.Added ? right : left);
            if (kind is ChangeKind.Changed or ChangeKind.TypeChanged)
            {
                var other = Severity(path, right);
                severity = other > severity ? other : severity;
            }

            double? ratio = null;
            double? orders = null;
            if (kind == ChangeKind.Changed && TryNumber(left, out var a, out _) && TryNumber(right, out var b, out _))
            {
                if (a != 0 && double.IsFinite(b / a))
                {
                    ratio = RoundSignificant(b / a, 6);
                }

                if (a > 0 && b > 0 && SeverityRules.IsLogScale(configPath))
                {
                    orders = RoundSignificant(Math.Log10(b) - Math.Log10(a), 6);
                }
            }

            Changes.Add(new Change(path, kind, left?.DeepClone(), right?.DeepClone(), severity, ratio, orders));
        }

        /// <summary>The highest severity of the path and of every path inside a list or map value.</summary>
        private Importance Severity(string path, JsonNode? value)
        {
            var severity = rules.For(ConfigPath(path, trainplatLayout));
            switch (value)
            {
                case JsonObject o:
                    foreach (var (key, child) in o)
                    {
                        var inner = Severity(Child(path, key), child);
                        severity = inner > severity ? inner : severity;
                    }

                    break;
                case JsonArray a:
                    for (var i = 0; i < a.Count; i++)
                    {
                        if (a[i] is JsonObject or JsonArray)
                        {
                            var inner = Severity(path + "[" + i.ToString(CultureInfo.InvariantCulture) + "]", a[i]);
                            severity = inner > severity ? inner : severity;
                        }
                    }

                    break;
            }

            return severity;
        }

        private static string Child(string path, string key) => path.Length == 0 ? key : path + "." + key;

        private static bool IsScalar(JsonNode? node) => node is not JsonObject and not JsonArray;

        /// <summary>Numbers (integer or not) are one family; a change within it is not a type change.</summary>
        private static string Family(JsonNode node)
        {
            var name = TypeName(node);
            return name == "integer" ? "number" : name;
        }

        /// <summary>The first identity key every item on both sides has, with a scalar value unique on each side.</summary>
        private static string? IdentityKey(JsonArray left, JsonArray right)
        {
            foreach (var key in IdentityKeys)
            {
                if (Unique(left, key) && Unique(right, key))
                {
                    return key;
                }
            }

            return null;
        }

        private static bool Unique(JsonArray items, string key)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in items)
            {
                if (item is not JsonObject o || o[key] is not JsonValue v || v.GetValueKind() is not (JsonValueKind.String or JsonValueKind.Number) ||
                    !seen.Add(IdentityText(v)))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>An identity value as text; numbers by value, so <c>id: 1</c> and <c>id: 1.0</c> match.</summary>
        private static string IdentityText(JsonNode? node) =>
            TryNumber(node, out var d, out _) ? (d == Math.Floor(d) && Math.Abs(d) < 1e15 ? ((long)d).ToString(CultureInfo.InvariantCulture) : Numbers.Format(d))
                : node!.GetValue<string>();
    }
}
