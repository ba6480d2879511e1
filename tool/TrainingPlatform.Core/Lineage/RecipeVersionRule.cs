using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Lineage;

/// <summary>A recipe content that would be recorded under an id@version already recorded with another content.</summary>
public sealed record RecipeVersionConflict(string RecipeId, string Version, string Hash, IReadOnlyList<string> RecordedHashes)
{
    /// <summary>The file the new content was read from, when there is one.</summary>
    public string? File { get; init; }

    /// <summary>One line: the id@version (and its file) and the hash of each content.</summary>
    public string Describe() =>
        $"{RecipeId}@{Version}{(File is null ? "" : $" ({File})")} is recorded with sha256 {string.Join(", ", RecordedHashes.Select(RecipeVersionRule.Short))}, " +
        $"but this content is sha256 {RecipeVersionRule.Short(Hash)}";
}

/// <summary>
/// One id@version means one content. A content already recorded keeps the version it was recorded under; a new content
/// under a recorded id@version is refused, or, when allowed, recorded under the version with semver build metadata
/// <c>+sha.</c> and the first 12 hex digits of its hash (<c>0.1.0+sha.eca57c0ffee1</c>).
/// </summary>
public static class RecipeVersionRule
{
    public const int ShortHash = 12;

    public const string Hint = "bump `version:` in the recipe file (any change of content is a new version), or record it anyway with --allow-unbumped (as VERSION+sha.HASH)";

    public static string Short(string hash) => hash[..Math.Min(ShortHash, hash.Length)];

    /// <summary><c>0.1.0+sha.HASH12</c>; a version that has build metadata already gets <c>.sha.HASH12</c> appended to it.</summary>
    public static string Unbumped(string version, string hash) =>
        version + (version.Contains('+', StringComparison.Ordinal) ? ".sha." : "+sha.") + Short(hash);

    /// <summary>True when <paramref name="recorded"/> is <paramref name="written"/> itself or its <see cref="Unbumped"/> form for <paramref name="hash"/>.</summary>
    public static bool IsVersionOf(string recorded, string written, string hash) =>
        recorded == written || recorded == Unbumped(written, hash);

    /// <summary>
    /// The records as they are to be written: each content already in <paramref name="store"/> under its recorded version,
    /// a new content under its own version, or (when <paramref name="allowUnbumped"/>) the <see cref="Unbumped"/> one
    /// when that version is taken. The conflicts are the contents refused (none when allowed).
    /// </summary>
    public static (IReadOnlyList<RecipeVersionRecord> Records, IReadOnlyList<RecipeVersionConflict> Conflicts) Assign(
        ILineageStore store, IReadOnlyList<RecipeVersionRecord> records, bool allowUnbumped)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(records);
        var result = new List<RecipeVersionRecord>(records.Count);
        var conflicts = new List<RecipeVersionConflict>();
        var taken = new Dictionary<(string Id, string Version), string>();
        foreach (var r in records)
        {
            if (store.GetRecipeVersion(r.Hash) is { } recorded)
            {
                result.Add(r with { Version = recorded.Version });
                continue;
            }

            var others = store.FindRecipeVersions(r.RecipeId, r.Version).Select(v => v.Hash)
                .Concat(taken.TryGetValue((r.RecipeId, r.Version), out var earlier) ? [earlier] : [])
                .Where(h => h != r.Hash).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
            if (others.Length == 0)
            {
                taken[(r.RecipeId, r.Version)] = r.Hash;
                result.Add(r);
            }
            else if (allowUnbumped)
            {
                result.Add(r with { Version = Unbumped(r.Version, r.Hash) });
            }
            else
            {
                conflicts.Add(new RecipeVersionConflict(r.RecipeId, r.Version, r.Hash, others));
                result.Add(r);
            }
        }

        return (result, conflicts);
    }

    /// <summary>
    /// The recorded versions <c>ID@REFERENCE</c> names: by version string (exactly, build metadata included), else by a
    /// prefix of at least 4 hex digits of the content hash; newest first.
    /// </summary>
    public static IReadOnlyList<RecipeVersionRecord> Find(ILineageStore store, string recipeId, string reference)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(reference);
        var byVersion = store.FindRecipeVersions(recipeId, reference);
        if (byVersion.Count > 0 || reference.Length < 4 || !reference.All(char.IsAsciiHexDigit))
        {
            return byVersion;
        }

        var prefix = reference.ToLowerInvariant();
        return [.. store.FindRecipeVersions(recipeId, null).Where(v => v.Hash.StartsWith(prefix, StringComparison.Ordinal))];
    }

    /// <summary>The refusal of <c>job create</c>: exit 1, the hash of each content, and what to do.</summary>
    public static UserErrorException Refusal(IReadOnlyList<RecipeVersionConflict> conflicts) => new(
        "one version, one content: " + string.Join("; ", conflicts.Select(c => c.Describe())) + "; nothing was recorded",
        Hint)
    {
        IsFinding = true,
    };
}
