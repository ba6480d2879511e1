using TrainingPlatform.Core.Recipes;

namespace TrainingPlatform.Core.Lineage;

/// <summary>How one recipe derives from another: it extends it, or it was copied from it with <c>trainplat recipe new --from</c>.</summary>
public enum DerivationKind
{
    Extends,
    Copied,
}

/// <summary>
/// Where a recipe version came from, as <c>ID@VERSION</c> or <c>ID</c> when the version is not known (an unpinned
/// <c>extends:</c> read from a recipe's text); null where there is none.
/// </summary>
public sealed record RecipeDerivation(string? Extends, string? CopiedFrom)
{
    public static readonly RecipeDerivation None = new(null, null);

    /// <summary>The links as <c>(kind, id, version or null)</c>: the base first, then the recipe it was copied from.</summary>
    public IEnumerable<(DerivationKind Kind, string Id, string? Version)> Links()
    {
        if (Extends is { } e)
        {
            yield return Split(DerivationKind.Extends, e);
        }

        if (CopiedFrom is { } c)
        {
            yield return Split(DerivationKind.Copied, c);
        }
    }

    /// <summary>The recorded derivation, or for a version recorded before it was kept, what its text says.</summary>
    public static RecipeDerivation Of(RecipeVersionRecord record) => record.DerivedFrom ?? FromText(record.Text);

    /// <summary>What a recipe's text says: its <c>extends:</c> (as the recipe reader reads it) and the header line of a copy.</summary>
    public static RecipeDerivation FromText(string text)
    {
        var recipe = RecipeDocument.Parse(text, "recorded recipe").Recipe;
        var extends = recipe?.Extends is { Length: > 0 } id ? recipe.ExtendsVersion is { } v ? $"{id}@{v}" : id : null;
        var copied = RecipeCopier.CopiedFrom(text);
        return extends is null && copied is null ? None : new RecipeDerivation(extends, copied);
    }

    public static string Name(DerivationKind kind) => kind == DerivationKind.Extends ? "extends" : "copied";

    private static (DerivationKind, string, string?) Split(DerivationKind kind, string reference)
    {
        var at = reference.IndexOf('@', StringComparison.Ordinal);
        return at < 0 ? (kind, reference, null) : (kind, reference[..at], reference[(at + 1)..]);
    }
}
