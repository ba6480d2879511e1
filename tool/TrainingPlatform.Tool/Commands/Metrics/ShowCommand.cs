using System.CommandLine;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Text;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Metrics;

internal static class ShowCommand
{
    public static Command Build(CliContext context)
    {
        var job = new Argument<string>("job") { Description = "A job id or a unique prefix." };
        var name = new Option<string[]>("--name", "--metric") { Description = "Only metrics matching NAME (* and ? match any characters, / included). Repeatable; --metric is the same option.", HelpName = "GLOB", Arity = ArgumentArity.OneOrMore };
        var width = new Option<int>("--width") { Description = "Characters of the trend sparkline.", DefaultValueFactory = _ => 24, HelpName = "N" };
        var series = new Option<bool>("--series") { Description = "The points themselves (step, value, time) instead of summaries, as JSON or CSV." };
        var points = new Option<int?>("--points") { Description = "With --series: at most N points per metric, downsampled by largest-triangle-three-buckets (first and last kept).", HelpName = "N" };
        var store = StoreAccess.Option();
        var format = FormatOption.Create<TableCsvFormat>();
        var command = new Command("show", "Per metric: points, first, last, min, max, the best step (lower is better for loss-like names) and a sparkline; or the points (--series).")
        {
            job, name, width, series, points, store, format,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(width) is < 1 or > 400)
            {
                throw new UserErrorException("--width must be between 1 and 400");
            }

            var asSeries = parse.GetValue(series);
            var chosen = format.Get(parse);
            if (parse.GetValue(points) is { } n && (!asSeries || n < 2))
            {
                throw new UserErrorException(asSeries ? $"--points must be 2 or more, not {n}" : "--points goes with --series",
                    "e.g. trainplat metrics show JOB --series --points 500 --format csv");
            }

            if (asSeries && chosen == TableCsvFormat.Text)
            {
                throw new UserErrorException("--series prints points for programs: give --format json or --format csv", "e.g. trainplat metrics show JOB --series --name loss --format csv > loss.csv");
            }

            var project = ProjectContext.Discover(context.WorkingDirectory);
            var patterns = parse.GetValue(name) ?? [];
            JobRecord record;
            IReadOnlyList<MetricSeries> read;
            using (var lineage = StoreAccess.OpenForReading(context, project, parse.GetValue(store)))
            {
                record = JobRules.Resolve(lineage, parse.GetValue(job)!);
                var all = record.Metrics.Select(m => m.Name).ToArray();
                foreach (var pattern in patterns.Where(p => !all.Any(m => NameGlob.Matches(p, m))))
                {
                    throw new UserErrorException($"job {record.Id} has no metric {(NameGlob.IsPattern(pattern) ? "matching " : "")}'{pattern}'",
                        Suggestions.DidYouMean(pattern, all) ?? (all.Length == 0 ? "no metrics are logged yet" : "metrics: " + string.Join(", ", all)));
                }

                // Only the chosen metrics' points are read.
                read = lineage.ReadSeries(record.Id, patterns.Length == 0 ? null : all.Where(m => NameGlob.MatchesAny(patterns, m)).ToHashSet(StringComparer.Ordinal));
            }

            if (asSeries)
            {
                var shown = read.Select(s => parse.GetValue(points) is { } max ? (s, MetricDownsampling.Lttb(s.Steps, s.Values, max)) : (s, (int[]?)null)).ToArray();
                SeriesFormatter.Write(context.Out, record, shown, chosen);
                return ExitCodes.Ok;
            }

            // Which way is better, the best point and the per-step series come from Core; the formatter only prints them.
            var values = read.ToDictionary(s => s.Name, s => s.Values, StringComparer.Ordinal);
            var metrics = record.Metrics.Where(m => NameGlob.MatchesAny(patterns, m.Name)).Select(m =>
            {
                var goal = MetricGoals.Guess(m.Name);
                var (step, value) = MetricGoals.Best(m, goal);
                return new MetricView(m, goal, step, value, values.GetValueOrDefault(m.Name) ?? []);
            }).ToArray();
            MetricsFormatter.WriteShow(context.Out, new MetricsShowReport(record, metrics), parse.GetValue(width), chosen);
            return ExitCodes.Ok;
        });
        return command;
    }
}
