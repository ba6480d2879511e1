using System.CommandLine;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Data;

internal static class ShowCommand
{
    public static Command Build(CliContext context)
    {
        var reference = new Argument<string>("version") { Description = "NAME (its newest version) or NAME@HASH-PREFIX." };
        var store = StoreAccess.Option();
        var format = FormatOption.Create<TextFormat>();
        var command = new Command("show", "Show a recorded dataset version, with its files for a folder.") { reference, store, format };
        command.SetAction(parse =>
        {
            var project = ProjectContext.Discover(context.WorkingDirectory);
            using var catalog = DatasetStoreAccess.OpenCatalog(context, project, parse.GetValue(store), readOnly: true);
            var version = catalog.Catalog.Resolve(parse.GetValue(reference)!);
            DataFormatter.WriteVersion(context.Out, version, format.Get(parse));
            return ExitCodes.Ok;
        });
        return command;
    }
}
