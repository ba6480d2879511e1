using TrainingPlatform.Core.Schema;

namespace TrainingPlatform.Core.Frameworks;

/// <summary>One key of a framework's config: its dotted path, the type of its default, and the default as upstream writes it.</summary>
/// <param name="Type">verl: <c>int</c>, <c>float</c>, <c>str</c>, <c>bool</c>, <c>list</c>, <c>map</c>, <c>null</c>;
/// TRL: the annotation (<c>int | None</c>, <c>list[str] | None</c>, ...).</param>
public sealed record FrameworkKey(string Path, string Type, string Default);

/// <summary>Every key a framework release accepts, read from a catalog file embedded in the tool.</summary>
public sealed class KeyTree
{
    private readonly Dictionary<string, FrameworkKey> _keys;

    private KeyTree(string name, string source, Dictionary<string, FrameworkKey> keys)
    {
        Name = name;
        Source = source;
        _keys = keys;
    }

    /// <summary>What the tree is, e.g. <c>verl 0.9.0 fsdp</c>.</summary>
    public string Name { get; }

    /// <summary>The catalog's first line: the upstream tag, commit and file it was read from.</summary>
    public string Source { get; }

    public IReadOnlyCollection<FrameworkKey> Keys => _keys.Values;

    public FrameworkKey? Find(string path) => _keys.GetValueOrDefault(path);

    public bool Contains(string path) => _keys.ContainsKey(path);

    /// <summary>This tree plus <paramref name="other"/>'s keys (other wins on a path both have).</summary>
    public KeyTree With(KeyTree other, string name)
    {
        var keys = new Dictionary<string, FrameworkKey>(_keys, StringComparer.Ordinal);
        foreach (var key in other.Keys)
        {
            keys[key.Path] = key;
        }

        return new KeyTree(name, Source + " + " + other.Source, keys);
    }

    /// <summary>
    /// Parses a catalog (tab-separated, <c>#</c> comment lines first, then a header naming its columns).
    /// <paramref name="keyColumn"/> names the path column; <paramref name="filter"/> keeps rows (e.g. one TRL class).
    /// </summary>
    internal static KeyTree Parse(string name, string text, string keyColumn, Func<IReadOnlyDictionary<string, string>, bool>? filter = null)
    {
        var lines = text.Split('\n');
        var source = lines.Length > 0 && lines[0].StartsWith('#') ? lines[0].TrimStart('#', ' ').TrimEnd('\r') : name;
        string[]? header = null;
        var keys = new Dictionary<string, FrameworkKey>(StringComparer.Ordinal);
        foreach (var raw in lines)
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var cells = line.Split('\t');
            if (header is null)
            {
                header = cells;
                continue;
            }

            var row = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < header.Length; i++)
            {
                row[header[i]] = i < cells.Length ? cells[i] : "";
            }

            if (filter is null || filter(row))
            {
                var path = row[keyColumn];
                keys[path] = new FrameworkKey(path, row.GetValueOrDefault("type", ""), row.GetValueOrDefault("default", ""));
            }
        }

        return new KeyTree(name, source, keys);
    }

    internal static string Resource(string file) => EmbeddedResources.ReadText("catalog/frameworks/" + file);
}
