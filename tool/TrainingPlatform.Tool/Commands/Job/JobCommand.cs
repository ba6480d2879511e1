using System.CommandLine;

namespace TrainingPlatform.Tool.Commands.Job;

/// <summary><c>trainplat job create|list|show|update|delete|clone|export|import</c>: jobs in the lineage store.</summary>
internal static class JobCommand
{
    public static Command Build(CliContext context)
    {
        var job = new Command("job", "Training jobs: the recipe version, rendered config and dataset versions each one used, its status and metrics.");
        job.Subcommands.Add(CreateCommand.Build(context));
        job.Subcommands.Add(ListCommand.Build(context));
        job.Subcommands.Add(ShowCommand.Build(context));
        job.Subcommands.Add(UpdateCommand.Build(context));
        job.Subcommands.Add(DeleteCommand.Build(context));
        job.Subcommands.Add(CloneCommand.Build(context));
        job.Subcommands.Add(ExportCommand.Build(context));
        job.Subcommands.Add(ImportCommand.Build(context));
        return job;
    }
}
