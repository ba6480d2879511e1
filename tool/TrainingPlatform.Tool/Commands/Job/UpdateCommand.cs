using System.CommandLine;
using System.Globalization;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Job;

internal static class UpdateCommand
{
    public static Command Build(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "A job id or a unique prefix." };
        var status = new Option<string?>("--status") { Description = "The new status: " + JobStatuses.Names + ".", HelpName = "status" };
        var note = new Option<string?>("--note") { Description = "A note for the job's history." };
        var store = StoreAccess.Option();
        var format = FormatOption.Create<TextFormat>();
        var command = new Command("update", "Change a job's status (pending → running → succeeded|failed|cancelled) and/or add a note; start and finish times are kept.")
        {
            id, status, note, store, format,
        };
        command.SetAction(parse =>
        {
            JobStatus? to = null;
            if (parse.GetValue(status) is { } text)
            {
                to = JobStatuses.TryParse(text, out var s) ? s : throw new UserErrorException($"unknown status '{text}'", JobStatuses.UnknownHint(text));
            }

            var project = ProjectContext.Discover(context.WorkingDirectory);
            using var lineage = StoreAccess.Open(context, project, parse.GetValue(store));
            var job = JobRules.Resolve(lineage, parse.GetValue(id)!);
            var updated = JobRules.Update(job, to, parse.GetValue(note), context.Clock.GetUtcNow());
            lineage.UpdateJob(updated);
            JobFormatter.WriteUpdated(context.Out, job, updated, format.Get(parse));

            return ExitCodes.Ok;
        });
        return command;
    }
}
