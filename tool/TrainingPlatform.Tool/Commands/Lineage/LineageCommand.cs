using System.CommandLine;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Lineage;

/// <summary><c>trainplat lineage JOB | --dataset X | --recipe ID[@VERSION]</c>.</summary>
internal static class LineageCommand
{
    public static Command Build(CliContext context)
    {
        var job = new Argument<string?>("job") { Description = "A job id or unique prefix: show where it came from.", Arity = ArgumentArity.ZeroOrOne };
        var dataset = new Option<string?>("--dataset") { Description = "Which jobs used a dataset: NAME, NAME@HASH or a hash prefix.", HelpName = "NAME|HASH" };
        var recipe = new Option<string?>("--recipe") { Description = "Which jobs used a recipe (directly or as a base): ID or ID@VERSION.", HelpName = "ID[@VERSION]" };
        var store = StoreAccess.Option();
        var format = FormatOption.Create<TextFormat>();
        var command = new Command("lineage", "Where a job came from (recipe version → config → datasets → git commit → parent job), or which jobs used a dataset or recipe.")
        {
            job, dataset, recipe, store, format,
        };
        command.SetAction(parse =>
        {
            var given = new[] { parse.GetValue(job), parse.GetValue(dataset), parse.GetValue(recipe) }.Count(x => x is not null);
            if (given != 1)
            {
                throw new UserErrorException(given == 0 ? "give a JOB, --dataset NAME|HASH or --recipe ID[@VERSION]" : "give one of JOB, --dataset and --recipe",
                    "e.g. `trainplat lineage 3f9a1c07b2de` or `trainplat lineage --dataset data/train.jsonl`");
            }

            var chosen = format.Get(parse);
            var project = ProjectContext.Discover(context.WorkingDirectory);
            using var lineage = StoreAccess.OpenForReading(context, project, parse.GetValue(store));
            if (parse.GetValue(job) is { } id)
            {
                LineageFormatter.WriteTrace(context.Out, LineageQueries.Trace(lineage, JobRules.Resolve(lineage, id)), chosen);
            }
            else if (parse.GetValue(dataset) is { } d)
            {
                LineageFormatter.WriteDatasetUses(context.Out, d, LineageQueries.JobsUsingDataset(lineage, d), chosen);
            }
            else
            {
                var r = parse.GetValue(recipe)!;
                var at = r.IndexOf('@', StringComparison.Ordinal);
                LineageFormatter.WriteRecipeUses(context.Out, r, LineageQueries.JobsUsingRecipe(lineage, at < 0 ? r : r[..at], at < 0 ? null : r[(at + 1)..]), chosen);
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
