using System.Globalization;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Recipes;

namespace TrainingPlatform.Tool.Output;

/// <summary>Prints a recipe's history as a table (newest first) or JSON.</summary>
internal static class HistoryFormatter
{
    public static void Write(TextWriter output, RecipeHistoryReport report, TableFormat format, Style style)
    {
        if (format == TableFormat.Json)
        {
            output.WriteLine(JsonText.Write(ToJson(report)));
            return;
        }

        WriteTable(output, report, style);
    }

    private static void WriteTable(TextWriter output, RecipeHistoryReport report, Style style)
    {
        output.WriteLine(style.Bold($"{TerminalText.Escape(report.Path)} ({TerminalText.Escape(report.Id)}): {Count(report.Revisions.Count, "commit")}, {Count(report.VersionCount, "version")}"));
        var table = new TextTable("COMMIT", "DATE", "AUTHOR", "VERSION", "CONTENT HASH", "NOTE");
        foreach (var r in report.Revisions)
        {
            table.Add(
                r.Commit[..Math.Min(7, r.Commit.Length)],
                r.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                r.Author,
                r.Version ?? "-",
                r.Hash is null ? "-" : "sha256:" + r.Hash[..12],
                (r.Unbumped ? "! " : "") + r.Note);
        }

        output.WriteLine(table.Header);
        var lines = table.Rows();
        for (var i = 0; i < lines.Count; i++)
        {
            output.WriteLine(report.Revisions[i].Unbumped ? style.Red(lines[i]) : lines[i]);
        }

        output.WriteLine(report.UnbumpedCount == 0
            ? "Every content change raised the version."
            : $"{Count(report.UnbumpedCount, "commit")} changed the content without bumping the version (marked !).");
    }

    private static JsonObject ToJson(RecipeHistoryReport report) => new()
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

    private static string Count(int n, string noun) =>
        n.ToString(CultureInfo.InvariantCulture) + " " + noun + (n == 1 ? "" : "s");
}
