using System.CommandLine;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
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
            var query = JobQueries.Parse(parse.GetValue(status), parse.GetValue(recipe), parse.GetValue(task), parse.GetValue(algorithm), parse.GetValue(modelSize), parse.GetValue(since), parse.GetValue(tag));
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

            JobFormatter.WriteList(context.Out, max > 0 && jobs.Length > max ? jobs[..max] : jobs, more: max > 0 && jobs.Length > max, format.Get(parse));
            return ExitCodes.Ok;
        });
        return command;
    }
}
