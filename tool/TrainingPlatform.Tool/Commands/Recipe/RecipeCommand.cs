using System.CommandLine;

namespace TrainingPlatform.Tool.Commands.Recipe;

/// <summary><c>trainplat recipe list|show|new|history</c>.</summary>
internal static class RecipeCommand
{
    public static Command Build(CliContext context)
    {
        var recipe = new Command("recipe", "List, show, copy recipes (built-in and the project's) and show their git history.");
        recipe.Subcommands.Add(ListCommand.Build(context));
        recipe.Subcommands.Add(ShowCommand.Build(context));
        recipe.Subcommands.Add(NewCommand.Build(context));
        recipe.Subcommands.Add(HistoryCommand.Build(context));
        return recipe;
    }
}
