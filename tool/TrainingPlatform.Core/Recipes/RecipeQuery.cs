namespace TrainingPlatform.Core.Recipes;

/// <summary>
/// Filters for <c>recipe list</c>: every given filter must match; tags must all be present. A recipe's algorithm, its
/// training algorithm (<c>sft</c> for <c>lora</c>) and its method unless <c>full</c> count as tags, so <c>--tag dapo</c>
/// finds the DAPO recipe; <c>--algorithm</c> compares the training algorithm and <c>--method</c> the
/// <see cref="TrainingMethod"/>.
/// </summary>
public sealed record RecipeQuery(string? Task, string? Algorithm, IReadOnlyList<string> Tags)
{
    /// <summary><c>full</c>, <c>lora</c> or <c>qlora</c>; null for any.</summary>
    public string? Method { get; init; }

    public IEnumerable<RecipeEntry> Apply(RecipeRegistry registry) =>
        registry.Entries.Where(e =>
        {
            var method = MethodOf(e, registry);
            var algorithm = TrainingMethod.Algorithm(e.Recipe.Algorithm);
            return (Task is null || string.Equals(e.Recipe.Task, Task, StringComparison.OrdinalIgnoreCase)) &&
                (Algorithm is null || string.Equals(algorithm, TrainingMethod.Algorithm(Algorithm.ToLowerInvariant()), StringComparison.OrdinalIgnoreCase)) &&
                (Method is null || string.Equals(method, Method, StringComparison.OrdinalIgnoreCase)) &&
                Tags.All(t => EffectiveTags(e.Recipe, algorithm, method).Contains(t.ToLowerInvariant(), StringComparer.Ordinal));
        });

    /// <summary>The method of a registered recipe, following its extends chain through the registry.</summary>
    public static string MethodOf(RecipeEntry entry, RecipeRegistry registry) => TrainingMethod.Of(Chain(entry.Recipe, registry));

    private static IEnumerable<string> EffectiveTags(Recipe recipe, string algorithm, string method) =>
        [.. recipe.Tags, recipe.Algorithm, algorithm, .. method == TrainingMethod.Full ? Array.Empty<string>() : [method]];

    private static IEnumerable<Recipe> Chain(Recipe recipe, RecipeRegistry registry)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (Recipe? current = recipe; current is not null && seen.Add(current.Id);)
        {
            yield return current;
            var extends = current.Extends;
            current = extends is null ? null : registry.Find(extends.Split('@')[0])?.Recipe;
        }
    }
}
