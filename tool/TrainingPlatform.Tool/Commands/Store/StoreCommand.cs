using System.CommandLine;

namespace TrainingPlatform.Tool.Commands.Store;

/// <summary><c>trainplat store</c>: the lineage store itself (a file or a PostgreSQL server).</summary>
internal static class StoreCommand
{
    public static Command Build(CliContext context)
    {
        var store = new Command("store", "The lineage store itself (a file or a PostgreSQL server): check, migrate, copy, info.");
        store.Subcommands.Add(CheckCommand.Build(context));
        store.Subcommands.Add(MigrateCommand.Build(context));
        store.Subcommands.Add(CopyCommand.Build(context));
        store.Subcommands.Add(InfoCommand.Build(context));
        return store;
    }
}
