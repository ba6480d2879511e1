using System.CommandLine;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Model;

internal static class ShowCommand
{
    public static Command Build(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "The model: its hub id (Qwen/Qwen2.5-7B), or without organisation (qwen2.5-7b), as --model takes it." };
        name.CompletionSources.Add(_ => ModelCatalog.BuiltIn.Models.Select(m => new System.CommandLine.Completions.CompletionItem(m.Name)));
        var format = FormatOption.Create<TableFormat>();
        var command = new Command("show", "Show one model: its kind, size and shape, and where each value comes from.") { name, format };
        command.SetAction(parse =>
        {
            var catalog = ModelCatalog.ForProject(ProjectContext.Discover(context.WorkingDirectory).Config);
            ModelFormatter.WriteModel(context.Out, catalog.Find(parse.GetValue(name)!), catalog.Sources, format.Get(parse));
            return ExitCodes.Ok;
        });
        return command;
    }
}
