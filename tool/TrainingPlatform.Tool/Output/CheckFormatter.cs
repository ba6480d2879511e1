using System.Globalization;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Checks;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Diffing;
using TrainingPlatform.Core.Validation;

namespace TrainingPlatform.Tool.Output;

internal enum CheckFormat
{
    Text,
    Json,
    Github,
    Sarif,
    Markdown,
}

/// <summary>Prints a check report: text, JSON, GitHub workflow commands, SARIF (<see cref="SarifFormatter"/>) or a Markdown pull-request comment.</summary>
internal static class CheckFormatter
{
    public static void Write(TextWriter output, CheckReport report, CheckFormat format, Style style)
    {
        switch (format)
        {
            case CheckFormat.Json:
                output.WriteLine(JsonText.Write(ToJson(report)));
                break;
            case CheckFormat.Sarif:
                output.WriteLine(JsonText.Write(SarifFormatter.ToSarif(report)));
                break;
            case CheckFormat.Github:
                WriteGithub(output, report);
                break;
            case CheckFormat.Markdown:
                WriteMarkdown(output, report);
                break;
            default:
                WriteText(output, report, style);
                break;
        }
    }

    /// <summary>"Checked 2 changed recipes against main (1a2b3c4) at 7B, 70B: 1 error, 0 warnings."</summary>
    public static string Summary(CheckReport report) =>
        $"Checked {Count(report.Recipes.Count, "changed recipe")} against {Base(report)} at {string.Join(", ", report.Sizes)}: " +
        $"{Count(report.ErrorCount, "error")}, {Count(report.WarningCount, "warning")}.";

    private static string Base(CheckReport report) =>
        report.BaseCommit == Core.Project.GitRepository.EmptyTree ? report.BaseLabel
        : report.BaseLabel.StartsWith(report.ShortBase, StringComparison.Ordinal) ? report.BaseLabel
        : $"{report.BaseLabel} ({report.ShortBase})";

    /// <summary>"my_sft 1.2.0 → 1.3.0 (modified)", "my_sft 0.1.0 (added)".</summary>
    public static string Headline(RecipeChange r)
    {
        var id = r.Id ?? "(no id)";
        var versions = r.Kind switch
        {
            RecipeChangeKind.Added => r.Version ?? "?",
            RecipeChangeKind.Deleted => r.BaseVersion ?? "?",
            _ => $"{r.BaseVersion ?? "?"} → {r.Version ?? "?"}",
        };
        var detail = r.Kind switch
        {
            RecipeChangeKind.Renamed => $"renamed from {r.OldPath}",
            _ => r.KindName,
        };
        if (r.Kind is RecipeChangeKind.Modified or RecipeChangeKind.Renamed && !r.ContentChanged)
        {
            detail += ", content unchanged";
        }

        return $"{id} {versions} ({detail})";
    }

    private static void WriteText(TextWriter output, CheckReport report, Style style)
    {
        DiagnosticFormatter.WriteLines(output, report.Diagnostics, style);

        foreach (var r in report.Recipes)
        {
            output.WriteLine();
            output.WriteLine(style.Bold($"{r.Path}: {Headline(r)}"));
            foreach (var diff in r.Diffs)
            {
                if (diff.Report is { } diffReport)
                {
                    DiffFormatter.Write(output, diffReport, DiffFormat.Text, style);
                }
                else
                {
                    output.WriteLine($"{diff.Size}: {diff.Error}");
                }
            }
        }

        if (report.Recipes.Count == 0)
        {
            output.WriteLine($"No recipe changed since {Base(report)}.");
        }
        else
        {
            output.WriteLine();
        }

        var summary = Summary(report);
        output.WriteLine(report.ErrorCount > 0 ? style.Red(summary) : style.Green(summary));
    }

    private static void WriteGithub(TextWriter output, CheckReport report)
    {
        foreach (var d in report.Diagnostics)
        {
            output.WriteLine(DiagnosticFormatter.GithubCommand(d));
        }

        // Workflow commands are hidden from the log: say the same in plain lines.
        foreach (var r in report.Recipes)
        {
            output.WriteLine($"{r.Path}: {Headline(r)}");
            foreach (var diff in r.Diffs)
            {
                output.WriteLine(diff.Report is { } d ? $"  {diff.Size}: {DiffFormatter.Summary(d)}" : $"  {diff.Size}: {diff.Error}");
            }
        }

        output.WriteLine(Summary(report));
    }

    private static void WriteMarkdown(TextWriter output, CheckReport report)
    {
        output.WriteLine("## trainplat check");
        output.WriteLine();
        var verdict = report.ErrorCount > 0 ? $"**{Count(report.ErrorCount, "error")}**" : "no errors";
        output.WriteLine($"{Count(report.Recipes.Count, "changed recipe")} compared with {Code(Base(report))} at {string.Join(", ", report.Sizes)}: " +
                         $"{verdict}, {Count(report.WarningCount, "warning")}.");

        var byFile = report.Diagnostics.GroupBy(d => d.File, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        foreach (var r in report.Recipes)
        {
            output.WriteLine();
            output.WriteLine($"### {Code(r.Path)}: {Cell(Headline(r))}");
            if (byFile.Remove(r.Path, out var diagnostics))
            {
                output.WriteLine();
                WriteDiagnosticTable(output, diagnostics);
            }

            foreach (var diff in r.Diffs)
            {
                output.WriteLine();
                if (diff.Report is { } diffReport)
                {
                    DiffFormatter.Write(output, diffReport, DiffFormat.Markdown, new Style(false));
                }
                else
                {
                    output.WriteLine($"{diff.Size}: {Cell(diff.Error ?? "")}");
                }
            }
        }

        foreach (var (file, diagnostics) in byFile.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            output.WriteLine();
            output.WriteLine($"### {Code(file)}");
            output.WriteLine();
            WriteDiagnosticTable(output, diagnostics);
        }
    }

    private static void WriteDiagnosticTable(TextWriter output, IEnumerable<Diagnostic> diagnostics)
    {
        output.WriteLine("| | Line | Code | Message |");
        output.WriteLine("|---|---|---|---|");
        foreach (var d in diagnostics)
        {
            var message = Cell(d.Message) + (d.Hint is null ? "" : "<br>hint: " + Cell(d.Hint));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {(d.IsError ? "**error**" : "warning")} | {d.Line}:{d.Column} | {d.Code} | {message} |"));
        }
    }

    private static string Code(string text) => "`" + text.Replace("`", "'", StringComparison.Ordinal) + "`";

    private static string Cell(string text) =>
        text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal);

    private static JsonObject ToJson(CheckReport report) => new()
    {
        ["base"] = new JsonObject { ["revision"] = report.BaseLabel, ["commit"] = report.BaseCommit },
        ["sizes"] = JsonText.Array(report.Sizes),
        ["summary"] = new JsonObject
        {
            ["recipes"] = report.Recipes.Count,
            ["errors"] = report.ErrorCount,
            ["warnings"] = report.WarningCount,
        },
        ["recipes"] = new JsonArray([.. report.Recipes.Select(r => (JsonNode)new JsonObject
        {
            ["path"] = r.Path,
            ["old_path"] = r.OldPath,
            ["status"] = r.KindName,
            ["id"] = r.Id,
            ["base_version"] = r.BaseVersion,
            ["version"] = r.Version,
            ["base_hash"] = r.BaseHash is null ? null : "sha256:" + r.BaseHash,
            ["hash"] = r.Hash is null ? null : "sha256:" + r.Hash,
            ["content_changed"] = r.ContentChanged,
            ["diffs"] = new JsonArray([.. r.Diffs.Select(d =>
            {
                var o = d.Report is { } diffReport ? DiffFormatter.ToJson(diffReport) : new JsonObject();
                o.Insert(0, "size", d.Size);
                o.Insert(1, "error", d.Error);
                return (JsonNode)o;
            })]),
        })]),
        ["diagnostics"] = new JsonArray([.. report.Diagnostics.Select(d => (JsonNode)DiagnosticFormatter.Json(d))]),
    };

    private static string Count(int n, string noun) =>
        n.ToString(CultureInfo.InvariantCulture) + " " + noun + (n == 1 ? "" : "s");
}
