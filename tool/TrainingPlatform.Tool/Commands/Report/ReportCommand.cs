using System.CommandLine;
using System.Globalization;
using System.Text;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Diffing;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Reporting;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Report;

/// <summary><c>trainplat report</c>: one self-contained HTML file of jobs, their curves, lineage and config diffs (docs/report.md).</summary>
internal static class ReportCommand
{
    public static Command Build(CliContext context)
    {
        var jobs = new Argument<string[]>("job") { Description = "Jobs to report (ids or unique prefixes); added to those the filters select.", Arity = ArgumentArity.ZeroOrMore };
        var recipe = new Option<string?>("--recipe", "-r") { Description = "Every job of this recipe: ID or ID@VERSION.", HelpName = "ID[@VERSION]" };
        var tag = new Option<string?>("--tag") { Description = "Every job with this tag." };
        var since = new Option<string?>("--since") { Description = "Every job created on or after DATE (2026-11-01, or an ISO 8601 time in UTC).", HelpName = "DATE" };
        var all = new Option<bool>("--all") { Description = "Every job in the store (with --recipe, --tag or --since: every job they match)." };
        var compare = new Option<string[]>("--compare")
        {
            Description = "Report jobs A and B and diff B's config against A's (instead of each job against its parent).",
            HelpName = "A B",
            Arity = new ArgumentArity(2, 2),
            AllowMultipleArgumentsPerToken = true,
        };
        var columns = new Option<string[]>("--columns", "-c")
        {
            Description = "The run table's columns, as `job list --columns` takes them: a config path, a job field or metric:NAME.STAT; * and ? match several. Repeatable.",
            HelpName = "KEY,…",
            Arity = ArgumentArity.OneOrMore,
        };
        var logScale = new Option<string?>("--log-scale") { Description = "Metrics whose name matches GLOB start on a log scale (when all their values are above 0), e.g. '*loss*'.", HelpName = "GLOB" };
        var points = new Option<int>("--points")
        {
            Description = "Points kept per series at most (largest-triangle-three-buckets; the report keeps at most 50,000 in all, at least 100 a series).",
            DefaultValueFactory = _ => ReportRequest.DefaultPoints,
            HelpName = "N",
        };
        var generatedAt = new Option<string?>("--generated-at") { Description = "The time the report says it was made (ISO 8601; default: now), for reproducible files.", HelpName = "TIME" };
        var output = new Option<string>("--output", "-o") { Description = "Write the HTML to FILE (- for standard output).", HelpName = "FILE", Required = true };
        var store = StoreAccess.Option();
        var command = new Command("report", "Write one self-contained HTML file of jobs: run table, metric charts, lineage graph, config diffs. No network needed to view it.")
        {
            jobs, recipe, tag, since, all, compare, columns, logScale, points, generatedAt, output, store,
        };
        command.SetAction(parse =>
        {
            var project = ProjectContext.Discover(context.WorkingDirectory);
            var rules = SeverityRules.FromGlobs(project.Config.Importance, out var rulesError)
                ?? throw new UserErrorException(rulesError!, project.ProjectFile is { } file ? "fix `importance:` in " + project.Display(file) : null);
            var given = parse.GetValue(output)!;
            var location = StoreAccess.Location(context, project, parse.GetValue(store));
            var target = given == "-" ? null : OutputFile.Target(context, given, "report", StoreAccess.Inputs(location));
            var pair = parse.GetValue(compare);
            var request = new ReportRequest
            {
                Jobs = parse.GetValue(jobs) ?? [],
                Recipe = parse.GetValue(recipe),
                Tag = parse.GetValue(tag),
                Since = parse.GetValue(since),
                All = parse.GetValue(all),
                Compare = pair is [var a, var b] ? (a, b) : null,
                Columns = parse.GetValue(columns) ?? [],
                LogScale = parse.GetValue(logScale),
                Points = parse.GetValue(points),
                GeneratedAt = GeneratedAt(parse.GetValue(generatedAt), context.Clock),
                ToolVersion = ToolVersion.Current,
                Rules = rules,
                StoreDisplay = location.DisplayFrom(context.WorkingDirectory),
            };

            ReportModel model;
            using (var lineage = StoreAccess.OpenForReading(context, project, parse.GetValue(store)))
            {
                model = ReportBuilder.Build(lineage, request);
            }

            using var html = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
            HtmlReportWriter.Write(html, model);
            var text = html.ToString();
            if (target is null)
            {
                context.Out.Write(text);
            }
            else
            {
                OutputFile.Write(target, text);
            }

            context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {(target is null ? "the report to standard output" : given)}: {model.Jobs.Count:N0} job{(model.Jobs.Count == 1 ? "" : "s")}, {model.Charts.Count:N0} chart{(model.Charts.Count == 1 ? "" : "s")} ({model.Budget.ShownPoints:N0} of {model.Budget.StoredPoints:N0} points), {Encoding.UTF8.GetByteCount(text):N0} bytes"));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static DateTimeOffset GeneratedAt(string? text, TimeProvider clock)
    {
        if (text is null)
        {
            return JobRules.Truncate(clock.GetUtcNow());
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t
            : throw new UserErrorException($"--generated-at '{text}' is not a time", "e.g. 2026-11-01T12:00:00Z (UTC unless it says otherwise)");
    }
}
