using System.CommandLine;

namespace TrainingPlatform.Tool.Commands.Store;

/// <summary><c>trainplat store</c>: the lineage store file itself.</summary>
internal static class StoreCommand
{
    public static Command Build(CliContext context)
    {
        var store = new Command("store", "The lineage store file itself: check it for damage.");
        store.Subcommands.Add(CheckCommand.Build(context));
        return store;
    }
}
