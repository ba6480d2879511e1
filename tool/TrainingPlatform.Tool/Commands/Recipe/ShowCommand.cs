using System.CommandLine;
using System.Globalization;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
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
                // What a job recorded wins over the file: the file may have changed since without a version bump.
                var (recipeId, version) = (reference[..at], reference[(at + 1)..]);
                document = Recorded(context, project, parse.GetValue(store), recipeId, version)
                    ?? (registry.Find(recipeId) is { } current && current.Recipe.Version == version ? current.Document : null)
                    ?? throw NotFound(context, project, parse.GetValue(store), recipeId, version);
            }

            RecipeFormatter.WriteDocument(context.Out, document, format.Get(parse));

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// A recipe version recorded in the lineage store, by version string, else by SHA-256 prefix, exactly as it was
    /// recorded; null when none is. Says on stderr that it is the recorded text.
    /// </summary>
    private static RecipeDocument? Recorded(CliContext context, ProjectContext project, string? storeOption, string recipeId, string version)
    {
        using var lineage = StoreAccess.OpenForReading(context, project, storeOption);
        var versions = RecipeVersionRule.Find(lineage, recipeId, version);
        if (versions.Count == 0)
        {
            return null;
        }

        var hashes = versions.Select(v => v.Hash).Distinct(StringComparer.Ordinal).ToArray();
        if (hashes.Length > 1 && versions.Select(v => v.Version).Distinct(StringComparer.Ordinal).Count() > 1)
        {
            throw new UserErrorException($"'{version}' is the start of {hashes.Length} recorded contents of recipe '{recipeId}': " +
                string.Join(", ", versions.Select(v => $"{v.Version} (sha256 {RecipeVersionRule.Short(v.Hash)})")),
                $"give more digits of the hash, or the version (`trainplat recipe show {recipeId}@VERSION`)");
        }

        var shown = versions[0];
        context.Error.WriteLine($"trainplat: note: {recipeId}@{shown.Version} as recorded in the lineage store (sha256 {RecipeVersionRule.Short(shown.Hash)}, " +
            $"recorded {shown.Recorded.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC), not the recipe file");
        if (hashes.Length > 1)
        {
            // Stores written before one id@version meant one content may hold several.
            context.Error.WriteLine($"trainplat: note: {versions.Count} different contents were recorded as {recipeId}@{version}; showing the newest; others: " +
                string.Join(", ", versions.Skip(1).Select(v => RecipeVersionRule.Short(v.Hash))) + $" (show one with {recipeId}@SHA256-PREFIX)");
        }

        return RecipeDocument.Parse(shown.Text, $"store:{recipeId}@{shown.Version}");
    }

    private static UserErrorException NotFound(CliContext context, ProjectContext project, string? storeOption, string recipeId, string version)
    {
        using var lineage = StoreAccess.OpenForReading(context, project, storeOption);
        var known = lineage.FindRecipeVersions(recipeId, null).Select(v => v.Version).Distinct(StringComparer.Ordinal).ToArray();
        return new UserErrorException($"no version {version} of recipe '{recipeId}' in the recipe folders or the lineage store",
            known.Length > 0 ? "recorded versions: " + string.Join(", ", known) : "`trainplat recipe list` shows the current recipes; versions are recorded when jobs use them");
    }
}
