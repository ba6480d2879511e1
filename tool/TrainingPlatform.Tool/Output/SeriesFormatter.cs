using System.Text.Json.Nodes;
using TrainingPlatform.Core.Lineage;
using static TrainingPlatform.Tool.Output.DataFormatter;

namespace TrainingPlatform.Tool.Output;

/// <summary><c>metrics show --series</c>: each metric's points (those kept by the downsampling, when it ran), as JSON or CSV.</summary>
internal static class SeriesFormatter
{
    /// <param name="metrics">Each series with the indices of the points to print, or null for all of them.</param>
    public static void Write(TextWriter output, JobRecord job, IReadOnlyList<(MetricSeries Series, int[]? Kept)> metrics, TableCsvFormat format)
    {
        if (format == TableCsvFormat.Csv)
        {
            var csv = new CsvText(output);
            csv.Row("metric", "step", "value", "time");
            foreach (var (s, kept) in metrics)
            {
                foreach (var i in Indices(s, kept))
                {
                    csv.Row(s.Name, CsvText.Number(s.Steps[i]), CsvText.Number(s.Values[i]), Time(s.Times[i]));
                }
            }

            return;
        }

        output.WriteLine(JsonText.Write(new JsonObject
        {
            ["job"] = job.Id,
            ["metrics"] = new JsonArray([.. metrics.Select(m => (JsonNode)new JsonObject
            {
                ["name"] = m.Series.Name,
                ["count"] = m.Series.Count,
                ["shown"] = m.Kept?.Length ?? m.Series.Count,
                ["points"] = new JsonArray([.. Indices(m.Series, m.Kept).Select(i => (JsonNode)new JsonObject
                {
                    ["step"] = m.Series.Steps[i],
                    ["value"] = JobFormatter.Number(m.Series.Values[i]),
                    ["time"] = Time(m.Series.Times[i]),
                })]),
            })]),
        }));
    }

    private static IEnumerable<int> Indices(MetricSeries s, int[]? kept) => kept ?? Enumerable.Range(0, s.Count);

    private static string Time(long unixMs) => Iso(DateTimeOffset.FromUnixTimeMilliseconds(unixMs));
}
