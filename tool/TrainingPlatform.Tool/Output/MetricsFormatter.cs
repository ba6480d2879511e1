using System.Globalization;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Text;
using static TrainingPlatform.Tool.Output.DataFormatter;

namespace TrainingPlatform.Tool.Output;

/// <summary>One metric as <c>metrics show</c> reports it: its summary, which way is better, its best point and its values per step.</summary>
internal sealed record MetricView(MetricSummary Summary, MetricGoal Goal, long BestStep, double Best, IReadOnlyList<double> Series);

/// <summary>What <c>metrics show</c> prints: the job and its metrics, every value already computed by Core.</summary>
internal sealed record MetricsShowReport(JobRecord Job, IReadOnlyList<MetricView> Metrics);

/// <summary>Text and JSON for the <c>metrics</c> commands.</summary>
internal static class MetricsFormatter
{
    /// <summary>The bad lines of a metrics file, on stderr: <c>train.jsonl:12: …</c>.</summary>
    public static void WriteProblems(TextWriter error, string file, MetricsFileResult read)
    {
        foreach (var p in read.Problems)
        {
            error.WriteLine(TerminalText.Escape(p.Where is { } where ? Invariant($"{file}: {where}: {p.Message}") : Invariant($"{file}:{p.Line}: {p.Message}")));
        }

        if (read.MoreProblems > 0)
        {
            error.WriteLine(Invariant($"{file}: … and {read.MoreProblems:N0} more bad {Unit(read)}s"));
        }
    }

    /// <summary>Names the name rule refused and the reader mapped: one note per name, once.</summary>
    public static void WriteMapped(TextWriter error, string file, MetricsFileResult read)
    {
        foreach (var (written, stored) in read.Mapped)
        {
            error.WriteLine(TerminalText.Escape($"trainplat: note: {file}: metric name '{written}' has white space, which metric names cannot have; stored as '{stored}'"));
        }
    }

    /// <param name="started">The import moved the job from pending to running (<c>--start</c>).</param>
    public static void WriteImport(TextWriter output, string file, string job, MetricsFileResult read, MetricWriteResult written, bool started, TextFormat format)
    {
        if (format == TextFormat.Json)
        {
            output.WriteLine(JsonText.Write(new JsonObject
            {
                ["job"] = job,
                ["file"] = file,
                ["format"] = MetricsFile.FormatName(read.Format),
                ["sha256"] = read.Sha256,
                ["lines"] = read.Lines,
                ["bad_lines"] = read.ProblemCount,
                ["points"] = written.Points,
                ["metrics"] = JsonText.Array(written.Names),
                ["already_imported"] = written.AlreadyImported,
                ["started"] = started,
            }));
            return;
        }

        if (written.AlreadyImported)
        {
            output.WriteLine(TerminalText.Escape($"{file} was imported into job {job} before (same content, sha256 {JobFormatter.Short(read.Sha256)}); nothing added" + Started(started)));
            return;
        }

        output.WriteLine(TerminalText.Escape(Invariant($"imported {written.Points:N0} point{Plural(written.Points)} of {written.Names.Count} metric{Plural(written.Names.Count)} ({string.Join(", ", written.Names)}) from {file} into job {job}") +
            (read.ProblemCount > 0 ? Invariant($"; skipped {read.ProblemCount:N0} bad {Unit(read)}{Plural(read.ProblemCount)}") : "") + Started(started)));
    }

    /// <summary>What a problem is in: a record of a TensorBoard event file (its problems say where), else a line.</summary>
    public static string Unit(MetricsFileResult read) => read.Problems.Any(p => p.Where is not null) ? "record" : "line";

    private static string Started(bool started) => started ? "; the job is running now (--start)" : "";

    /// <summary>A bad line of <c>metrics log --stdin --skip-bad</c>, on stderr as it is found: <c>&lt;stdin&gt;:12:7: …</c>.</summary>
    public static void WriteLineProblem(TextWriter error, string input, MetricLineProblem problem) =>
        error.WriteLine(TerminalText.Escape(Invariant($"{input}:{problem.Line}:{problem.Column}: {problem.Message}")));

    /// <summary>The end of <c>metrics log --stdin</c>: a line on stderr, or an object on stdout with <c>--format json</c>.</summary>
    public static void WriteStream(TextWriter output, string job, MetricsPipeResult result, TextFormat format)
    {
        if (format == TextFormat.Json)
        {
            output.WriteLine(JsonText.Write(new JsonObject
            {
                ["job"] = job,
                ["lines"] = result.Lines,
                ["bad_lines"] = result.BadLines,
                ["points"] = result.Points,
                ["metrics"] = JsonText.Array(result.Names),
                ["transactions"] = result.Transactions,
                ["interrupted"] = result.Interrupted,
            }));
            return;
        }

        output.WriteLine(TerminalText.Escape(
            (result.Interrupted ? "trainplat: interrupted: " : "trainplat: ") +
            Invariant($"recorded {result.Points:N0} point{Plural(result.Points)} for {result.Names.Count} metric{Plural(result.Names.Count)}") +
            (result.Names.Count is > 0 and <= 8 ? " (" + string.Join(", ", result.Names) + ")" : "") +
            Invariant($" from {result.Lines:N0} line{Plural(result.Lines)} into job {job}") +
            (result.BadLines > 0 ? Invariant($"; skipped {result.BadLines:N0} bad line{Plural(result.BadLines)}") : "")));
    }

    /// <summary>What <c>--follow</c> says as it goes, on stderr: <c>train.jsonl:12: …</c> for a skipped bad record, <c>trainplat: train.jsonl: …</c> otherwise.</summary>
    public static void WriteFollowEvent(TextWriter error, MetricsFollowEvent e) =>
        error.WriteLine(TerminalText.Escape(e.BadRecord
            ? (e.Line > 0 ? Invariant($"{e.File}:{e.Line}: {e.Message}") : $"{e.File}: {e.Message}")
            : $"trainplat: {e.File}: {e.Message}"));

    /// <summary>The end of <c>--follow</c>: JSON on stdout, or one line on stderr (stdout stays empty, as for <c>metrics log --stdin</c>).</summary>
    public static void WriteFollow(TextWriter output, string job, string shown, MetricsFollowResult result, TextFormat format)
    {
        var finished = result.Finished is { } status ? JobStatuses.Name(status) : null;
        if (format == TextFormat.Json)
        {
            output.WriteLine(JsonText.Write(new JsonObject
            {
                ["job"] = job,
                ["path"] = shown,
                ["files"] = result.Files,
                ["lines"] = result.Lines,
                ["bad_lines"] = result.BadLines,
                ["points"] = result.Points,
                ["metrics"] = JsonText.Array(result.Names),
                ["transactions"] = result.Transactions,
                ["interrupted"] = result.Interrupted,
                ["job_finished"] = finished,
            }));
            return;
        }

        output.WriteLine(TerminalText.Escape(
            (result.Interrupted ? "trainplat: interrupted: " : "trainplat: ") +
            Invariant($"recorded {result.Points:N0} point{Plural(result.Points)} for {result.Names.Count} metric{Plural(result.Names.Count)}") +
            (result.Names.Count is > 0 and <= 8 ? " (" + string.Join(", ", result.Names) + ")" : "") +
            Invariant($" from {result.Lines:N0} new line{Plural(result.Lines)} of {shown}") + (result.Files == 1 ? "" : Invariant($" ({result.Files} files)")) +
            $" into job {job}" +
            (result.BadLines > 0 ? Invariant($"; skipped {result.BadLines:N0} bad line{Plural(result.BadLines)}") : "") +
            (finished is null ? "" : $"; the job was marked {finished}")));
    }

    public static void WriteShow(TextWriter output, MetricsShowReport report, int width, TableCsvFormat format)
    {
        var job = report.Job;
        if (format == TableCsvFormat.Csv)
        {
            var csv = new CsvText(output);
            csv.Row("metric", "count", "first", "first_step", "last", "last_step", "min", "min_step", "max", "max_step", "goal", "best", "best_step");
            foreach (var (m, goal, step, value, _) in report.Metrics)
            {
                csv.Row(m.Name, CsvText.Number(m.Count), CsvText.Number(m.First), CsvText.Number(m.FirstStep), CsvText.Number(m.Last), CsvText.Number(m.LastStep),
                    CsvText.Number(m.Min), CsvText.Number(m.MinStep), CsvText.Number(m.Max), CsvText.Number(m.MaxStep),
                    goal == MetricGoal.Minimize ? "minimize" : "maximize", CsvText.Number(value), CsvText.Number(step));
            }

            return;
        }

        if (format == TableCsvFormat.Json)
        {
            output.WriteLine(JsonText.Write(new JsonObject
            {
                ["job"] = job.Id,
                ["metrics"] = new JsonArray([.. report.Metrics.Select(m =>
                {
                    var o = JobFormatter.MetricJson(m.Summary);
                    o["goal"] = m.Goal == MetricGoal.Minimize ? "minimize" : "maximize";
                    o["best"] = JobFormatter.Number(m.Best);
                    o["best_step"] = m.BestStep;
                    o["sparkline"] = Sparkline.Render(m.Series, width);
                    return (JsonNode)o;
                })]),
            }));
            return;
        }

        if (report.Metrics.Count == 0)
        {
            output.WriteLine($"job {job.Id} has no metrics yet (`trainplat metrics log` or `trainplat metrics import` record them)");
            return;
        }

        var table = new TextTable("METRIC", "POINTS", "FIRST", "LAST", "MIN", "MAX", "BEST", "STEP", "TREND");
        foreach (var (m, goal, step, value, series) in report.Metrics)
        {
            table.Add(
                m.Name, m.Count.ToString("N0", CultureInfo.InvariantCulture), JobFormatter.Value(m.First), JobFormatter.Value(m.Last),
                JobFormatter.Value(m.Min), JobFormatter.Value(m.Max), (goal == MetricGoal.Minimize ? "↓ " : "↑ ") + JobFormatter.Value(value),
                step < 0 ? "-" : step.ToString("N0", CultureInfo.InvariantCulture), Sparkline.Render(series, width));
        }

        table.Write(output);
        var first = report.Metrics.Min(m => m.Summary.FirstStep);
        var last = report.Metrics.Max(m => m.Summary.LastStep);
        output.WriteLine(Invariant($"job {job.Id}, steps {first:N0}–{last:N0}; BEST is the lowest value for loss-like names (↓), else the highest (↑)"));
    }
}
