using TrainingPlatform.Core.Diffing;

namespace TrainingPlatform.Core.Reporting;

/// <summary>
/// <c>trainplat report</c> as asked (docs/report.md): which jobs (ids or prefixes, <c>--recipe</c>, <c>--tag</c>,
/// <c>--since</c>, <c>--all</c>, <c>--compare A B</c>; the union of them), the run table's columns, which metrics
/// start on a log scale, and how many points each series may keep.
/// </summary>
public sealed record ReportRequest
{
    /// <summary>Points kept per series when nothing else is asked (<c>--points</c>).</summary>
    public const int DefaultPoints = 2_000;

    /// <summary>
    /// Points kept in the whole report, over every series: what bounds the file's size whatever the number of metrics (a
    /// point costs about 30 bytes, in the SVG path and in the JSON data: 50,000 make about 1.5 MB).
    /// </summary>
    public const int DefaultTotalPoints = 50_000;

    /// <summary>Points a series keeps at least when the total budget is shared among many series.</summary>
    public const int MinPointsPerSeries = 100;

    /// <summary>The run table's columns when none are asked: the job fields; each metric's last value is added when any job logged one.</summary>
    public static readonly IReadOnlyList<string> DefaultColumns = ["id", "name", "status", "recipe", "recipe_version", "model", "gpus", "created", "tags"];

    /// <summary>Job ids or unique prefixes (4+ characters), as <c>job show</c> takes them.</summary>
    public IReadOnlyList<string> Jobs { get; init; } = [];

    /// <summary><c>--recipe ID[@VERSION]</c>: every job of that recipe.</summary>
    public string? Recipe { get; init; }

    /// <summary><c>--tag T</c>: every job with that tag.</summary>
    public string? Tag { get; init; }

    /// <summary><c>--since DATE</c>: every job created on or after it.</summary>
    public string? Since { get; init; }

    /// <summary><c>--all</c>: every job of the store (with filters: every job they match).</summary>
    public bool All { get; init; }

    /// <summary><c>--compare A B</c>: both jobs are in the report, and the one config diff is A → B (instead of each job against its parent).</summary>
    public (string Left, string Right)? Compare { get; init; }

    /// <summary>The run table's keys, as <c>job list --columns</c> takes them (globs allowed); <see cref="DefaultColumns"/> when empty.</summary>
    public IReadOnlyList<string> Columns { get; init; } = [];

    /// <summary><c>--log-scale GLOB</c>: metrics whose name matches start on a log scale (when all their values are above 0).</summary>
    public string? LogScale { get; init; }

    /// <summary>Points kept per series at most (largest-triangle-three-buckets).</summary>
    public int Points { get; init; } = DefaultPoints;

    /// <summary>Points kept over every series at most; each series keeps at least <see cref="MinPointsPerSeries"/> (or <see cref="Points"/> when fewer).</summary>
    public int TotalPoints { get; init; } = DefaultTotalPoints;

    /// <summary>The time the report says it was made (<c>--generated-at</c>; tests pin it).</summary>
    public required DateTimeOffset GeneratedAt { get; init; }

    /// <summary>This tool's version, for the page's generator line.</summary>
    public required string ToolVersion { get; init; }

    /// <summary>The project's importance globs for the config diffs, as <c>diff</c> uses them.</summary>
    public SeverityRules Rules { get; init; } = SeverityRules.SchemaOnly;

    /// <summary>How the report and its messages name the store (e.g. relative to the working folder); null: its full path.</summary>
    public string? StoreDisplay { get; init; }

    /// <summary>Whether a filter (<c>--recipe</c>, <c>--tag</c>, <c>--since</c>) was given.</summary>
    public bool HasFilters => Recipe is not null || Tag is not null || Since is not null;
}
