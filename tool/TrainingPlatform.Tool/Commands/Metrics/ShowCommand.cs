using System.CommandLine;
using System.Globalization;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Metrics;

internal static class ShowCommand
{
    public static Command Build(CliContext context)
    {
        var job = new Argument<string>("job") { Description = "A job id or a unique prefix." };
        var name = new Option<string?>("--name") { Description = "Only this metric." };
        var width = new Option<int>("--width") { Description = "Characters of the trend sparkline.", DefaultValueFactory = _ => 24, HelpName = "N" };
        var store = StoreAccess.Option();
        var format = FormatOption.Create<TableFormat>();
        var command = new Command("show", "Per metric: points, first, last, min, max, the best step (lower is better for loss-like names) and a sparkline.")
        {
            job, name, width, store, format,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(width) is < 1 or > 400)
            {
                throw new UserErrorException("--width must be between 1 and 400");
            }

            var project = ProjectContext.Discover(context.WorkingDirectory);
            JobRecord record;
            IReadOnlyList<MetricPoint> points;
            using (var lineage = StoreAccess.OpenForReading(context, project, parse.GetValue(store)))
            {
                record = JobRules.Resolve(lineage, parse.GetValue(job)!);
                points = lineage.ReadMetrics(record.Id, parse.GetValue(name));
            }

            var summaries = record.Metrics.Where(m => parse.GetValue(name) is not { } n || m.Name == n).ToArray();
            if (parse.GetValue(name) is { } wanted && summaries.Length == 0)
            {
                var near = Core.Text.Suggestions.DidYouMean(wanted, [.. record.Metrics.Select(m => m.Name)]);
                throw new UserErrorException($"job {record.Id} has no metric '{wanted}'",
                    near ?? (record.Metrics.Count == 0 ? "no metrics are logged yet" : "metrics: " + string.Join(", ", record.Metrics.Select(m => m.Name))));
            }

            // Which way is better, the best point and the per-step series come from Core; the formatter only prints them.
            var series = MetricSummaries.Series(points);
            var metrics = summaries.Select(m =>
            {
                var goal = MetricGoals.Guess(m.Name);
                var (step, value) = MetricGoals.Best(m, goal);
                return new MetricView(m, goal, step, value, series.GetValueOrDefault(m.Name) ?? []);
            }).ToArray();
            MetricsFormatter.WriteShow(context.Out, new MetricsShowReport(record, metrics), parse.GetValue(width), format.Get(parse));
            return ExitCodes.Ok;
        });
        return command;
    }
}
