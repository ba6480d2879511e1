using System.CommandLine;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Recipe;

internal static class HistoryCommand
{
    public static Command Build(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "A project recipe id (or the path of a recipe file)." };
        var format = FormatOption.Create<TableFormat>();
        var command = new Command("history",
            "The versions of a recipe through git history (commit, date, author, version, content hash); flags commits that changed the content without bumping the version.")
        {
            id, format,
        };
        command.SetAction(parse =>
        {
            var result = RecipeHistory.Run(new RecipeHistoryRequest(parse.GetValue(id)!, context.WorkingDirectory));
            if (result.Report is not { } report)
            {
                throw new UserErrorException(result.Error!, result.Hint);
            }

            HistoryFormatter.Write(context.Out, report, format.Get(parse), new Style(context.Color));

            return ExitCodes.Ok;
        });
        return command;
    }
}
