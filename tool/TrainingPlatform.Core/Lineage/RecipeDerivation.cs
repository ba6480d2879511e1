using System.Text.RegularExpressions;

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
public sealed partial record RecipeDerivation(string? Extends, string? CopiedFrom)
{
    public static readonly RecipeDerivation None = new(null, null);

    [GeneratedRegex(@"^extends:[ \t]*[""']?([a-z][a-z0-9_]*(?:@[0-9A-Za-z.+-]+)?)[""']?[ \t]*(?:#.*)?$", RegexOptions.CultureInvariant | RegexOptions.Multiline)]
    private static partial Regex ExtendsLine();

    // The line `recipe new --from` writes into the header of a copy (RecipeCopier.Rewrite); a copy of a copy keeps its
    // source's line above its own, so the last one names the recipe it was copied from.
    [GeneratedRegex(@"^# Copied from ([a-z][a-z0-9_]*@[0-9A-Za-z.+-]+) with `trainplat recipe new`\.[ \t]*$", RegexOptions.CultureInvariant | RegexOptions.Multiline)]
    private static partial Regex CopiedLine();

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

    /// <summary>What a recipe's text says: its top-level <c>extends:</c> and the last "Copied from" line of its header.</summary>
    public static RecipeDerivation FromText(string text)
    {
        var normalized = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        var extends = ExtendsLine().Match(normalized) is { Success: true } e ? e.Groups[1].Value : null;
        var copied = CopiedLine().Matches(normalized) is { Count: > 0 } all ? all[^1].Groups[1].Value : null;
        return extends is null && copied is null ? None : new RecipeDerivation(extends, copied);
    }

    public static string Name(DerivationKind kind) => kind == DerivationKind.Extends ? "extends" : "copied";

    private static (DerivationKind, string, string?) Split(DerivationKind kind, string reference)
    {
        var at = reference.IndexOf('@', StringComparison.Ordinal);
        return at < 0 ? (kind, reference, null) : (kind, reference[..at], reference[(at + 1)..]);
    }
}
