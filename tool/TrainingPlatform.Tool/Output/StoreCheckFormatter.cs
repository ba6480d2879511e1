using System.Globalization;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Lineage;

namespace TrainingPlatform.Tool.Output;

/// <summary><c>store check</c> as text (a summary line, then one line per damage) or JSON.</summary>
internal static class StoreCheckFormatter
{
    public static void Write(TextWriter output, StoreCheckReport report, string shownPath, TextFormat format)
    {
        if (format == TextFormat.Json)
        {
            output.WriteLine(JsonText.Write(new JsonObject
            {
                ["store"] = shownPath,
                ["schema"] = report.SchemaVersion,
                ["clean"] = report.IsClean,
                ["records"] = new JsonObject(report.Counts.Select(c => KeyValuePair.Create(c.Collection, (JsonNode?)c.Records))),
                ["damage"] = new JsonArray([.. report.Damage.Select(d => (JsonNode?)new JsonObject
                {
                    ["collection"] = d.Collection,
                    ["id"] = d.Id,
                    ["message"] = d.Message,
                })]),
            }));
            return;
        }

        var counts = string.Join(", ", report.Counts.Where(c => c.Records > 0 || c.Collection is "jobs" or "metrics")
            .Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Records:N0} {c.Collection}")));
        if (report.IsClean)
        {
            output.WriteLine($"{shownPath}: no damage (schema {report.SchemaVersion}; {counts})");
            return;
        }

        foreach (var d in report.Damage)
        {
            output.WriteLine($"{shownPath}: {d.Collection}{(d.Id is null ? "" : " " + d.Id)}: {d.Message}");
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{shownPath}: damaged: {report.Damage.Count} finding{(report.Damage.Count == 1 ? "" : "s")}{(counts.Length > 0 ? "; read " + counts : "")}; restore it from a backup or `job import` an export"));
    }
}
