using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Diffing;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Validation;

namespace TrainingPlatform.Core.Checks;

/// <summary>
/// What to check: the recipes changed between <paramref name="Base"/> (a git revision; null: the merge
/// base with origin/main, else main) and the working tree, rendered at each of <paramref name="Sizes"/>.
/// </summary>
public sealed record CheckRequest(string? Base, IReadOnlyList<string> Sizes, string WorkingDirectory)
{
    public static IReadOnlyList<string> DefaultSizes { get; } = ["7B", "70B"];

    /// <summary>Recorded recipe versions for <c>extends: ID@VERSION</c> pins to a version that is not ID's current one; null for none.</summary>
    public IRecordedRecipes? Recorded { get; init; }
}

public enum RecipeChangeKind
{
    Added,
    Modified,
    Renamed,
    Deleted,
}

/// <summary>A recipe's resolved config at one size, compared between the base and now; or why it could not be.</summary>
public sealed record SizeDiff(string Size, DiffReport? Report, string? Error);

/// <summary>
/// One changed recipe file. Paths are as the user sees them (relative to the working directory);
/// hashes are the SHA-256 of the canonical form (as <c>render</c> prints them).
/// </summary>
public sealed record RecipeChange(
    RecipeChangeKind Kind,
    string Path,
    string? OldPath,
    string? Id,
    string? BaseVersion,
    string? Version,
    string? BaseHash,
    string? Hash,
    bool ContentChanged,
    IReadOnlyList<SizeDiff> Diffs)
{
    public string KindName => Kind switch
    {
        RecipeChangeKind.Added => "added",
        RecipeChangeKind.Renamed => "renamed",
        RecipeChangeKind.Deleted => "deleted",
        _ => "modified",
    };
}

/// <summary>
/// The outcome of a check: the base compared with, the changed recipes with their diffs, and every
/// finding (validation, version bumps, deletions, renders) sorted by file and position.
/// </summary>
/// <param name="BaseLabel">How the base is named: the revision given, or "merge base with origin/main".</param>
/// <param name="BaseCommit">The base commit id, or git's empty tree in a repository without commits.</param>
/// <param name="RepositoryRoot">The top of the git working tree (SARIF paths are relative to it).</param>
public sealed record CheckReport(
    string BaseLabel,
    string BaseCommit,
    IReadOnlyList<string> Sizes,
    string RepositoryRoot,
    string WorkingDirectory,
    IReadOnlyList<RecipeChange> Recipes,
    IReadOnlyList<Diagnostic> Diagnostics)
{
    public int ErrorCount => Diagnostics.Count(d => d.IsError);

    public int WarningCount => Diagnostics.Count(d => !d.IsError);

    public string ShortBase => BaseCommit.Length > 7 ? BaseCommit[..7] : BaseCommit;

    /// <summary>A display path (relative to the working directory) as a path relative to the repository root, with forward slashes.</summary>
    public string RepositoryPath(string displayPath) =>
        System.IO.Path.GetRelativePath(RepositoryRoot, System.IO.Path.GetFullPath(System.IO.Path.Combine(WorkingDirectory, displayPath))).Replace('\\', '/');
}

/// <summary>A report, or why the check could not run (exit 2).</summary>
public sealed record CheckResult(CheckReport? Report, string? Error, string? Hint)
{
    public static CheckResult Fail(string error, string? hint = null) => new(null, error, hint);
}
