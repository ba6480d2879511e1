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
            var points = MetricPairs.Parse(parse.GetValue(values) ?? [], parse.GetValue(step), now);
            var project = ProjectContext.Discover(context.WorkingDirectory);
            using var lineage = StoreAccess.Open(context, project, parse.GetValue(store));
            var record = JobRules.Resolve(lineage, parse.GetValue(job)!);
            lineage.AppendMetrics(record.Id, points, source: null, now);
            return ExitCodes.Ok;
        });
        return command;
    }
}
