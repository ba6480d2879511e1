using System.CommandLine;
using System.Globalization;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Metrics;

internal static class ImportCommand
{
    public static Command Build(CliContext context)
    {
        var job = new Argument<string>("job") { Description = "A job id or a unique prefix." };
        var file = new Argument<string>("file") { Description = "JSON Lines (.jsonl/.ndjson: a step field and numeric fields) or CSV/TSV (a step column)." };
        var skipBad = new Option<bool>("--skip-bad") { Description = "Import the good lines and report the bad ones (default: a bad line imports nothing)." };
        var start = new Option<bool>("--start") { Description = "Move a pending job to running with this import (without it, a pending job's metrics are refused)." };
        // --follow (issue 18): tail a file or folder a running trainer writes.
        var follow = new Option<bool>("--follow")
        {
            Description = "Keep reading FILE (or every metrics file in a folder) as a trainer writes it, recording new complete records at least once a second; resumes where the last --follow stopped; ends on Ctrl-C or when the job is marked finished.",
        };
        var store = StoreAccess.Option();
        var format = FormatOption.Create<TextFormat>();
        var command = new Command("import", "Import the metrics a trainer wrote; all or nothing (one transaction); the same file twice adds nothing.")
        {
            job, file, skipBad, start, follow, store, format,
        };
        command.SetAction(parse =>
        {
            var shown = parse.GetValue(file)!;
            var path = Path.GetFullPath(Path.Combine(context.WorkingDirectory, shown));
            if (parse.GetValue(follow))
            {
                return ImportFollow.Run(context, parse.GetValue(job)!, shown, path, parse.GetValue(store), parse.GetValue(skipBad), parse.GetValue(start), format.Get(parse));
            }

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

            MetricsFormatter.WriteProblems(context.Error, shown, read);

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
            bool started;
            using (var lineage = StoreAccess.Open(context, project, parse.GetValue(store)))
            {
                var record = JobRules.Resolve(lineage, parse.GetValue(job)!);
                id = record.Id;
                var starting = parse.GetValue(start);
                written = lineage.AppendMetrics(id, read.Points, read.Sha256, now, j => JobRules.ForMetrics(j, starting, "metrics import", now));
                started = starting && record.Status == JobStatus.Pending;
            }

            MetricsFormatter.WriteImport(context.Out, shown, id, read, written, started, format.Get(parse));
            return ExitCodes.Ok;
        });
        return command;
    }
}
