using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Project;
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

        var (message, hint) = registry.NotFound(id);
        throw new UserErrorException(message, hint);
    }

    public static void WarnUnreadable(CliContext context, RecipeRegistry registry)
    {
        foreach (var (id, doc, shadows) in registry.UnusableIds.Where(u => u.ShadowsBuiltIn))
        {
            context.Error.WriteLine(Output.TerminalText.Escape($"trainplat: warning: {doc.DisplayPath} cannot be read, so recipe '{id}' cannot be used; it shadows the built-in {id}, which is not used in its place (run `trainplat validate {doc.DisplayPath}`)"));
        }

        foreach (var doc in registry.Unreadable.Where(d => !registry.UnusableIds.Any(u => u.ShadowsBuiltIn && u.Document == d)))
        {
            context.Error.WriteLine(Output.TerminalText.Escape($"trainplat: warning: skipped {doc.DisplayPath}: not a readable recipe (run `trainplat validate {doc.DisplayPath}`)"));
        }
    }

    /// <summary>
    /// One warning line per <c>recipes:</c> entry of trainplat.yaml whose folder does not exist (nothing is read
    /// from it; the exit code is unchanged), for the commands that walk the recipe folders.
    /// </summary>
    public static void WarnMissingRecipeFolders(CliContext context, ProjectContext project)
    {
        var file = project.Display(project.ProjectFile ?? Path.Combine(project.Root, ProjectContext.ProjectFileName));
        foreach (var entry in project.MissingRecipeFolders)
        {
            context.Error.WriteLine($"trainplat: warning: {file}: recipes entry '{entry}' does not exist; nothing is read from it");
        }
    }
}
