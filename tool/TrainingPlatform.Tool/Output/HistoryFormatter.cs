using System.Globalization;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Recipes;

namespace TrainingPlatform.Tool.Output;

/// <summary>Prints a recipe's history as a table (newest first) or JSON.</summary>
internal static class HistoryFormatter
{
    public static void WriteTable(TextWriter output, RecipeHistoryReport report, Style style)
    {
        output.WriteLine(style.Bold($"{report.Path} ({report.Id}): {Count(report.Revisions.Count, "commit")}, {Count(report.VersionCount, "version")}"));
        string[] header = ["COMMIT", "DATE", "AUTHOR", "VERSION", "CONTENT HASH", "NOTE"];
        var rows = report.Revisions.Select(r => new[]
        {
            r.Commit[..Math.Min(7, r.Commit.Length)],
            r.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            r.Author,
            r.Version ?? "-",
            r.Hash is null ? "-" : "sha256:" + r.Hash[..12],
            (r.Unbumped ? "! " : "") + r.Note,
        }).ToArray();
        var widths = Enumerable.Range(0, header.Length - 1).Select(i => Math.Max(header[i].Length, rows.Max(r => r[i].Length))).ToArray();
        output.WriteLine(Line(header, widths));
        for (var i = 0; i < rows.Length; i++)
        {
            var line = Line(rows[i], widths);
            output.WriteLine(report.Revisions[i].Unbumped ? style.Red(line) : line);
        }

        output.WriteLine(report.UnbumpedCount == 0
            ? "Every content change raised the version."
            : $"{Count(report.UnbumpedCount, "commit")} changed the content without bumping the version (marked !).");
    }

    public static JsonObject ToJson(RecipeHistoryReport report) => new()
    {
        ["id"] = report.Id,
        ["path"] = report.Path,
        ["summary"] = new JsonObject
        {
            ["commits"] = report.Revisions.Count,
            ["versions"] = report.VersionCount,
            ["unbumped"] = report.UnbumpedCount,
        },
        ["revisions"] = new JsonArray([.. report.Revisions.Select(r => (JsonNode)new JsonObject
        {
            ["commit"] = r.Commit,
            ["date"] = r.Date.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
            ["author"] = r.Author,
            ["subject"] = r.Subject,
            ["path"] = r.Path,
            ["version"] = r.Version,
            ["hash"] = r.Hash is null ? null : "sha256:" + r.Hash,
            ["content_changed"] = r.ContentChanged,
            ["unbumped"] = r.Unbumped,
            ["note"] = r.Note,
        })]),
    };

    private static string Line(string[] cells, int[] widths) =>
        string.Join("  ", cells.Select((c, i) => i < widths.Length ? c.PadRight(widths[i]) : c)).TrimEnd();

    private static string Count(int n, string noun) =>
        n.ToString(CultureInfo.InvariantCulture) + " " + noun + (n == 1 ? "" : "s");
}
