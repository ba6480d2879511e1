using System.CommandLine;
using System.Globalization;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands;

/// <summary><c>trainplat metrics log|import|show</c>: a job's metric points.</summary>
internal static class MetricsCommands
{
    public static Command Build(CliContext context)
    {
        var metrics = new Command("metrics", "A job's metrics: log points as training runs, import what a trainer wrote, show summaries and trends.");
        metrics.Subcommands.Add(Log(context));
        metrics.Subcommands.Add(Import(context));
        metrics.Subcommands.Add(Show(context));
        return metrics;
    }

    private static Command Log(CliContext context)
    {
        var job = new Argument<string>("job") { Description = "A job id or a unique prefix." };
        var values = new Argument<string[]>("values") { Description = "name=value pairs, e.g. loss=0.42 reward=0.61.", Arity = ArgumentArity.OneOrMore };
        var step = new Option<long>("--step") { Description = "The training step the values belong to.", Required = true, HelpName = "N" };
        var store = StoreAccess.Option();
        var command = new Command("log", "Record metric values of a job at one step (safe from several processes at once).") { job, values, step, store };
        command.SetAction(parse =>
        {
            if (!MetricsFile.IsStep(parse.GetValue(step)))
            {
                throw new UserErrorException($"--step must be 0 or more, not {parse.GetValue(step)}");
            }

            var now = JobRules.Truncate(context.Clock.GetUtcNow());
            var points = (parse.GetValue(values) ?? []).Select(v => ParsePoint(v, parse.GetValue(step), now)).ToArray();
            if (points.GroupBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
            {
                throw new UserErrorException($"metric '{twice.Key}' is given twice for step {parse.GetValue(step)}", "give each name once per step");
            }

            var project = ProjectContext.Discover(context.WorkingDirectory);
            using var lineage = StoreAccess.Open(context, project, parse.GetValue(store));
            var record = JobRules.Resolve(lineage, parse.GetValue(job)!);
            lineage.AppendMetrics(record.Id, points, source: null, now);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static MetricPoint ParsePoint(string text, long step, DateTimeOffset now)
    {
        var eq = text.LastIndexOf('=');
        if (eq <= 0 || eq == text.Length - 1)
        {
            throw new UserErrorException($"'{text}' is not name=value", "e.g. trainplat metrics log JOB --step 100 loss=0.42 reward=0.61");
        }

        var name = text[..eq];
        var value = text[(eq + 1)..];
        if (MetricsFile.NameProblem(name) is { } problem)
        {
            throw new UserErrorException(problem, $"a name is 1-{MetricsFile.MaxNameLength} characters without control characters");
        }

        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            number = value.ToUpperInvariant() switch
            {
                "NAN" => double.NaN,
                "INF" or "+INF" or "INFINITY" => double.PositiveInfinity,
                "-INF" or "-INFINITY" => double.NegativeInfinity,
                _ => throw new UserErrorException($"{name}={value}: '{value}' is not a number", "use a plain number such as 0.42 or 1e-5 (NaN and inf are accepted)"),
            };
        }

        return new MetricPoint(step, name, number, now);
    }

    private static Command Import(CliContext context)
    {
        var job = new Argument<string>("job") { Description = "A job id or a unique prefix." };
        var file = new Argument<string>("file") { Description = "JSON Lines (.jsonl/.ndjson: a step field and numeric fields) or CSV/TSV (a step column)." };
        var skipBad = new Option<bool>("--skip-bad") { Description = "Import the good lines and report the bad ones (default: a bad line imports nothing)." };
        var store = StoreAccess.Option();
        var format = CommonOptions.Format("text", "text", "json");
        var command = new Command("import", "Import the metrics a trainer wrote; all or nothing (one transaction); the same file twice adds nothing.")
        {
            job, file, skipBad, store, format,
        };
        command.SetAction(parse =>
        {
            var shown = parse.GetValue(file)!;
            var path = Path.GetFullPath(Path.Combine(context.WorkingDirectory, shown));
            if (!File.Exists(path))
            {
                throw new UserErrorException($"{shown}: no such file");
            }

            var now = JobRules.Truncate(context.Clock.GetUtcNow());
            var warming = Task.Run(LineageStore.Warm);
            MetricsFileResult read;
            try
            {
                read = MetricsFile.Read(path, now);
            }
            catch (UserErrorException ex)
            {
                throw new UserErrorException($"{shown}: {ex.Message}");
            }

            foreach (var p in read.Problems)
            {
                context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{shown}:{p.Line}: {p.Message}"));
            }

            if (read.MoreProblems > 0)
            {
                context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{shown}: … and {read.MoreProblems:N0} more bad lines"));
            }

            if (read.ProblemCount > 0 && !parse.GetValue(skipBad))
            {
                throw new UserErrorException(string.Create(CultureInfo.InvariantCulture, $"{shown}: {read.ProblemCount:N0} bad line{(read.ProblemCount == 1 ? "" : "s")}; nothing was imported"),
                    "fix the lines above, or import the good ones with --skip-bad");
            }

            if (read.Points.Count == 0)
            {
                throw new UserErrorException($"{shown}: no metric points to import");
            }

            warming.GetAwaiter().GetResult();
            var project = ProjectContext.Discover(context.WorkingDirectory);
            MetricWriteResult written;
            string id;
            using (var lineage = StoreAccess.Open(context, project, parse.GetValue(store)))
            {
                id = JobRules.Resolve(lineage, parse.GetValue(job)!).Id;
                written = lineage.AppendMetrics(id, read.Points, read.Sha256, now);
            }

            MetricsFormatter.WriteImport(context.Out, shown, id, read, written, parse.GetValue(format) == "json");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(CliContext context)
    {
        var job = new Argument<string>("job") { Description = "A job id or a unique prefix." };
        var name = new Option<string?>("--name") { Description = "Only this metric." };
        var width = new Option<int>("--width") { Description = "Characters of the trend sparkline.", DefaultValueFactory = _ => 24, HelpName = "N" };
        var store = StoreAccess.Option();
        var format = CommonOptions.Format("table", "table", "json");
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

            MetricsFormatter.WriteShow(context.Out, record, summaries, points, parse.GetValue(width), parse.GetValue(format) == "json");
            return ExitCodes.Ok;
        });
        return command;
    }
}
