using System.Text.Json.Nodes;
using TrainingPlatform.Core.Schema;

namespace TrainingPlatform.Core.Resolution;

/// <summary>Config values by dotted path with their origins, written out in schema order.</summary>
public sealed class ConfigValues
{
    private readonly Dictionary<string, JsonNode?> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ValueOrigin> _origins = new(StringComparer.Ordinal);
    private readonly JsonObject _extra = [];
    private readonly Dictionary<string, ValueOrigin> _removed = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, ValueOrigin> Origins => _origins;

    /// <summary>Pass-through keys (<c>extra.KEY</c>) a scaling rule removed, with the rule that removed each.</summary>
    public IReadOnlyDictionary<string, ValueOrigin> Removed => _removed;

    public void Set(string path, JsonNode? value, ValueOrigin origin)
    {
        _values[path] = value?.DeepClone();
        _origins[path] = origin;

        // A whole object value replaces what was set member by member before it.
        foreach (var member in _origins.Keys.Where(p => p.Length > path.Length && p.StartsWith(path + ".", StringComparison.Ordinal)).ToArray())
        {
            _origins.Remove(member);
        }
    }

    /// <summary>Sets one member of an object-valued key (<c>rl.kl_ctrl</c> → <c>target_kl</c>), with its own origin.</summary>
    public void SetMember(string path, string member, JsonNode? value, ValueOrigin origin)
    {
        var o = _values.GetValueOrDefault(path) as JsonObject ?? [];
        o[member] = value?.DeepClone();
        _values[path] = o;
        _origins.TryAdd(path, origin);
        _origins[path + "." + member] = origin;
    }

    public void Set(string path, long value, ValueOrigin origin) => Set(path, JsonValue.Create(value), origin);

    public bool Has(string path) => _values.ContainsKey(path);

    public JsonNode? Get(string path) => _values.GetValueOrDefault(path);

    public ValueOrigin? Origin(string path) => _origins.GetValueOrDefault(path);

    public long? Int(string path) => _values.GetValueOrDefault(path) is JsonValue v
        ? v.TryGetValue<long>(out var l) ? l : v.TryGetValue<double>(out var d) && d == Math.Floor(d) ? (long)d : null
        : null;

    public double? Number(string path) => _values.GetValueOrDefault(path) is JsonValue v
        ? v.TryGetValue<double>(out var d) ? d : v.TryGetValue<long>(out var l) ? l : null
        : null;

    public bool Bool(string path) => _values.GetValueOrDefault(path) is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    public string? Text(string path) => _values.GetValueOrDefault(path) is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>Removes the given sections where every value is a schema default (the recipe does not use them).</summary>
    public void DropDefaultOnlySections(IEnumerable<string> sections)
    {
        foreach (var section in sections)
        {
            var paths = _values.Keys.Where(p => p.StartsWith(section + ".", StringComparison.Ordinal)).ToArray();
            if (paths.All(p => _origins[p].Kind == OriginKind.Default))
            {
                foreach (var p in paths)
                {
                    _values.Remove(p);
                    _origins.Remove(p);
                }
            }
        }
    }

    /// <summary>Merges a recipe's <c>config</c> (section → key → value); lists are replaced.</summary>
    public void MergeConfig(JsonObject config, ValueOrigin origin)
    {
        foreach (var (section, keys) in config)
        {
            if (keys is not JsonObject o)
            {
                continue;
            }

            foreach (var (key, value) in o)
            {
                Set(section + "." + key, value, origin);
            }
        }
    }

    /// <summary>A boolean member of <c>extra</c> (a framework's own key passed through), false when absent.</summary>
    public bool ExtraBool(string key) => _extra[key] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    /// <summary>Merges <c>extra</c> deeply (maps merge, lists and scalars replace).</summary>
    public void MergeExtra(JsonObject extra, ValueOrigin origin)
    {
        Merge(_extra, extra, "extra", origin);
    }

    /// <summary>
    /// Sets one pass-through key, or removes it when <paramref name="value"/> is null. <paramref name="key"/> is the name
    /// after <c>extra.</c>: an existing dotted name (<c>data.gen_batch_size</c>) or a path into a nested map
    /// (<c>verl.data.gen_batch_size</c> under <c>extra: {verl: {data: …}}</c>); a new key is added under its dotted name.
    /// </summary>
    public void SetExtra(string key, JsonNode? value, ValueOrigin origin)
    {
        var path = "extra." + key;
        foreach (var stale in _origins.Keys.Where(p => p.StartsWith(path + ".", StringComparison.Ordinal)).ToArray())
        {
            _origins.Remove(stale);
        }

        var chain = Locate(_extra, key) ?? [(_extra, key)];
        var (parent, name) = chain[^1];
        if (value is null)
        {
            _origins.Remove(path);
            if (parent.Remove(name))
            {
                _removed[path] = origin;

                // A nested map the removal left empty goes too: an empty map would still be passed through.
                for (var i = chain.Count - 2; i >= 0 && chain[i + 1].Parent.Count == 0; i--)
                {
                    chain[i].Parent.Remove(chain[i].Name);
                }
            }

            return;
        }

        parent[name] = value.DeepClone();
        _origins[path] = origin;
        _removed.Remove(path);
    }

    /// <summary>
    /// The maps leading to <paramref name="key"/>, outermost first, each with the member name taken there: the key itself
    /// when the map has it, else a dotted prefix that names a nested map holding the rest. Null when the key is not there.
    /// </summary>
    private static List<(JsonObject Parent, string Name)>? Locate(JsonObject o, string key)
    {
        if (o.ContainsKey(key))
        {
            return [(o, key)];
        }

        for (var dot = key.LastIndexOf('.'); dot > 0; dot = key.LastIndexOf('.', dot - 1))
        {
            if (o[key[..dot]] is JsonObject inner && Locate(inner, key[(dot + 1)..]) is { } rest)
            {
                rest.Insert(0, (o, key[..dot]));
                return rest;
            }
        }

        return null;
    }

    /// <summary>The config: sections and keys in schema order, then <c>extra</c> (keys sorted).</summary>
    public JsonObject ToJson()
    {
        var result = new JsonObject();
        var schema = RecipeSchema.Current;
        foreach (var section in schema.Sections)
        {
            var keys = schema.Keys.Where(k => k.Section == section && _values.ContainsKey(k.Path)).ToArray();
            if (keys.Length == 0)
            {
                continue;
            }

            var o = new JsonObject();
            foreach (var key in keys)
            {
                o[key.Name] = _values[key.Path]?.DeepClone();
            }

            result[section] = o;
        }

        if (_extra.Count > 0)
        {
            result["extra"] = Sorted(_extra);
        }

        return result;
    }

    private void Merge(JsonObject target, JsonObject source, string prefix, ValueOrigin origin)
    {
        foreach (var (key, value) in source)
        {
            var path = prefix + "." + key;
            if (value is JsonObject sub && target[key] is JsonObject existing)
            {
                Merge(existing, sub, path, origin);
            }
            else
            {
                target[key] = value?.DeepClone();
                _origins[path] = origin;
            }
        }
    }

    private static JsonNode Sorted(JsonObject o)
    {
        var result = new JsonObject();
        foreach (var (key, value) in o.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            result[key] = value is JsonObject sub ? Sorted(sub) : value?.DeepClone();
        }

        return result;
    }
}
