namespace TrainingPlatform.Core.Checks;

/// <summary>Stable codes of the pull-request check (TP04xx); validation and pre-flight codes keep theirs.</summary>
public static class CheckCodes
{
    /// <summary>The recipe's content changed but its version did not go up.</summary>
    public const string VersionNotBumped = "TP0400";

    /// <summary>The version went down although the content did not change.</summary>
    public const string VersionLowered = "TP0401";

    /// <summary>A recipe was deleted (jobs recorded with it may still reference it).</summary>
    public const string RecipeDeleted = "TP0402";

    /// <summary>A changed recipe could not be rendered at one of the sizes, now or at the base.</summary>
    public const string RenderFailed = "TP0403";

    /// <summary>A pre-flight check fails now at a size where it passed at the base.</summary>
    public const string NewPreflightError = "TP0404";

    /// <summary>One-line descriptions, for SARIF rules and the docs.</summary>
    public static IReadOnlyDictionary<string, string> Descriptions { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        [VersionNotBumped] = "The recipe's content changed but its version was not raised (semantic versioning).",
        [VersionLowered] = "The recipe's version went down.",
        [RecipeDeleted] = "A recipe was deleted; recorded jobs may still reference it.",
        [RenderFailed] = "A changed recipe could not be rendered at one of the checked model sizes.",
        [NewPreflightError] = "A pre-flight check fails at a model size where it passed at the base revision.",
    };
}
