using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Core.Schema;
using TrainingPlatform.Core.Validation;

namespace TrainingPlatform.Core.Diffing;

/// <summary>
/// What to compare: two operands (file, recipe id, <c>REV:PATH</c>, <c>job:ID</c>) and, for recipe
/// ids, the model and cluster. <see cref="LeftSize"/>/<see cref="RightSize"/> replace
/// <see cref="ModelSize"/>/<see cref="Model"/> for one side.
/// </summary>
public sealed record DiffRequest(
    string Left,
    string Right,
    string? ModelSize,
    string? Model,
    string? LeftSize,
    string? RightSize,
    int? Gpus,
    string WorkingDirectory)
{
    /// <summary><c>--left-model</c>: the catalog model for the left recipe id (replaces --model-size/--model there).</summary>
    public string? LeftModel { get; init; }

    /// <summary><c>--right-model</c>: the catalog model for the right recipe id.</summary>
    public string? RightModel { get; init; }

    /// <summary>Recorded recipe versions for <c>extends: ID@VERSION</c> pins of a recipe id compared (see <see cref="RenderRequest.Recorded"/>).</summary>
    public IRecordedRecipes? Recorded { get; init; }

    /// <summary>
    /// Loads <c>job:ID</c> operands: the job's label and its rendered config as JSON. The caller supplies it
    /// from the lineage store; without it a job operand is an input error.
    /// </summary>
    public Func<string, (string Label, string ConfigJson)>? JobConfig { get; init; }

    /// <summary><c>--as verl</c>: read file operands as verl launch files (mapped to trainplat keys); null: detect them.</summary>
    public string? Dialect { get; init; }
}

/// <summary>Why a diff could not run (an input error, exit 2): one message, a hint, and any file diagnostics.</summary>
public sealed record DiffFailure(string Message, string? Hint = null, IReadOnlyList<Diagnostic>? Diagnostics = null)
{
    public IReadOnlyList<Diagnostic> FileDiagnostics => Diagnostics ?? [];
}

/// <summary>The two operands as loaded and the changes from left to right, sorted by severity then path.</summary>
public sealed record DiffReport(DiffOperand Left, DiffOperand Right, IReadOnlyList<Change> Changes)
{
    private static readonly string[] HeaderNames = ["model", "cluster"];

    public int Count(Importance severity) => Changes.Count(c => c.Severity == severity);

    /// <summary>
    /// What the two sides were rendered for, where both say and they differ: <c>model</c> then <c>cluster</c>, each
    /// with the left and right text (two renders for different models differ in many values because of it).
    /// </summary>
    public IReadOnlyList<(string Name, string Left, string Right)> HeaderChanges =>
        [.. HeaderNames
            .Where(k => Left.Header.TryGetValue(k, out var l) && Right.Header.TryGetValue(k, out var r) && l != r)
            .Select(k => (k, Left.Header[k], Right.Header[k]))];

    /// <summary>True when a change at <paramref name="severity"/> or above exists (<c>--fail-on</c>).</summary>
    public bool HasChangesAtOrAbove(Importance severity) => Changes.Any(c => c.Severity >= severity);
}

/// <summary>A report, or why there is none.</summary>
public sealed record DiffResult(DiffReport? Report, DiffFailure? Failure)
{
    public static DiffResult Fail(string message, string? hint = null, IReadOnlyList<Diagnostic>? diagnostics = null) =>
        new(null, new DiffFailure(message, hint, diagnostics));
}
