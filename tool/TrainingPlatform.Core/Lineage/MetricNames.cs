using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Text;

namespace TrainingPlatform.Core.Lineage;

/// <summary>
/// The one rule for metric names, used by every reader (<c>metrics import</c> of any format), by <c>metrics log</c>
/// (pairs and <c>--stdin</c>) and by <c>job import</c>: a name is 1–200 characters with no white space and no control
/// characters. Anything else (letters of any script, digits, <c>/ . - _ @ ( ) : =</c>) is allowed, so names read exactly
/// as the trainer logged them: <c>critic/score/mean</c>, <c>eval_loss</c>, <c>rewards/chosen</c>,
/// <c>val-core/gsm8k/reward/mean@1</c>, <c>critic/lr(1e-4)</c>.
/// <para>
/// A reader takes a name the rule refuses only for its white space: each white-space character becomes <c>_</c>
/// (<c>val loss</c> is stored as <c>val_loss</c>), and the import says so once per name. Commands that take names
/// from a person (<c>metrics log</c>) refuse them instead, with the mapped name as the hint.
/// </para>
/// </summary>
public static class MetricNames
{
    public const int MaxLength = 200;

    /// <summary>The rule in one line, for hints and help.</summary>
    public const string Rule = "a metric name is 1-200 characters without spaces or control characters";

    /// <summary>Why <paramref name="name"/> cannot be a metric's name, or null.</summary>
    public static string? Problem(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0)
        {
            return "a metric has an empty name";
        }

        if (name.Length > MaxLength)
        {
            return $"metric name {MetricsFile.Show(name)} is {name.Length} characters long, more than {MaxLength}";
        }

        foreach (var ch in name)
        {
            if (char.IsWhiteSpace(ch))
            {
                return ch == ' '
                    ? $"metric name {MetricsFile.Show(name)} contains a space"
                    : $"metric name {MetricsFile.Show(name)} contains white space (U+{(int)ch:X4})";
            }

            if (char.IsControl(ch))
            {
                return $"metric name {MetricsFile.Show(name)} contains a control character (U+{(int)ch:X4})";
            }
        }

        return null;
    }

    /// <summary>The name a reader stores for <paramref name="name"/>: white space replaced by <c>_</c> (the same string when it has none).</summary>
    public static string Map(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!name.Any(char.IsWhiteSpace))
        {
            return name;
        }

        var builder = new StringBuilder(name.Length);
        foreach (var ch in name)
        {
            builder.Append(char.IsWhiteSpace(ch) ? '_' : ch);
        }

        return builder.ToString();
    }

    /// <summary>True when <paramref name="glob"/> has <c>*</c> (any characters, <c>/</c> too) or <c>?</c> (one character).</summary>
    public static bool IsGlob(string glob) => NameGlob.IsPattern(glob);

    /// <summary>
    /// A glob over metric names as a regular expression (for <c>--rename</c>, which needs what each <c>*</c> matched):
    /// <c>*</c> is any run of characters, <c>?</c> one, each a group — the same language as <see cref="NameGlob"/>.
    /// </summary>
    public static Regex GlobRegex(string glob)
    {
        ArgumentNullException.ThrowIfNull(glob);
        var pattern = new StringBuilder("^");
        foreach (var ch in glob)
        {
            pattern.Append(ch switch
            {
                '*' => "(.*)",
                '?' => "(.)",
                _ => Regex.Escape(ch.ToString()),
            });
        }

        return new Regex(pattern.Append('$').ToString(), RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromSeconds(1));
    }
}

/// <summary>
/// <c>--rename OLD=NEW</c>: OLD is a name or a glob (<c>*</c>, <c>?</c>); each <c>*</c> in NEW takes what the next
/// <c>*</c> of OLD matched (<c>--rename 'eval_*=eval/*'</c> makes <c>eval_loss</c> <c>eval/loss</c>).
/// </summary>
public sealed class MetricRename
{
    private readonly Regex _old;
    private readonly int[] _stars;

    private MetricRename(string old, string @new)
    {
        Old = old;
        New = @new;
        _old = MetricNames.GlobRegex(old);
        var groups = new List<int>();
        var group = 0;
        foreach (var ch in old)
        {
            if (ch is '*' or '?')
            {
                group++;
                if (ch == '*')
                {
                    groups.Add(group);
                }
            }
        }

        _stars = [.. groups];
    }

    public string Old { get; }

    public string New { get; }

    /// <summary>Reads <c>OLD=NEW</c>, split at the last <c>=</c>.</summary>
    /// <exception cref="UserErrorException">It is not OLD=NEW, NEW has more <c>*</c> than OLD, or NEW breaks the name rule.</exception>
    public static MetricRename Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var eq = text.LastIndexOf('=');
        if (eq <= 0 || eq == text.Length - 1)
        {
            throw new UserErrorException($"--rename '{text}' is not OLD=NEW", "e.g. --rename 'eval_*=eval/*' or --rename loss=train/loss");
        }

        var old = text[..eq];
        var @new = text[(eq + 1)..];
        var stars = @new.Count(c => c == '*');
        if (stars > old.Count(c => c == '*'))
        {
            throw new UserErrorException($"--rename '{text}': NEW has {stars} '*' but OLD has {old.Count(c => c == '*')}",
                "each '*' in NEW takes what a '*' of OLD matched, in order");
        }

        if (MetricNames.Problem(@new.Replace("*", "x", StringComparison.Ordinal)) is { } problem)
        {
            throw new UserErrorException($"--rename '{text}': {problem}", MetricNames.Rule);
        }

        return new MetricRename(old, @new);
    }

    /// <summary>The new name when <paramref name="name"/> matches OLD, else null.</summary>
    public string? Apply(string name)
    {
        var match = _old.Match(name);
        if (!match.Success)
        {
            return null;
        }

        var result = new StringBuilder();
        var star = 0;
        foreach (var ch in New)
        {
            if (ch == '*')
            {
                result.Append(match.Groups[_stars[star++]].Value);
            }
            else
            {
                result.Append(ch);
            }
        }

        return result.ToString();
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Old}={New}");
}

/// <summary>
/// How an import names what it reads: <c>--only GLOB</c> (repeatable: a name matching any is kept), then
/// <c>--rename OLD=NEW</c> (repeatable: the first that matches applies), then <c>--prefix P</c>. Globs see the name after
/// the name rule (white space already <c>_</c>). The result is checked by the name rule again (a prefix can make a name too long).
/// </summary>
public sealed record MetricsReadOptions
{
    /// <summary>The format to read; null detects it from the content and the file name.</summary>
    public MetricsFileFormat? Format { get; init; }

    public string? Prefix { get; init; }

    public IReadOnlyList<MetricRename> Renames { get; init; } = [];

    public IReadOnlyList<string> Only { get; init; } = [];

    public static MetricsReadOptions Default { get; } = new();


    internal bool ChangesNames => Prefix is not null || Renames.Count > 0 || Only.Count > 0;

    /// <summary>The options as text, for <see cref="MetricsFileResult.Source"/>: <c>--as verl --only 'x' --rename 'a=b' --prefix 'p'</c>.</summary>
    internal string Signature(MetricsFileFormat format) => string.Join(" ",
        ["--as " + MetricsFile.FormatName(format),
         .. Only.Select(o => $"--only '{o}'"),
         .. Renames.Select(r => $"--rename '{r}'"),
         .. Prefix is null ? Array.Empty<string>() : [$"--prefix '{Prefix}'"]]);

    /// <exception cref="UserErrorException">The prefix breaks the name rule.</exception>
    public static MetricsReadOptions Create(MetricsFileFormat? format, string? prefix, IEnumerable<string> renames, IEnumerable<string> only)
    {
        if (prefix is not null && MetricNames.Problem(prefix) is { } problem)
        {
            throw new UserErrorException($"--prefix '{prefix}': {problem}", MetricNames.Rule);
        }

        return new MetricsReadOptions
        {
            Format = format,
            Prefix = prefix,
            Renames = [.. renames.Select(MetricRename.Parse)],
            Only = [.. only],
        };
    }

    /// <summary>
    /// A name as a reader found it, through the name rule's mapping (<see cref="MetricNames.Map"/>) and then <c>--only</c>,
    /// <c>--rename</c>, <c>--prefix</c>: the stored name (null when <c>--only</c> drops it), the problem that refuses it
    /// (null when none), and whether the rule's mapping changed it (to be said once).
    /// </summary>
    internal (string? Stored, string? Problem, bool Mapped) Resolve(string written)
    {
        var mapped = MetricNames.Map(written);
        var problem = MetricNames.Problem(mapped);
        var stored = problem is null ? Name(mapped) : null;
        if (stored is not null && !ReferenceEquals(stored, mapped))
        {
            problem = MetricNames.Problem(stored);
        }

        return (stored, problem, !ReferenceEquals(mapped, written));
    }

    /// <summary>The stored name for <paramref name="name"/> (already through the name rule's mapping), or null when <c>--only</c> drops it.</summary>
    internal string? Name(string name)
    {
        if (Only.Count > 0 && !NameGlob.MatchesAny(Only, name))
        {
            return null;
        }

        foreach (var rename in Renames)
        {
            if (rename.Apply(name) is { } renamed)
            {
                name = renamed;
                break;
            }
        }

        return Prefix + name;
    }
}
