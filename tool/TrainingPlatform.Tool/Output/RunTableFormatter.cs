using System.Globalization;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Lineage;
using static TrainingPlatform.Tool.Output.DataFormatter;

namespace TrainingPlatform.Tool.Output;

/// <summary><c>job list --columns</c>: the run table (the id, then a column per key) as a table, JSON or CSV.</summary>
internal static class RunTableFormatter
{
    /// <param name="more">More jobs matched than <c>--limit</c> let through.</param>
    /// <param name="sort">The sort key as given, for the line under the table.</param>
    public static void Write(TextWriter output, RunTable table, bool more, string? sort, TableCsvFormat format)
    {
        var keys = table.Columns.Where(k => !(k.Kind == RunKeyKind.Field && k.Path == "id")).ToArray();
        if (format == TableCsvFormat.Json)
        {
            output.WriteLine(JsonText.Write(new JsonArray([.. table.Rows.Select(r =>
            {
                var o = new JsonObject { ["id"] = r.Job.Id };
                foreach (var (key, value) in Cells(table, r))
                {
                    o[key.Text] = !value.Present ? null : value.IsNumber ? JobFormatter.Number(value.Number) : JsonValue.Create(value.Text);
                }

                return (JsonNode)o;
            })])));
            return;
        }

        if (format == TableCsvFormat.Csv)
        {
            var csv = new CsvText(output);
            csv.Row(["id", .. keys.Select(k => k.Text)]);
            foreach (var r in table.Rows)
            {
                csv.Row([r.Job.Id, .. Cells(table, r).Select(c => !c.Value.Present ? "" : c.Value.IsNumber ? CsvText.Number(c.Value.Number) : c.Value.Text)]);
            }

            return;
        }

        if (table.Rows.Count == 0)
        {
            output.WriteLine("No jobs match.");
            return;
        }

        var text = new TextTable(["ID", .. keys.Select(k => k.Text)]);
        foreach (var r in table.Rows)
        {
            text.Add([r.Job.Id, .. Cells(table, r).Select(c => Display(c.Key, c.Value))]);
        }

        text.Write(output);
        output.WriteLine((more
            ? Invariant($"the first {table.Rows.Count:N0} jobs; more match (--limit N or --limit 0 shows more)")
            : Invariant($"{table.Rows.Count:N0} job{Plural(table.Rows.Count)}")) + (sort is null ? "" : ", by " + sort + (sort.StartsWith('-') ? " (descending)" : "")));
    }

    private static IEnumerable<(RunKey Key, RunValue Value)> Cells(RunTable table, RunRow row) =>
        table.Columns.Select((k, i) => (k, row.Values[i])).Where(c => !(c.k.Kind == RunKeyKind.Field && c.k.Path == "id"));

    /// <summary>Metric values as <c>metrics show</c> prints them (6 significant digits); config and field numbers in full.</summary>
    private static string Display(RunKey key, RunValue value) =>
        !value.Present ? "-"
        : !value.IsNumber ? value.Text!
        : key.Kind == RunKeyKind.Metric ? JobFormatter.Value(value.Number)
        : value.Number.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);
}
