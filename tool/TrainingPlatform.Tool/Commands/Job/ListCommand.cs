using System.CommandLine;
using System.Globalization;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Job;

internal static class ListCommand
{
    public static Command Build(CliContext context)
    {
        var status = new Option<string?>("--status") { Description = "Only jobs with this status: " + JobStatuses.Names + ".", HelpName = "status" };
        var recipe = new Option<string?>("--recipe", "-r") { Description = "Only jobs of this recipe: ID or ID@VERSION.", HelpName = "ID[@VERSION]" };
        var task = new Option<string?>("--task") { Description = "Only jobs of this task (sft, dpo, grpo, …)." };
        var algorithm = new Option<string?>("--algorithm") { Description = "Only jobs of this algorithm." };
        var modelSize = new RenderTargetOptions().ModelSize;
        var since = new Option<string?>("--since") { Description = "Only jobs created on or after DATE (2026-11-01, or an ISO 8601 time in UTC).", HelpName = "DATE" };
        var tag = new Option<string?>("--tag") { Description = "Only jobs with this tag." };
        var limit = new Option<int>("--limit") { Description = "Show at most N jobs, newest first (0: all).", DefaultValueFactory = _ => 100, HelpName = "N" };
        var store = StoreAccess.Option();
        var format = FormatOption.Create<TableFormat>();
        var command = new Command("list", "List jobs, newest first, with filters (--model-size: only jobs at this model size).") { status, recipe, task, algorithm, modelSize, since, tag, limit, store, format };
        command.SetAction(parse =>
        {
            var query = Query(parse.GetValue(status), parse.GetValue(recipe), parse.GetValue(task), parse.GetValue(algorithm), parse.GetValue(modelSize), parse.GetValue(since), parse.GetValue(tag));
            if (parse.GetValue(limit) < 0)
            {
                throw new UserErrorException("--limit must be 0 (all) or a positive number");
            }

            var project = ProjectContext.Discover(context.WorkingDirectory);
            JobRecord[] jobs;
            var max = parse.GetValue(limit);
            using (var lineage = StoreAccess.OpenForReading(context, project, parse.GetValue(store)))
            {
                // One more than shown tells whether there are more.
                jobs = max > 0 ? [.. lineage.ListJobs(query).Take(max + 1)] : [.. lineage.ListJobs(query)];
            }

            JobFormatter.WriteList(context.Out, max > 0 && jobs.Length > max ? jobs[..max] : jobs, more: max > 0 && jobs.Length > max, parse.GetValue(format));
            return ExitCodes.Ok;
        });
        return command;
    }

    internal static JobQuery Query(string? status, string? recipe, string? task, string? algorithm, string? modelSize, string? since, string? tag)
    {
        JobStatus? wanted = null;
        if (status is not null)
        {
            wanted = JobStatuses.TryParse(status, out var s) ? s : throw new UserErrorException($"unknown status '{status}'", "statuses: " + JobStatuses.Names);
        }

        double? parameters = null;
        if (modelSize is not null)
        {
            parameters = ModelSize.TryParse(modelSize, out var size) ? size.Parameters : throw new UserErrorException($"'{modelSize}' is not a model size", "e.g. 7B, 1.5B, 500M, 8x7B");
        }

        DateTimeOffset? from = null;
        if (since is not null)
        {
            from = DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
                ? t
                : throw new UserErrorException($"--since '{since}' is not a date", "e.g. 2026-11-01 or 2026-11-01T12:00:00Z (UTC)");
        }

        string? recipeId = recipe;
        string? recipeVersion = null;
        if (recipe?.IndexOf('@', StringComparison.Ordinal) is > 0 and var at)
        {
            recipeId = recipe[..at];
            recipeVersion = recipe[(at + 1)..];
        }

        return new JobQuery(Status: wanted, RecipeId: recipeId, RecipeVersion: recipeVersion, Task: task, Algorithm: algorithm, Parameters: parameters, Since: from, Tag: tag);
    }
}
