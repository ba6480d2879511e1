using System.CommandLine;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Metrics;

internal static class LogCommand
{
    public static Command Build(CliContext context)
    {
        var job = new Argument<string>("job") { Description = "A job id or a unique prefix." };
        var values = new Argument<string[]>("values") { Description = "name=value pairs, e.g. loss=0.42 reward=0.61.", Arity = ArgumentArity.ZeroOrMore };
        var step = new Option<long>("--step") { Description = "The training step the values belong to.", HelpName = "N" };
        var stdin = new Option<bool>("--stdin") { Description = "Read lines `STEP name=value …` from standard input until it ends, one transaction per 1,000 lines or per second." };
        var skipBad = new Option<bool>("--skip-bad") { Description = "With --stdin: report a bad line and go on (default: a bad line ends the stream; the lines before it stay recorded)." };
        var start = new Option<bool>("--start") { Description = "Move a pending job to running first (without it, a pending job's metrics are refused)." };
        var store = StoreAccess.Option();
        var format = FormatOption.Create<TextFormat>();
        var command = new Command("log", "Record metric values of a job at one step (safe from several processes at once), or a stream of steps with --stdin.")
        {
            job, values, step, stdin, skipBad, start, store, format,
        };
        command.SetAction(parse =>
        {
            var given = parse.GetValue(values) ?? [];
            if (parse.GetValue(stdin))
            {
                if (parse.GetResult(step) is not null || given.Length > 0)
                {
                    throw new UserErrorException("--stdin reads the steps and values from standard input; give neither --step nor name=value pairs with it",
                        "e.g. python train.py | trainplat metrics log JOB --stdin   (lines like `100 loss=0.42 reward=0.61`)");
                }

                return Stream(context, parse.GetValue(job)!, parse.GetValue(store), parse.GetValue(skipBad), parse.GetValue(start), format.Get(parse));
            }

            if (parse.GetResult(step) is null)
            {
                throw new UserErrorException("metrics log needs --step N and name=value pairs, or --stdin",
                    "e.g. trainplat metrics log JOB --step 100 loss=0.42 reward=0.61");
            }

            if (given.Length == 0)
            {
                throw new UserErrorException("no values to log: give name=value pairs after the job", "e.g. trainplat metrics log JOB --step 100 loss=0.42 reward=0.61");
            }

            if (parse.GetValue(skipBad) || parse.GetResult(format) is not null)
            {
                throw new UserErrorException("--skip-bad and --format go with --stdin", "one step on the command line is recorded or refused as a whole and prints nothing");
            }

            if (!MetricsFile.IsStep(parse.GetValue(step)))
            {
                throw new UserErrorException($"--step must be 0 or more, not {parse.GetValue(step)}");
            }

            var now = JobRules.Truncate(context.Clock.GetUtcNow());
            var points = MetricPairs.Parse(given, parse.GetValue(step), now);
            var project = ProjectContext.Discover(context.WorkingDirectory);
            using var lineage = StoreAccess.Open(context, project, parse.GetValue(store));
            var record = JobRules.Resolve(lineage, parse.GetValue(job)!);
            var starting = parse.GetValue(start);
            lineage.AppendMetrics(record.Id, points, source: null, now, j => JobRules.ForMetrics(j, starting, "metrics log", now));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary><c>--stdin</c>: the job is admitted before anything is read, and a signal ends the stream after what was read is recorded (<see cref="StreamingJob"/>).</summary>
    private static int Stream(CliContext context, string job, string? storeOption, bool skipBad, bool start, TextFormat format)
    {
        var project = ProjectContext.Discover(context.WorkingDirectory);
        using var streaming = StreamingJob.Start(context, project, job, storeOption, start, "metrics log");
        var id = streaming.Id;
        var options = new MetricsPipeOptions { SkipBad = skipBad };
        using var input = context.Input();
        var result = MetricsPipe.Record(input, id, () => StoreAccess.Open(context, project, storeOption), context.Clock, options,
            problem => MetricsFormatter.WriteLineProblem(context.Error, options.InputName, problem), streaming.Cancellation);
        MetricsFormatter.WriteStream(format == TextFormat.Json ? context.Out : context.Error, id, result, format);
        return streaming.ExitCode(result.Interrupted);
    }
}
