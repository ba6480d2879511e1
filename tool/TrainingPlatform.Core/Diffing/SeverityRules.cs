using System.Text.Json;
using TrainingPlatform.Core.Schema;

namespace TrainingPlatform.Core.Diffing;

/// <summary>
/// How much a change at a config path matters: the <c>x-importance</c> of the schema key that holds
/// the path (<c>optimizer.learning_rate</c>; <c>lora.target_modules[1]</c> takes the importance of
/// <c>lora.target_modules</c>), overridden by the <c>importance:</c> globs of <c>trainplat.yaml</c>.
/// Paths the schema does not know (framework keys, <c>extra.*</c>) are minor.
/// </summary>
/// <remarks>
/// Globs match dotted paths: <c>*</c> matches within one segment (never a dot), <c>**</c> across
/// segments, <c>?</c> one character other than a dot; everything else is literal (brackets too,
/// so <c>extra.fns[*].weight</c> works). A glob applies to the paths it matches and to everything
/// below them, so <c>rl.*</c> covers the whole <c>rl</c> section. When several globs apply, the most
/// specific wins: the most literal characters, then the longer glob, then the first in ordinal order.
/// </remarks>
public sealed class SeverityRules
{
    private static readonly Lazy<Dictionary<string, (Importance Importance, bool LogScale)>> SchemaKeys = new(LoadSchemaKeys);

    private readonly IReadOnlyList<(string Glob, Importance Severity, int Literals)> _globs;

    private SeverityRules(IReadOnlyList<(string Glob, Importance Severity, int Literals)> globs)
    {
        _globs = globs;
    }

    /// <summary>The schema's importances alone, without project globs.</summary>
    public static SeverityRules SchemaOnly { get; } = new([]);

    /// <summary>The globs, most specific first.</summary>
    public IEnumerable<string> Globs => _globs.Select(g => g.Glob);

    /// <summary>
    /// Rules with <c>trainplat.yaml</c>'s <c>importance:</c> globs (glob → critical | important | minor).
    /// Returns null and says what is wrong when a value is not a severity or a glob is empty.
    /// </summary>
    public static SeverityRules? FromGlobs(IReadOnlyDictionary<string, string> globs, out string? error)
    {
        error = null;
        var list = new List<(string, Importance, int)>();
        foreach (var (glob, value) in globs)
        {
            if (glob.Trim().Length == 0)
            {
                error = "trainplat.yaml: `importance:` has an empty glob; write a dotted path such as \"rl.*\"";
                return null;
            }

            if (!TryParse(value, out var severity))
            {
                error = $"trainplat.yaml: importance of \"{glob}\" is '{value}', which is not a severity; use critical, important or minor";
                return null;
            }

            list.Add((glob, severity, glob.Count(c => c is not '*' and not '?')));
        }

        list.Sort((a, b) =>
        {
            var c = b.Item3.CompareTo(a.Item3);
            c = c != 0 ? c : b.Item1.Length.CompareTo(a.Item1.Length);
            return c != 0 ? c : string.CompareOrdinal(a.Item1, b.Item1);
        });
        return new SeverityRules(list);
    }

    public static bool TryParse(string text, out Importance severity)
    {
        switch (text)
        {
            case "critical":
                severity = Importance.Critical;
                return true;
            case "important":
                severity = Importance.Important;
                return true;
            case "minor":
                severity = Importance.Minor;
                return true;
            default:
                severity = Importance.Minor;
                return false;
        }
    }

    /// <summary>critical, important or minor.</summary>
    public static string Name(Importance severity) => severity switch
    {
        Importance.Critical => "critical",
        Importance.Important => "important",
        _ => "minor",
    };

    /// <summary>The severity of a change at a config path (<c>section.key</c>, or anything deeper or unknown).</summary>
    public Importance For(string configPath)
    {
        foreach (var (glob, severity, _) in _globs)
        {
            if (AppliesTo(glob, configPath))
            {
                return severity;
            }
        }

        return SchemaKey(configPath)?.Importance ?? Importance.Minor;
    }

    /// <summary>True when the schema marks the key holding the path <c>x-scale: log</c>.</summary>
    public static bool IsLogScale(string configPath) => SchemaKey(configPath)?.LogScale ?? false;

    /// <summary>The schema key holding a path: its first two segments, <c>section.key</c>.</summary>
    private static (Importance Importance, bool LogScale)? SchemaKey(string configPath)
    {
        var dot = configPath.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0)
        {
            return null;
        }

        var end = configPath.IndexOfAny(['.', '['], dot + 1);
        return SchemaKeys.Value.TryGetValue(end < 0 ? configPath : configPath[..end], out var key) ? key : null;
    }

    /// <summary>
    /// <c>x-importance</c> and <c>x-scale</c> of every config key, read from the embedded recipe schema
    /// directly: <see cref="RecipeSchema"/> builds a <see cref="SchemaDocument"/>, which loads
    /// JsonSchema.Net (about 150 ms of start-up) that a diff of two files never needs.
    /// </summary>
    private static Dictionary<string, (Importance, bool)> LoadSchemaKeys() =>
        RecipeSchema.Current.Keys.ToDictionary(k => k.Path, k => (k.Importance, k.LogScale), StringComparer.Ordinal);

    /// <summary>True when the glob matches the path or one of its ancestors (cut at a dot or a bracket).</summary>
    internal static bool AppliesTo(string glob, string path)
    {
        if (Matches(glob, path))
        {
            return true;
        }

        for (var i = path.Length - 1; i > 0; i--)
        {
            if (path[i] is '.' or '[' && Matches(glob, path.AsSpan(0, i)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Glob match of a whole path: <c>*</c> within a segment, <c>**</c> across segments, <c>?</c> one non-dot character.</summary>
    internal static bool Matches(ReadOnlySpan<char> glob, ReadOnlySpan<char> path)
    {
        while (glob.Length > 0)
        {
            if (glob[0] == '*')
            {
                var any = glob.Length > 1 && glob[1] == '*';
                var rest = glob[(any ? 2 : 1)..];
                for (var i = 0; i <= path.Length; i++)
                {
                    if (Matches(rest, path[i..]))
                    {
                        return true;
                    }

                    if (i < path.Length && !any && path[i] == '.')
                    {
                        return false;
                    }
                }

                return false;
            }

            if (path.Length == 0 || (glob[0] == '?' ? path[0] == '.' : glob[0] != path[0]))
            {
                return false;
            }

            glob = glob[1..];
            path = path[1..];
        }

        return path.Length == 0;
    }
}
