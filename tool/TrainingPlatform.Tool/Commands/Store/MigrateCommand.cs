using System.CommandLine;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Store;

/// <summary><c>trainplat store migrate</c>: create or upgrade the store's schema (a server's tables, a file's schema with a backup).</summary>
internal static class MigrateCommand
{
    public static Command Build(CliContext context)
    {
        var store = StoreAccess.Option();
        var command = new Command("migrate", "Create or upgrade the lineage store's schema to this trainplat's: a PostgreSQL database's tables (each migration one transaction), or a file's schema (the old file kept as a backup). Says so when it is current.") { store };
        command.SetAction(parse =>
        {
            var project = ProjectContext.Discover(context.WorkingDirectory);
            var location = StoreAccess.Location(context, project, parse.GetValue(store));
            var migration = LineageStores.Migrate(location, context.StoreOptions);
            var backup = migration.BackupPath is { } b ? new StoreLocation(StoreKind.File, b).DisplayFrom(context.WorkingDirectory) : null;
            StoreFormatter.WriteMigration(context.Out, migration, location.DisplayFrom(context.WorkingDirectory), backup);
            return ExitCodes.Ok;
        });
        return command;
    }
}
