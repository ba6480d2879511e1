using System.Globalization;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Validation;

namespace TrainingPlatform.Tool.Output;

internal enum DiagnosticFormat
{
    Text,
    Json,
    Github,
}

/// <summary>Prints a validation report in one of the formats; one formatter per format.</summary>
internal static class DiagnosticFormatter
{
    public static void Write(TextWriter output, ValidationReport report, DiagnosticFormat format, Style style)
    {
        switch (format)
        {
            case DiagnosticFormat.Json:
                output.WriteLine(JsonText.Write(ToJson(report)));
                break;
            case DiagnosticFormat.Github:
                foreach (var d in report.Diagnostics)
                {
                    output.WriteLine(GithubCommand(d));
                }

                output.WriteLine(Summary(report));
                break;
            default:
                WriteLines(output, report.Diagnostics, style);
                output.WriteLine(report.ErrorCount > 0 ? style.Red(Summary(report)) : style.Green(Summary(report)));
                break;
        }
    }

    /// <summary>
    /// The one way diagnostics are printed as text: <c>file:line:col: error CODE: message</c>, then <c>  hint: …</c>
    /// (validate and check on stdout; the files that stopped render, diff, job create and suggest on stderr).
    /// </summary>
    /// <param name="hints">Whether hint lines follow (render, job create and suggest have always printed the message alone).</param>
    public static void WriteLines(TextWriter output, IEnumerable<Diagnostic> diagnostics, Style style, bool hints = true)
    {
        foreach (var d in diagnostics)
        {
            var level = d.IsError ? style.Red("error") : style.Yellow("warning");
            output.WriteLine($"{TerminalText.Escape(Location(d))}: {level} {d.Code}: {TerminalText.Escape(d.Message)}");
            if (hints && d.Hint is not null)
            {
                output.WriteLine($"  {style.Dim("hint:")} {TerminalText.Escape(d.Hint)}");
            }
        }
    }

    public static string Location(Diagnostic d) =>
        string.Create(CultureInfo.InvariantCulture, $"{d.File}:{d.Line}:{d.Column}");

    public static string Summary(ValidationReport report)
    {
        var files = Count(report.Files.Count, "file");
        if (report.Diagnostics.Count == 0)
        {
            return $"Checked {files}: no problems found.";
        }

        var affected = report.Diagnostics.Select(d => d.File).Distinct(StringComparer.Ordinal).Count();
        return $"Checked {files}: {Count(report.ErrorCount, "error")}, {Count(report.WarningCount, "warning")} in {Count(affected, "file")}.";
    }

    /// <summary>A GitHub workflow command, escaped by the rules of actions/toolkit's command.ts.</summary>
    public static string GithubCommand(Diagnostic d)
    {
        var kind = d.IsError ? "error" : "warning";
        var props = string.Create(CultureInfo.InvariantCulture,
            $"file={EscapeProperty(d.File)},line={d.Line},col={d.Column},title={EscapeProperty(d.Code)}");
        var message = d.Message + (d.Hint is null ? "" : "\n" + d.Hint);
        return $"::{kind} {props}::{EscapeData(d.Code + ": " + message)}";
    }

    public static string EscapeData(string s) =>
        s.Replace("%", "%25", StringComparison.Ordinal).Replace("\r", "%0D", StringComparison.Ordinal).Replace("\n", "%0A", StringComparison.Ordinal);

    public static string EscapeProperty(string s) =>
        EscapeData(s).Replace(":", "%3A", StringComparison.Ordinal).Replace(",", "%2C", StringComparison.Ordinal);

    /// <summary>One diagnostic as <c>--format json</c> writes it (validate and check).</summary>
    public static JsonObject Json(Diagnostic d) => new()
    {
        ["file"] = d.File,
        ["line"] = d.Line,
        ["column"] = d.Column,
        ["severity"] = d.IsError ? "error" : "warning",
        ["code"] = d.Code,
        ["message"] = d.Message,
        ["hint"] = d.Hint,
        ["pointer"] = d.Pointer,
    };

    private static JsonObject ToJson(ValidationReport report) => new()
    {
        ["files"] = JsonText.Array(report.Files),
        ["summary"] = new JsonObject
        {
            ["files"] = report.Files.Count,
            ["errors"] = report.ErrorCount,
            ["warnings"] = report.WarningCount,
        },
        ["diagnostics"] = new JsonArray([.. report.Diagnostics.Select(d => (JsonNode)DiagnosticFormatter.Json(d))]),
    };

    private static string Count(int n, string noun) =>
        n.ToString(CultureInfo.InvariantCulture) + " " + noun + (n == 1 ? "" : "s");
}
