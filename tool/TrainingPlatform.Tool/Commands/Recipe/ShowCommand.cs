using System.CommandLine;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Recipe;

internal static class ShowCommand
{
    public static Command Build(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "The recipe id; ID@VERSION (or ID@SHA256-PREFIX) also finds versions recorded by jobs in the lineage store." };
        var store = StoreAccess.Option();
        var format = FormatOption.Create<YamlFormat>();
        var command = new Command("show", "Print a recipe: its YAML as written, or its content as JSON.") { id, store, format };
        command.SetAction(parse =>
        {
            var project = ProjectContext.Discover(context.WorkingDirectory);
            var registry = RecipeRegistry.Load(project);
            var reference = parse.GetValue(id)!;
            var at = reference.IndexOf('@', StringComparison.Ordinal);
            RecipeDocument document;
            if (at < 0)
            {
                document = RecipeLookup.Resolve(registry, reference).Document;
            }
            else
            {
                var (recipeId, version) = (reference[..at], reference[(at + 1)..]);
                document = registry.Find(recipeId) is { } current && current.Recipe.Version == version
                    ? current.Document
                    : Recorded(context, project, parse.GetValue(store), recipeId, version);
            }

            RecipeFormatter.WriteDocument(context.Out, document, format.Get(parse));

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>A recipe version recorded in the lineage store: by version string, else by SHA-256 prefix.</summary>
    private static RecipeDocument Recorded(CliContext context, ProjectContext project, string? storeOption, string recipeId, string version)
    {
        using var lineage = StoreAccess.OpenForReading(context, project, storeOption);
        var versions = lineage.FindRecipeVersions(recipeId, version);
        if (versions.Count == 0 && version.Length >= 6 && version.All(char.IsAsciiHexDigit))
        {
            versions = [.. lineage.FindRecipeVersions(recipeId, null).Where(v => v.Hash.StartsWith(version.ToLowerInvariant(), StringComparison.Ordinal))];
        }

        if (versions.Count == 0)
        {
            var known = lineage.FindRecipeVersions(recipeId, null).Select(v => v.Version).Distinct(StringComparer.Ordinal).ToArray();
            throw new UserErrorException($"no version {version} of recipe '{recipeId}' in the recipe folders or the lineage store",
                known.Length > 0 ? "recorded versions: " + string.Join(", ", known) : "`trainplat recipe list` shows the current recipes; versions are recorded when jobs use them");
        }

        if (versions.Select(v => v.Hash).Distinct().Count() > 1)
        {
            context.Error.WriteLine($"trainplat: note: {versions.Count} different contents were recorded as {recipeId}@{version}; showing the newest (sha256 {versions[0].Hash[..12]}); others: " +
                string.Join(", ", versions.Skip(1).Select(v => v.Hash[..12])) + $" (show one with {recipeId}@SHA256-PREFIX)");
        }

        return RecipeDocument.Parse(versions[0].Text, $"store:{recipeId}@{versions[0].Version}");
    }
}
