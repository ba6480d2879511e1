using System.Globalization;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Lineage;
using static TrainingPlatform.Tool.Output.DataFormatter;

namespace TrainingPlatform.Tool.Output;

/// <summary><c>metrics compare</c>: a table (one row per metric, one column per job, <c>*</c> on the best), JSON or CSV.</summary>
internal static class CompareFormatter
{
    public static void Write(TextWriter output, MetricComparison c, TableCsvFormat format)
    {
        switch (format)
        {
            case TableCsvFormat.Json:
                WriteJson(output, c);
                return;
            case TableCsvFormat.Csv:
                WriteCsv(output, c);
                return;
        }

        if (c.Metrics.Count == 0)
        {
            output.WriteLine(Invariant($"none of the {c.Jobs.Count} jobs has metrics yet (`trainplat metrics log` or `trainplat metrics import` record them)"));
            return;
        }

        var table = new TextTable(["METRIC", "GOAL", "STEP", .. c.Jobs.Select(j => j.Id)]);
        foreach (var m in c.Metrics)
        {
            var common = c.At == CompareAt.Step ? c.Step : m.CommonStep;
            table.Add([
                m.Name, m.Goal == MetricGoal.Minimize ? "↓ min" : "↑ max", common is { } s ? Step(s) : "-",
                .. m.Values.Select(v => !v.Present ? "-"
                    : JobFormatter.Value(v.Value) + (common is null || v.Step != common ? " @" + Step(v.Step) : "") + (v.Best ? " *" : "")),
            ]);
        }

        table.Write(output);
        foreach (var j in c.Jobs)
        {
            output.WriteLine(TerminalText.Escape($"{j.Id}  {JobStatuses.Name(j.Status)}  {j.RecipeId}@{j.RecipeVersion}" + (j.Name is null ? "" : "  " + j.Name)));
        }

        output.WriteLine(c.At switch
        {
            CompareAt.Best => "values: each job's best (@ the step first reached)",
            CompareAt.Step => Invariant($"values: in effect at step {c.Step:N0} (@ an earlier step when a job logged none there; - when its metric starts after or ends before it)"),
            _ => "values: at each job's last step (@ the step when the jobs' last steps differ)",
        } + "; * best of the row: lowest for ↓ (loss-like names), else highest");
    }

    private static string Step(long step) => step.ToString("N0", CultureInfo.InvariantCulture);

    private static string At(MetricComparison c) => c.At switch
    {
        CompareAt.Best => "best",
        CompareAt.Step => "step",
        _ => "last",
    };

    private static string Goal(MetricGoal goal) => goal == MetricGoal.Minimize ? "minimize" : "maximize";

    private static void WriteJson(TextWriter output, MetricComparison c)
    {
        var o = new JsonObject { ["at"] = At(c) };
        if (c.At == CompareAt.Step)
        {
            o["step"] = c.Step;
        }

        o["jobs"] = new JsonArray([.. c.Jobs.Select(j => (JsonNode)new JsonObject
        {
            ["id"] = j.Id,
            ["name"] = j.Name,
            ["status"] = JobStatuses.Name(j.Status),
            ["recipe"] = j.RecipeId,
            ["recipe_version"] = j.RecipeVersion,
        })]);
        o["metrics"] = new JsonArray([.. c.Metrics.Select(m => (JsonNode)new JsonObject
        {
            ["name"] = m.Name,
            ["goal"] = Goal(m.Goal),
            ["best"] = JsonText.Array(m.Values.Select((v, i) => (v, i)).Where(x => x.v.Best).Select(x => c.Jobs[x.i].Id)),
            ["values"] = new JsonArray([.. m.Values.Select((v, i) => (JsonNode)new JsonObject
            {
                ["job"] = c.Jobs[i].Id,
                ["step"] = v.Present ? v.Step : null,
                ["value"] = v.Present ? JobFormatter.Number(v.Value) : null,
                ["best"] = v.Best,
            })]),
        })]);
        output.WriteLine(JsonText.Write(o));
    }

    /// <summary>Wide, as the table: <c>metric,goal,JOB,JOB_step,…,best</c> (best: the ids of the best jobs, space-separated).</summary>
    private static void WriteCsv(TextWriter output, MetricComparison c)
    {
        var csv = new CsvText(output);
        csv.Row(["metric", "goal", .. c.Jobs.SelectMany(j => new[] { j.Id, j.Id + "_step" }), "best"]);
        foreach (var m in c.Metrics)
        {
            csv.Row([
                m.Name, Goal(m.Goal),
                .. m.Values.SelectMany(v => v.Present ? new[] { CsvText.Number(v.Value), CsvText.Number(v.Step) } : ["", ""]),
                string.Join(' ', m.Values.Select((v, i) => (v, i)).Where(x => x.v.Best).Select(x => c.Jobs[x.i].Id)),
            ]);
        }
    }
}
