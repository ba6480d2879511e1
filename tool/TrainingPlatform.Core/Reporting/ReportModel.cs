using TrainingPlatform.Core.Diffing;
using TrainingPlatform.Core.Lineage;

namespace TrainingPlatform.Core.Reporting;

/// <summary>Everything the HTML report shows, read from the store once; <see cref="HtmlReportWriter"/> only writes it.</summary>
public sealed record ReportModel(
    string ToolVersion,
    DateTimeOffset GeneratedAt,
    string StorePath,
    RunTable Table,
    IReadOnlyList<ReportJob> Jobs,
    IReadOnlyList<ReportChart> Charts,
    ReportBudget Budget,
    IReadOnlyList<GraphNode> Nodes,
    IReadOnlyList<GraphEdge> Edges,
    IReadOnlyList<ReportDiff> Diffs);

/// <summary>How the points were shared: at most <see cref="PerSeries"/> per series; how many the store has and how many are shown.</summary>
public sealed record ReportBudget(int PerSeries, int Total, int Series, long StoredPoints, long ShownPoints);

/// <summary>One metric's chart, with each series' stored point count (before downsampling) and whether every value is above 0 (a log scale is possible).</summary>
public sealed record ReportChart(ChartModel Chart, IReadOnlyList<long> StoredCounts, bool AllPositive);

/// <summary>One job's section: the record, its colour, its recipe chain (base first), config, datasets, findings and memory estimate.</summary>
public sealed record ReportJob(
    JobRecord Job,
    int Color,
    IReadOnlyList<RecipeVersionRecord> Recipes,
    string? ConfigJson,
    IReadOnlyList<ReportDataset> Datasets,
    IReadOnlyList<ReportFinding> Findings,
    ReportMemory? Memory,
    IReadOnlyList<string> Children)
{
    /// <summary>What the report calls the job: its name, else its id.</summary>
    public string Label => Job.Name ?? Job.Id;
}

/// <summary>A dataset a job read, with its sample count when the store has the version (null: unknown).</summary>
public sealed record ReportDataset(string Role, string Name, string Hash, long? Samples);

/// <summary>A pre-flight finding the job was created with (an error accepted with <c>--force</c>): code, config path, message.</summary>
public sealed record ReportFinding(string Code, string? Path, string Message)
{
    /// <summary>Reads a recorded finding: <c>CODE [path] message</c> as <c>job create --force</c> records it, else <c>CODE message</c>.</summary>
    public static ReportFinding Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            return new ReportFinding(text, null, "");
        }

        var code = text[..space];
        var rest = text[(space + 1)..];
        if (rest.StartsWith('[') && rest.IndexOf("] ", StringComparison.Ordinal) is > 0 and var end)
        {
            return new ReportFinding(code, rest[1..end], rest[(end + 2)..]);
        }

        return new ReportFinding(code, null, rest);
    }
}

/// <summary>The memory estimate recorded with the job (docs/memory.md, "The estimate as data").</summary>
public sealed record ReportMemory(IReadOnlyList<ReportMemoryTerm> Terms, double? TotalGb, double? GpuMemoryGb, bool? Fits, string? Precision, IReadOnlyList<string> Notes);

/// <summary>One term of a memory estimate: name, GB and how it was computed.</summary>
public sealed record ReportMemoryTerm(string Name, double Gb, string Formula);

/// <summary>A config diff: <see cref="LeftId"/> → <see cref="RightId"/>, because one is the other's parent or because <c>--compare</c> asked.</summary>
public sealed record ReportDiff(string LeftId, string LeftLabel, string RightId, string RightLabel, ReportDiffKind Kind, IReadOnlyList<Change> Changes);

public enum ReportDiffKind
{
    /// <summary>A job against the job it was cloned from.</summary>
    Parent,

    /// <summary>The two jobs of <c>--compare A B</c>.</summary>
    Compare,
}
