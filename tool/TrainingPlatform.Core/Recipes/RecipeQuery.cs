namespace TrainingPlatform.Core.Recipes;

/// <summary>Filters for <c>recipe list</c>: every given filter must match; tags must all be present.</summary>
public sealed record RecipeQuery(string? Task, string? Algorithm, IReadOnlyList<string> Tags)
{
    public IEnumerable<RecipeEntry> Apply(RecipeRegistry registry) =>
        registry.Entries.Where(e =>
            (Task is null || string.Equals(e.Recipe.Task, Task, StringComparison.OrdinalIgnoreCase)) &&
            (Algorithm is null || string.Equals(e.Recipe.Algorithm, Algorithm, StringComparison.OrdinalIgnoreCase)) &&
            Tags.All(t => e.Recipe.Tags.Contains(t.ToLowerInvariant(), StringComparer.Ordinal)));
}
