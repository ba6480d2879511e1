using System.CommandLine;
using System.Globalization;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Metrics;

internal static class CompareCommand
{
    public static Command Build(CliContext context)
    {
        var jobs = new Argument<string[]>("jobs") { Description = "Two or more job ids (or unique prefixes), one column each.", Arity = ArgumentArity.ZeroOrMore };
        var name = new Option<string[]>("--name") { Description = "Only metrics matching NAME (* and ? match any characters, / included). Repeatable.", HelpName = "GLOB", Arity = ArgumentArity.OneOrMore };
        var at = new Option<string>("--at") { Description = "Where each job's value is read: last (its own last step), best (its best value), or a STEP (the value in effect there).", HelpName = "STEP|last|best", DefaultValueFactory = _ => "last" };
        var goal = new Option<string[]>("--goal") { Description = "Which way is better for metrics matching NAME, when the name does not tell: NAME=min or NAME=max. Repeatable.", HelpName = "GLOB=min|max", Arity = ArgumentArity.OneOrMore };
        var store = StoreAccess.Option();
        var format = FormatOption.Create<TableCsvFormat>();
        var command = new Command("compare", "Jobs side by side: one row per metric, one column per job, the best job of each row marked (lower is better for loss-like names).")
        {
            jobs, name, at, goal, store, format,
        };
        command.SetAction(parse =>
        {
            var given = parse.GetValue(jobs) ?? [];
            if (given.Length < 2)
            {
                throw new UserErrorException("metrics compare needs two or more jobs", "e.g. trainplat metrics compare 3f9a1c07b2de 8e21d4c95a10; `trainplat metrics show JOB` shows one");
            }

            var request = new CompareRequest(parse.GetValue(name) ?? [], CompareAt.Last, -1, [.. (parse.GetValue(goal) ?? []).Select(MetricComparisons.ParseGoal)]);
            request = parse.GetValue(at)!.Trim().ToLowerInvariant() switch
            {
                "last" => request,
                "best" => request with { At = CompareAt.Best },
                var s when long.TryParse(s, NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var step) && MetricsFile.IsStep(step) => request with { At = CompareAt.Step, Step = step },
                var s => throw new UserErrorException($"--at '{s}' is not a step, last or best", "e.g. --at 1000 (the values in effect at step 1,000), --at last or --at best"),
            };

            var project = ProjectContext.Discover(context.WorkingDirectory);
            MetricComparison comparison;
            using (var lineage = StoreAccess.OpenForReading(context, project, parse.GetValue(store)))
            {
                var records = given.Select(j => JobRules.Resolve(lineage, j)).ToArray();
                comparison = MetricComparisons.Compare(lineage, records, request);
            }

            CompareFormatter.Write(context.Out, comparison, format.Get(parse));
            return ExitCodes.Ok;
        });
        return command;
    }
}
