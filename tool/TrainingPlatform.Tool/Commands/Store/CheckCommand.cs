using System.CommandLine;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Store;

/// <summary><c>trainplat store check</c>: read every record of the lineage store, read-only; exit 1 when any is damaged.</summary>
internal static class CheckCommand
{
    public static Command Build(CliContext context)
    {
        var store = StoreAccess.Option();
        var format = FormatOption.Create<TextFormat>();
        var command = new Command("check", "Read every record of every collection of the lineage store (read-only) and report damage: exit 0 clean, 1 damaged.") { store, format };
        command.SetAction(parse =>
        {
            var project = ProjectContext.Discover(context.WorkingDirectory);
            var location = StoreAccess.Location(context, project, parse.GetValue(store));
            if (location.Kind != StoreKind.File)
            {
                throw new UserErrorException(
                    $"store check is for a lineage file; {location.Display} is a PostgreSQL server",
                    "the server keeps its own data consistent; `trainplat store info` shows its schema version and counts");
            }

            var report = StoreCheck.Run(location.FilePath, context.StoreOptions.Timeout);
            StoreCheckFormatter.Write(context.Out, report, project.Display(report.Path), format.Get(parse));
            return report.IsClean ? ExitCodes.Ok : ExitCodes.Findings;
        });
        return command;
    }
}
