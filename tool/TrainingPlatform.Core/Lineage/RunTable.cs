using System.Globalization;
using System.Text.Json;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Text;

namespace TrainingPlatform.Core.Lineage;

/// <summary>Where a run-table key reads its value.</summary>
public enum RunKeyKind
{
    /// <summary>A field of the job record: <c>status</c>, <c>recipe</c>, <c>model</c>, …</summary>
    Field,

    /// <summary>A leaf of the job's rendered config, by dotted path: <c>optimizer.learning_rate</c>.</summary>
    Config,

    /// <summary>A summary of one metric: <c>metric:reward/mean.last</c>.</summary>
    Metric,
}

/// <summary>Which summary of a metric a <c>metric:NAME.STAT</c> key reads.</summary>
public enum MetricStat
{
    Last,
    First,
    Min,
    Max,
    Best,
    Count,
}

/// <summary>One column (or sort or filter) key, as resolved: <see cref="Text"/> is how it is named in headers and JSON.</summary>
public sealed record RunKey(string Text, RunKeyKind Kind, string Path, MetricStat Stat = MetricStat.Last);

/// <summary>The value of a key for one job: a number, a text, or nothing (the job lacks it).</summary>
public readonly record struct RunValue(double Number, string? Text, bool IsNumber)
{
    public static RunValue Missing => default;

    public bool Present => IsNumber || Text is not null;

    public static RunValue Of(double number) => new(number, null, true);

    public static RunValue Of(string text) => new(double.NaN, text, false);
}

/// <summary><c>job list --columns/--sort/--where</c> as given: column keys (globs allowed), one sort key (<c>-KEY</c> descending), filters.</summary>
public sealed record RunTableRequest(IReadOnlyList<string> Columns, string? Sort, IReadOnlyList<string> Where);

/// <summary>One job and its values, one per column.</summary>
public sealed record RunRow(JobRecord Job, IReadOnlyList<RunValue> Values);

/// <summary>The run table: the resolved columns and the rows that passed the filters, in order.</summary>
public sealed record RunTable(IReadOnlyList<RunKey> Columns, IReadOnlyList<RunRow> Rows);

/// <summary>
/// The run table of <c>job list</c> (docs/metrics.md, "Run table"): config values, job fields and metric summaries as columns.
/// Metric summaries come from the job records (no points are read); configs are read once per config hash, and only when
/// a config key is used.
/// <list type="bullet">
/// <item>A key is <c>metric:NAME[.STAT]</c> (STAT last, first, min, max, best or count; last when left out), a job field
/// (<see cref="Fields"/>), <c>config:PATH</c>, or else a config path. <c>*</c> and <c>?</c> in a column's NAME or PATH
/// expand to every match among the listed jobs, in ordinal order.</item>
/// <item><c>--sort KEY</c> ascending, <c>--sort -KEY</c> descending: numbers by value, texts ordinally, numbers before texts;
/// jobs without a value (or with NaN) last either way; ties keep the newest-first order.</item>
/// <item><c>--where KEY=VALUE</c> (VALUE may have globs; numerically equal when both are numbers), <c>KEY!=VALUE</c>,
/// <c>KEY&gt;N</c>, <c>KEY&gt;=N</c>, <c>KEY&lt;N</c>, <c>KEY&lt;=N</c> (numbers only); several must all hold. A job without
/// the key only passes <c>!=</c>.</item>
/// </list>
/// </summary>
public static class RunTables
{
    public const string MetricPrefix = "metric:";
    public const string ConfigPrefix = "config:";

    /// <summary>The job fields a key can name.</summary>
    public static readonly IReadOnlyList<string> Fields =
        ["id", "name", "status", "recipe", "recipe_version", "task", "algorithm", "model", "size", "parameters", "gpus", "nodes", "created", "updated", "tags"];

    private static readonly string[] Operators = ["!=", ">=", "<=", "=", ">", "<"];

    /// <exception cref="UserErrorException">A key that names nothing any listed job has, a bad sort key or filter.</exception>
    public static RunTable Build(IReadOnlyList<JobRecord> jobs, Func<string, string?> configByHash, RunTableRequest request)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(configByHash);
        ArgumentNullException.ThrowIfNull(request);
        var configs = new ConfigLeaves(configByHash);
        var columns = request.Columns.SelectMany(c => Expand(c, jobs, configs)).DistinctBy(k => k.Text, StringComparer.Ordinal).ToArray();
        var filters = request.Where.Select(w => ParseFilter(w, jobs, configs)).ToArray();
        RunKey? sort = null;
        var descending = false;
        if (request.Sort is { } s)
        {
            descending = s.StartsWith('-');
            sort = Single(descending ? s[1..] : s, "--sort", jobs, configs);
        }

        var rows = jobs
            .Where(j => filters.All(f => f.Holds(ValueOf(j, f.Key, configs))))
            .Select(j => new RunRow(j, [.. columns.Select(k => ValueOf(j, k, configs))]));
        if (sort is not null)
        {
            var key = sort;
            rows = rows.Select(r => (Row: r, Value: ValueOf(r.Job, key, configs)))
                .OrderBy(x => x.Value, new ValueOrder(descending))
                .Select(x => x.Row);
        }

        return new RunTable(columns, [.. rows]);
    }

    /// <summary>One key (a glob is refused): for <c>--sort</c> and <c>--where</c>.</summary>
    private static RunKey Single(string text, string option, IReadOnlyList<JobRecord> jobs, ConfigLeaves configs)
    {
        if (NameGlob.IsPattern(text))
        {
            throw new UserErrorException($"{option} takes one key, not the pattern '{text}'", "name the metric or config key exactly, e.g. metric:reward.last");
        }

        return Expand(text, jobs, configs).Single();
    }

    private static IEnumerable<RunKey> Expand(string text, IReadOnlyList<JobRecord> jobs, ConfigLeaves configs)
    {
        text = text.Trim();
        if (text.Length == 0)
        {
            throw new UserErrorException("an empty key", "keys are separated by commas: --columns optimizer.learning_rate,metric:reward.last");
        }

        if (text.StartsWith(MetricPrefix, StringComparison.Ordinal))
        {
            var rest = text[MetricPrefix.Length..];
            var stat = MetricStat.Last;
            var dot = rest.LastIndexOf('.');
            if (dot > 0 && Enum.TryParse<MetricStat>(rest[(dot + 1)..], ignoreCase: true, out var parsed) && rest[(dot + 1)..].All(char.IsAsciiLetterLower))
            {
                (rest, stat) = (rest[..dot], parsed);
            }

            var suffix = "." + stat.ToString().ToLowerInvariant();
            var names = jobs.SelectMany(j => j.Metrics).Select(m => m.Name).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
            var matched = names.Where(n => NameGlob.Matches(rest, n)).ToArray();
            if (matched.Length == 0 && jobs.Count > 0)
            {
                throw new UserErrorException($"no listed job has a metric matching '{rest}' (in key '{text}')",
                    Suggestions.DidYouMean(rest, names) ?? (names.Length == 0 ? "the listed jobs have no metrics yet" : "metrics: " + string.Join(", ", names.Take(20)) + (names.Length > 20 ? ", …" : "")));
            }

            return NameGlob.IsPattern(rest)
                ? matched.Select(n => new RunKey(MetricPrefix + n + suffix, RunKeyKind.Metric, n, stat))
                : [new RunKey(MetricPrefix + rest + suffix, RunKeyKind.Metric, rest, stat)];
        }

        if (!text.StartsWith(ConfigPrefix, StringComparison.Ordinal) && Fields.Contains(text, StringComparer.Ordinal))
        {
            return [new RunKey(text, RunKeyKind.Field, text)];
        }

        var path = text.StartsWith(ConfigPrefix, StringComparison.Ordinal) ? text[ConfigPrefix.Length..] : text;
        var keys = jobs.SelectMany(j => configs.Of(j).Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var found = keys.Where(k => NameGlob.Matches(path, k)).ToArray();
        if (found.Length == 0 && jobs.Count > 0)
        {
            throw new UserErrorException($"'{text}' is not a job field, a metric or a config key of any listed job",
                Suggestions.DidYouMean(path, [.. keys, .. Fields]) ?? "a key is a config path (optimizer.learning_rate), a job field (" + string.Join(", ", Fields) + ") or metric:NAME.last|first|min|max|best|count");
        }

        return NameGlob.IsPattern(path) ? found.Select(k => new RunKey(k, RunKeyKind.Config, k)) : [new RunKey(path, RunKeyKind.Config, path)];
    }

    private static Filter ParseFilter(string text, IReadOnlyList<JobRecord> jobs, ConfigLeaves configs)
    {
        foreach (var op in Operators)
        {
            var at = text.IndexOf(op, StringComparison.Ordinal);
            if (at <= 0 || Operators.Any(o => o != op && text.IndexOf(o, StringComparison.Ordinal) is var other && other >= 0 && other < at))
            {
                continue;
            }

            var key = Single(text[..at].Trim(), "--where", jobs, configs);
            var value = text[(at + op.Length)..].Trim();
            var isNumber = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number);
            if (op is not ("=" or "!=") && !isNumber)
            {
                throw new UserErrorException($"--where '{text}': {op} compares numbers, and '{value}' is not one", "e.g. --where 'metric:reward.last>0.5'");
            }

            return new Filter(key, op, value, isNumber ? number : null);
        }

        throw new UserErrorException($"--where '{text}' has no comparison", "give KEY=VALUE, KEY!=VALUE, KEY>N or KEY<N (>= and <= too), e.g. --where status=succeeded");
    }

    private static RunValue ValueOf(JobRecord job, RunKey key, ConfigLeaves configs) => key.Kind switch
    {
        RunKeyKind.Metric => MetricValue(job, key),
        RunKeyKind.Config => configs.Of(job).GetValueOrDefault(key.Path),
        _ => FieldValue(job, key.Path),
    };

    private static RunValue MetricValue(JobRecord job, RunKey key)
    {
        if (job.Metrics.FirstOrDefault(m => m.Name == key.Path) is not { } m)
        {
            return RunValue.Missing;
        }

        return RunValue.Of(key.Stat switch
        {
            MetricStat.First => m.First,
            MetricStat.Min => m.Min,
            MetricStat.Max => m.Max,
            MetricStat.Best => MetricGoals.Best(m, MetricGoals.Guess(m.Name)).Value,
            MetricStat.Count => m.Count,
            _ => m.Last,
        });
    }

    private static RunValue FieldValue(JobRecord j, string field) => field switch
    {
        "id" => RunValue.Of(j.Id),
        "name" => j.Name is null ? RunValue.Missing : RunValue.Of(j.Name),
        "status" => RunValue.Of(JobStatuses.Name(j.Status)),
        "recipe" => RunValue.Of(j.RecipeId),
        "recipe_version" => RunValue.Of(j.RecipeVersion),
        "task" => RunValue.Of(j.Task),
        "algorithm" => RunValue.Of(j.Algorithm),
        "model" => j.Model is null ? RunValue.Missing : RunValue.Of(j.Model),
        "size" => RunValue.Of(j.ModelSize),
        "parameters" => RunValue.Of(j.Parameters),
        "gpus" => RunValue.Of(j.Gpus),
        "nodes" => RunValue.Of(j.Nodes),
        "created" => RunValue.Of(Iso(j.Created)),
        "updated" => RunValue.Of(Iso(j.Updated)),
        "tags" => RunValue.Of(string.Join(",", j.Tags)),
        _ => RunValue.Missing,
    };

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private sealed record Filter(RunKey Key, string Op, string Value, double? Number)
    {
        public bool Holds(RunValue v)
        {
            if (Op == "!=")
            {
                return !Equal(v);
            }

            if (Op == "=")
            {
                return Equal(v);
            }

            if (!v.IsNumber || double.IsNaN(v.Number))
            {
                return false;
            }

            var n = Number!.Value;
            return Op switch
            {
                ">" => v.Number > n,
                ">=" => v.Number >= n,
                "<" => v.Number < n,
                _ => v.Number <= n,
            };
        }

        private bool Equal(RunValue v) =>
            v.Present && (v.IsNumber && Number is { } n
                ? v.Number == n
                : NameGlob.Matches(Value, v.IsNumber ? v.Number.ToString("R", CultureInfo.InvariantCulture) : v.Text!));
    }

    /// <summary>Present values first (numbers before texts), missing and NaN last whichever the direction.</summary>
    private sealed class ValueOrder(bool descending) : IComparer<RunValue>
    {
        public int Compare(RunValue a, RunValue b)
        {
            var ra = Rank(a);
            var rb = Rank(b);
            if (ra != rb)
            {
                return ra.CompareTo(rb);
            }

            var c = ra switch
            {
                0 => a.Number.CompareTo(b.Number),
                1 => string.CompareOrdinal(a.Text, b.Text),
                _ => 0,
            };
            return descending ? -c : c;
        }

        private static int Rank(RunValue v) => v.IsNumber ? (double.IsNaN(v.Number) ? 2 : 0) : v.Text is not null ? 1 : 2;
    }

    /// <summary>Each config's scalar leaves by dotted path, read once per config hash (arrays as compact JSON text).</summary>
    private sealed class ConfigLeaves(Func<string, string?> configByHash)
    {
        private readonly Dictionary<string, Dictionary<string, RunValue>> _byHash = new(StringComparer.Ordinal);

        public Dictionary<string, RunValue> Of(JobRecord job)
        {
            if (!_byHash.TryGetValue(job.ConfigHash, out var leaves))
            {
                leaves = new Dictionary<string, RunValue>(StringComparer.Ordinal);
                if (configByHash(job.ConfigHash) is { } json)
                {
                    using var doc = JsonDocument.Parse(json);
                    Flatten(doc.RootElement, "", leaves);
                }

                _byHash[job.ConfigHash] = leaves;
            }

            return leaves;
        }

        private static void Flatten(JsonElement e, string path, Dictionary<string, RunValue> into)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var p in e.EnumerateObject())
                    {
                        Flatten(p.Value, path.Length == 0 ? p.Name : path + "." + p.Name, into);
                    }

                    break;
                case JsonValueKind.Number:
                    into[path] = RunValue.Of(e.GetDouble());
                    break;
                case JsonValueKind.String:
                    into[path] = RunValue.Of(e.GetString()!);
                    break;
                case JsonValueKind.True or JsonValueKind.False:
                    into[path] = RunValue.Of(e.ValueKind == JsonValueKind.True ? "true" : "false");
                    break;
                case JsonValueKind.Array:
                    into[path] = RunValue.Of(e.GetRawText());
                    break;
                default:
                    into[path] = RunValue.Missing;
                    break;
            }
        }
    }
}
