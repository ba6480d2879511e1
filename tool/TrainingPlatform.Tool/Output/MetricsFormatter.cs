using System.Globalization;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Text;
using static TrainingPlatform.Tool.Output.DataFormatter;

namespace TrainingPlatform.Tool.Output;

/// <summary>Text and JSON for the <c>metrics</c> commands.</summary>
internal static class MetricsFormatter
{
    public static void WriteImport(TextWriter output, string file, string job, MetricsFileResult read, MetricWriteResult written, bool json)
    {
        if (json)
        {
            output.WriteLine(JsonText.Write(new JsonObject
            {
                ["job"] = job,
                ["file"] = file,
                ["sha256"] = read.Sha256,
                ["lines"] = read.Lines,
                ["bad_lines"] = read.ProblemCount,
                ["points"] = written.Points,
                ["metrics"] = JsonText.Array(written.Names),
                ["already_imported"] = written.AlreadyImported,
            }));
            return;
        }

        if (written.AlreadyImported)
        {
            output.WriteLine($"{file} was imported into job {job} before (same content, sha256 {JobFormatter.Short(read.Sha256)}); nothing added");
            return;
        }

        output.WriteLine(Invariant($"imported {written.Points:N0} point{Plural(written.Points)} of {written.Names.Count} metric{Plural(written.Names.Count)} ({string.Join(", ", written.Names)}) from {file} into job {job}") +
            (read.ProblemCount > 0 ? Invariant($"; skipped {read.ProblemCount:N0} bad line{Plural(read.ProblemCount)}") : ""));
    }

    public static void WriteShow(TextWriter output, JobRecord job, IReadOnlyList<MetricSummary> summaries, IReadOnlyList<MetricPoint> points, int width, bool json)
    {
        var series = MetricSummaries.Series(points);
        if (json)
        {
            output.WriteLine(JsonText.Write(new JsonObject
            {
                ["job"] = job.Id,
                ["metrics"] = new JsonArray([.. summaries.Select(m =>
                {
                    var goal = MetricGoals.Guess(m.Name);
                    var (step, value) = MetricGoals.Best(m, goal);
                    var o = JobFormatter.MetricJson(m);
                    o["goal"] = goal == MetricGoal.Minimize ? "minimize" : "maximize";
                    o["best"] = JobFormatter.Number(value);
                    o["best_step"] = step;
                    o["sparkline"] = Sparkline.Render(series.GetValueOrDefault(m.Name) ?? [], width);
                    return (JsonNode)o;
                })]),
            }));
            return;
        }

        if (summaries.Count == 0)
        {
            output.WriteLine($"job {job.Id} has no metrics yet (`trainplat metrics log` or `trainplat metrics import` record them)");
            return;
        }

        string[] header = ["METRIC", "POINTS", "FIRST", "LAST", "MIN", "MAX", "BEST", "STEP", "TREND"];
        var rows = summaries.Select(m =>
        {
            var goal = MetricGoals.Guess(m.Name);
            var (step, value) = MetricGoals.Best(m, goal);
            return new[]
            {
                m.Name, m.Count.ToString("N0", CultureInfo.InvariantCulture), JobFormatter.Value(m.First), JobFormatter.Value(m.Last),
                JobFormatter.Value(m.Min), JobFormatter.Value(m.Max), (goal == MetricGoal.Minimize ? "↓ " : "↑ ") + JobFormatter.Value(value),
                step < 0 ? "-" : step.ToString("N0", CultureInfo.InvariantCulture), Sparkline.Render(series.GetValueOrDefault(m.Name) ?? [], width),
            };
        }).ToArray();
        var widths = header.Select((h, c) => rows.Select(r => r[c].Length).Append(h.Length).Max()).ToArray();
        output.WriteLine(Row(header, widths));
        foreach (var row in rows)
        {
            output.WriteLine(Row(row, widths));
        }

        var first = summaries.Min(m => m.FirstStep);
        var last = summaries.Max(m => m.LastStep);
        output.WriteLine(Invariant($"job {job.Id}, steps {first:N0}–{last:N0}; BEST is the lowest value for loss-like names (↓), else the highest (↑)"));
    }
}
