using System.CommandLine;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Model;

internal static class ListCommand
{
    public static Command Build(CliContext context)
    {
        var family = new Option<string?>("--family") { Description = "Only models of this family (e.g. qwen2.5, llama3.1); an unknown family lists the known ones." };
        var format = FormatOption.Create<TableFormat>();
        var command = new Command("list", "List the models: base and Instruct models are separate entries, built-ins first, then the project's.")
        {
            family, format,
        };
        command.SetAction(parse =>
        {
            var catalog = ModelCatalog.ForProject(ProjectContext.Discover(context.WorkingDirectory).Config);
            ModelFormatter.WriteList(context.Out, catalog.InFamily(parse.GetValue(family)), format.Get(parse), new Style(context.Color));
            return ExitCodes.Ok;
        });
        return command;
    }
}
