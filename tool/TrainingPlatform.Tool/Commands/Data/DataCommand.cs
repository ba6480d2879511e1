using System.CommandLine;

namespace TrainingPlatform.Tool.Commands.Data;

/// <summary><c>trainplat data snapshot|list|show|diff|status|fetch|push</c>: dataset versions in the project's lineage store.</summary>
internal static class DataCommand
{
    public static Command Build(CliContext context)
    {
        var data = new Command("data", "Dataset versions: snapshot files and folders (hash + sample count), list, show, diff and check them, copy them to and from remote hosts.");
        data.Subcommands.Add(SnapshotCommand.Build(context));
        data.Subcommands.Add(ListCommand.Build(context));
        data.Subcommands.Add(ShowCommand.Build(context));
        data.Subcommands.Add(DiffCommand.Build(context));
        data.Subcommands.Add(StatusCommand.Build(context));
        data.Subcommands.Add(FetchCommand.Build(context));
        data.Subcommands.Add(PushCommand.Build(context));
        return data;
    }
}
