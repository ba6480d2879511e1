using System.CommandLine;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Store;

/// <summary><c>trainplat store info</c>: the store's kind, location (password masked), schema version and counts.</summary>
internal static class InfoCommand
{
    public static Command Build(CliContext context)
    {
        var store = StoreAccess.Option();
        var format = FormatOption.Create<TextFormat>();
        var command = new Command("info", "Show the lineage store's kind (file or postgresql), location (never a password), schema version and how many jobs, recipe versions, configs, dataset versions and metric points it holds.") { store, format };
        command.SetAction(parse =>
        {
            var project = ProjectContext.Discover(context.WorkingDirectory);
            var location = StoreAccess.Location(context, project, parse.GetValue(store));
            StoreSummary summary;
            using (var lineage = StoreAccess.OpenForReading(context, project, parse.GetValue(store)))
            {
                summary = StoreSummary.Of(location, lineage, location.DisplayFrom(context.WorkingDirectory));
            }

            StoreFormatter.WriteInfo(context.Out, summary, format.Get(parse));
            return ExitCodes.Ok;
        });
        return command;
    }
}
