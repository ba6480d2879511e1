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
        var file = new Argument<string>("file")
        {
            Description = "A trainer's log: JSON Lines (.jsonl/.ndjson/.json: a step field and numeric fields), CSV/TSV (a step column), verl's file logger (.jsonl) or console output (.log), " +
                "a transformers/TRL trainer_state.json, a W&B history CSV, or a TensorBoard event file or log folder; the format is detected from the content and the name.",
        };
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

        // How the file is read and its metrics named (issue 18): --as, --only, --rename, --prefix.
        var readAs = new Option<string?>("--as")
        {
            Description = "Read the file as this format instead of detecting it: " + string.Join(", ", MetricsFile.FormatNames.Select(f => f.Name)) + ".",
            HelpName = string.Join("|", MetricsFile.FormatNames.Select(f => f.Name)),
        };
        readAs.AcceptOnlyFromAmong([.. MetricsFile.FormatNames.Select(f => f.Name)]);
        var only = new Option<string[]>("--only") { Description = "Import only the metrics whose name matches GLOB (* any characters, ? one); repeatable.", HelpName = "GLOB" };
        var rename = new Option<string[]>("--rename") { Description = "Store metric OLD (a name or glob) as NEW; each * in NEW is what a * of OLD matched, e.g. 'eval_*=eval/*'; repeatable, the first match applies.", HelpName = "OLD=NEW" };
        var prefix = new Option<string?>("--prefix") { Description = "Put P before every imported metric name (after --rename), e.g. --prefix sft/.", HelpName = "P" };
        command.Options.Add(readAs);
        command.Options.Add(only);
        command.Options.Add(rename);
        command.Options.Add(prefix);
        MetricsReadOptions ReadOptions(ParseResult parse) => MetricsReadOptions.Create(
            parse.GetValue(readAs) is { } name ? MetricsFile.ParseFormatName(name) : null,
            parse.GetValue(prefix), parse.GetValue(rename) ?? [], parse.GetValue(only) ?? []);

        command.SetAction(parse =>
        {
            var shown = parse.GetValue(file)!;
            var path = Path.GetFullPath(Path.Combine(context.WorkingDirectory, shown));
            if (parse.GetValue(follow))
            {
                return ImportFollow.Run(context, parse.GetValue(job)!, shown, path, parse.GetValue(store), parse.GetValue(skipBad), parse.GetValue(start), ReadOptions(parse), format.Get(parse));
            }

            if (!File.Exists(path) && !Directory.Exists(path))
            {
                throw new UserErrorException($"{shown}: no such file");
            }

            var readOptions = ReadOptions(parse);
            var now = JobRules.Truncate(context.Clock.GetUtcNow());
            var warming = Task.Run(LineageStore.Warm);
            MetricsFileResult read;
            try
            {
                read = MetricsFile.Read(path, now, readOptions);
            }
            catch (UserErrorException ex)
            {
                throw new UserErrorException($"{shown}: {ex.Message}", ex.Hint);
            }

            MetricsFormatter.WriteProblems(context.Error, shown, read);
            MetricsFormatter.WriteMapped(context.Error, shown, read);

            if (read.ProblemCount > 0 && !parse.GetValue(skipBad))
            {
                throw new UserErrorException(string.Create(CultureInfo.InvariantCulture, $"{shown}: {read.ProblemCount:N0} bad {MetricsFormatter.Unit(read)}{(read.ProblemCount == 1 ? "" : "s")}; nothing was imported"),
                    $"fix the {MetricsFormatter.Unit(read)}s above, or import the good ones with --skip-bad");
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
                written = lineage.AppendMetrics(id, read.Points, read.Source, now, j => JobRules.ForMetrics(j, starting, "metrics import", now));
                started = starting && record.Status == JobStatus.Pending;
            }

            MetricsFormatter.WriteImport(context.Out, shown, id, read, written, started, format.Get(parse));
            return ExitCodes.Ok;
        });
        return command;
    }
}
