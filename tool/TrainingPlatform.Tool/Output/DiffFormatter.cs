using System.Globalization;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Diffing;
using TrainingPlatform.Core.Rendering;
using TrainingPlatform.Core.Schema;
using TrainingPlatform.Core.Yaml;

namespace TrainingPlatform.Tool.Output;

internal enum DiffFormat
{
    Text,
    Json,
    Markdown,
}

/// <summary>Prints a diff report as text (grouped by severity), JSON, or a Markdown table for a pull-request comment.</summary>
internal static class DiffFormatter
{
    private static readonly Importance[] Severities = [Importance.Critical, Importance.Important, Importance.Minor];

    public static void Write(TextWriter output, DiffReport report, DiffFormat format, Style style)
    {
        switch (format)
        {
            case DiffFormat.Json:
                output.WriteLine(JsonText.Write(ToJson(report)));
                break;
            case DiffFormat.Markdown:
                WriteMarkdown(output, report);
                break;
            default:
                WriteText(output, report, style);
                break;
        }
    }

    /// <summary>"12 changes: 1 critical, 3 important, 8 minor."</summary>
    public static string Summary(DiffReport report) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{report.Changes.Count} change{(report.Changes.Count == 1 ? "" : "s")}: {report.Count(Importance.Critical)} critical, {report.Count(Importance.Important)} important, {report.Count(Importance.Minor)} minor.");

    /// <summary>A value on one line, YAML flow style: <c>1.0e-06</c>, <c>"1"</c>, <c>[q_proj, v_proj]</c>, <c>{name: a, weight: 1}</c>.</summary>
    public static string Value(JsonNode? node) => node switch
    {
        JsonObject o => "{" + string.Join(", ", o.Select(p => YamlText.String(p.Key) + ": " + Value(p.Value))) + "}",
        JsonArray a => "[" + string.Join(", ", a.Select(Value)) + "]",
        _ => YamlText.Scalar(node),
    };

    /// <summary>How much a number moved: "×0.5", "to zero", or for log-scale keys "+1.2 orders of magnitude"; null otherwise.</summary>
    public static string? Movement(Change change)
    {
        if (change.OrdersOfMagnitude is { } orders)
        {
            var format = Math.Abs(orders) >= 0.1 ? "+0.0;-0.0;0.0" : "+0.0##;-0.0##;0.0";
            return orders.ToString(format, CultureInfo.InvariantCulture) + " orders of magnitude";
        }

        // A ratio of 0 says nothing a reader can use ("×0e+0"): the value went to zero.
        return change.Ratio is { } ratio ? ratio == 0 ? "to zero" : "×" + Ratio(ratio) : null;
    }

    private static string Ratio(double ratio)
    {
        var magnitude = Math.Abs(ratio);
        if (magnitude is >= 1e-3 and < 1e6)
        {
            var scale = Math.Pow(10, 2 - (int)Math.Floor(Math.Log10(magnitude)));
            return (Math.Round(ratio * scale) / scale).ToString("0.######", CultureInfo.InvariantCulture);
        }

        return ratio.ToString("0.##e+0", CultureInfo.InvariantCulture);
    }

    private static void WriteText(TextWriter output, DiffReport report, Style style)
    {
        if (report.Changes.Count == 0)
        {
            output.WriteLine("No differences.");
            return;
        }

        output.WriteLine(style.Bold(TerminalText.Escape($"{report.Left.Label} → {report.Right.Label}")));
        foreach (var (name, left, right) in report.HeaderChanges)
        {
            output.WriteLine(TerminalText.Escape($"{(name + ":").PadRight(8)} {left} → {right}"));
        }
        foreach (var severity in Severities)
        {
            var group = report.Changes.Where(c => c.Severity == severity).ToArray();
            if (group.Length == 0)
            {
                continue;
            }

            var heading = string.Create(CultureInfo.InvariantCulture, $"{SeverityRules.Name(severity)} ({group.Length})");
            output.WriteLine();
            output.WriteLine(severity switch
            {
                Importance.Critical => style.Red(style.Bold(heading)),
                Importance.Important => style.Yellow(style.Bold(heading)),
                _ => style.Bold(heading),
            });
            foreach (var change in group)
            {
                output.WriteLine($"  {TerminalText.Escape(change.Path)}: {TextChange(change, style)}");
            }
        }

        output.WriteLine();
        output.WriteLine(Summary(report));
    }

    private static string TextChange(Change change, Style style) => change.Kind switch
    {
        ChangeKind.Added => style.Green("added") + ": " + Value(change.New),
        ChangeKind.Removed => style.Red("removed") + ": " + Value(change.Old),
        ChangeKind.TypeChanged => style.Yellow("type changed") +
                                  $": {Value(change.Old)} ({ConfigDiff.TypeName(change.Old)}) → {Value(change.New)} ({ConfigDiff.TypeName(change.New)})",
        _ => $"{Value(change.Old)} → {Value(change.New)}" + (Movement(change) is { } m ? $" ({m})" : ""),
    };

    private static void WriteMarkdown(TextWriter output, DiffReport report)
    {
        output.WriteLine($"#### trainplat diff: {Code(report.Left.Label)} → {Code(report.Right.Label)}");
        output.WriteLine();
        if (report.HeaderChanges.Count > 0)
        {
            foreach (var (name, left, right) in report.HeaderChanges)
            {
                output.WriteLine($"- {name}: {Code(left)} → {Code(right)}");
            }

            output.WriteLine();
        }

        if (report.Changes.Count == 0)
        {
            output.WriteLine("No differences.");
            return;
        }

        output.WriteLine("| Severity | Path | Old | New | Change |");
        output.WriteLine("|---|---|---|---|---|");
        foreach (var c in report.Changes)
        {
            var old = c.Kind == ChangeKind.Added ? "" : Code(Value(c.Old));
            var @new = c.Kind == ChangeKind.Removed ? "" : Code(Value(c.New));
            var what = c.Kind switch
            {
                ChangeKind.Added => "added",
                ChangeKind.Removed => "removed",
                ChangeKind.TypeChanged => $"type: {ConfigDiff.TypeName(c.Old)} → {ConfigDiff.TypeName(c.New)}",
                _ => Movement(c) ?? "changed",
            };
            var severity = SeverityRules.Name(c.Severity);
            output.WriteLine($"| {(c.Severity == Importance.Critical ? "**" + severity + "**" : severity)} | {Code(c.Path)} | {old} | {@new} | {Cell(what)} |");
        }

        output.WriteLine();
        output.WriteLine(Summary(report));
    }

    /// <summary>A code span for a table cell: pipes escaped (GFM tables need it even inside code), backticks fenced.</summary>
    private static string Code(string text)
    {
        var fence = text.Contains('`', StringComparison.Ordinal) ? "``" : "`";
        var pad = fence.Length > 1 || text.StartsWith('`') || text.EndsWith('`') ? " " : "";
        return Cell(fence + pad + text + pad + fence);
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);

    internal static JsonObject ToJson(DiffReport report) => new()
    {
        ["left"] = Operand(report.Left),
        ["right"] = Operand(report.Right),
        ["summary"] = new JsonObject
        {
            ["critical"] = report.Count(Importance.Critical),
            ["important"] = report.Count(Importance.Important),
            ["minor"] = report.Count(Importance.Minor),
            ["total"] = report.Changes.Count,
        },
        ["changes"] = new JsonArray([.. report.Changes.Select(c =>
        {
            var o = new JsonObject
            {
                ["path"] = c.Path,
                ["kind"] = c.KindName,
                ["old"] = c.Old?.DeepClone(),
                ["new"] = c.New?.DeepClone(),
                ["severity"] = SeverityRules.Name(c.Severity),
            };
            if (c.Ratio is { } ratio)
            {
                o["ratio"] = ratio;
            }

            if (c.OrdersOfMagnitude is { } orders)
            {
                o["orders_of_magnitude"] = orders;
            }

            return (JsonNode)o;
        })]),
    };

    private static JsonObject Operand(DiffOperand operand) => new()
    {
        ["operand"] = operand.Text,
        ["kind"] = operand.Kind switch
        {
            OperandKind.Recipe => "recipe",
            OperandKind.GitRevision => "git",
            OperandKind.Job => "job",
            _ => "file",
        },
        ["label"] = operand.Label,
        ["model"] = operand.Header.GetValueOrDefault("model"),
        ["cluster"] = operand.Header.GetValueOrDefault("cluster"),
    };
}
