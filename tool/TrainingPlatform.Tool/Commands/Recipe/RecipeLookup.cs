using TrainingPlatform.Core.Recipes;

namespace TrainingPlatform.Tool.Commands.Recipe;

/// <summary>Finding recipes by id for the recipe commands, with the nearest ids when there is none.</summary>
internal static class RecipeLookup
{
    /// <summary>Finds a recipe by id or fails with the nearest ids.</summary>
    internal static RecipeEntry Resolve(RecipeRegistry registry, string id)
    {
        if (registry.Find(id) is { } entry)
        {
            return entry;
        }

        var near = registry.Nearest(id);
        throw new CliException($"unknown recipe '{id}'",
            near.Count > 0
                ? "nearest: " + string.Join(", ", near) + " (`trainplat recipe list` shows them all)"
                : "`trainplat recipe list` shows the recipes there are");
    }

    public static void WarnUnreadable(CliContext context, RecipeRegistry registry)
    {
        foreach (var doc in registry.Unreadable)
        {
            context.Error.WriteLine(Output.TerminalText.Escape($"trainplat: warning: skipped {doc.DisplayPath}: not a readable recipe (run `trainplat validate {doc.DisplayPath}`)"));
        }
    }
}
