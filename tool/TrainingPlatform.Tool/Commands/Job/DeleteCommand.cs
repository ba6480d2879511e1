using System.CommandLine;
using System.Globalization;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Job;

internal static class DeleteCommand
{
    public static Command Build(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "A job id (the full id: deleting by prefix is refused)." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Really delete the job and its metrics." };
        var store = StoreAccess.Option();
        var command = new Command("delete", "Delete a job and its metrics (needs --yes). Recipe versions, configs and dataset versions stay.") { id, yes, store };
        command.SetAction(parse =>
        {
            var project = ProjectContext.Discover(context.WorkingDirectory);
            using var lineage = StoreAccess.Open(context, project, parse.GetValue(store));
            var job = JobRules.Resolve(lineage, parse.GetValue(id)!);
            var children = lineage.FindJobs(new JobQuery(ParentId: job.Id));
            if (!parse.GetValue(yes))
            {
                var points = lineage.CountPoints(job.Id);
                throw new UserErrorException(
                    string.Create(CultureInfo.InvariantCulture, $"job {job.Id} ({JobStatuses.Name(job.Status)}, {points:N0} metric points) was not deleted: deleting needs --yes"),
                    $"`trainplat job export {job.Id} -o {job.Id}.jsonl` keeps a copy; then `trainplat job delete {job.Id} --yes`");
            }

            var deleted = lineage.DeleteJob(job.Id);
            JobFormatter.WriteDeleted(context.Out, job, deleted, children.Count);
            return ExitCodes.Ok;
        });
        return command;
    }
}
