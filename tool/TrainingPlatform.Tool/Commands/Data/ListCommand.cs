using System.CommandLine;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Data;

internal static class ListCommand
{
    public static Command Build(CliContext context)
    {
        var name = new Option<string?>("--name", "-n") { Description = "Only the versions of this dataset." };
        var store = StoreAccess.Option();
        var format = FormatOption.Create<TextFormat>();
        var command = new Command("list", "List recorded dataset versions, by name, newest first.") { name, store, format };
        command.SetAction(parse =>
        {
            var project = ProjectContext.Discover(context.WorkingDirectory);
            using var catalog = DatasetStoreAccess.OpenCatalog(context, project, parse.GetValue(store), readOnly: true);
            var versions = catalog.Catalog.Store.Summaries(parse.GetValue(name));
            DataFormatter.WriteList(context.Out, versions, format.Get(parse));
            return ExitCodes.Ok;
        });
        return command;
    }
}
