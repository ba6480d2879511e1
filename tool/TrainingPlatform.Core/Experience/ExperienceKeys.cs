using TrainingPlatform.Core.Diffing;
using TrainingPlatform.Core.Schema;

namespace TrainingPlatform.Core.Experience;

/// <summary>Key metadata for the experience engine, read from the recipe schema.</summary>
public static class ExperienceKeys
{
    private static readonly Lazy<Func<string, KeyMetadata?>> Embedded = new(() => FromSchema(RecipeSchema.Current));

    /// <summary>The embedded recipe schema's keys (<c>x-importance</c>, <c>x-scale</c>, <c>type</c>); null for keys it does not know.</summary>
    public static KeyMetadata? Schema(string path) => Embedded.Value(path);

    /// <summary>
    /// A lookup over the schema's keys; with <paramref name="rules"/>, severities follow the project's
    /// <c>importance:</c> globs as <c>diff</c> does. Keys the schema does not know (<c>extra.*</c>) give null:
    /// <c>--set</c> could not apply a suggestion for them.
    /// </summary>
    public static Func<string, KeyMetadata?> FromSchema(RecipeSchema schema, SeverityRules? rules = null)
    {
        var keys = schema.Keys.ToDictionary(
            k => k.Path,
            k => new KeyMetadata(
                rules?.For(k.Path) ?? k.Importance,
                k.LogScale,
                k.Types.Contains("integer") && !k.Types.Contains("number")),
            StringComparer.Ordinal);
        return path => keys.GetValueOrDefault(path);
    }
}
