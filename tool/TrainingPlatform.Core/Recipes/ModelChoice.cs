namespace TrainingPlatform.Core.Recipes;

/// <summary>
/// The one rule for choosing what a render is sized by: a catalog model (which brings the architecture) or a
/// bare model size (only the parameter count), never both; a clone keeps its parent's choice unless given one.
/// </summary>
public static class ModelChoice
{
    public const string BothGiven = "give --model or --model-size, not both";

    public const string BothGivenHint = "--model NAME brings the architecture; --model-size S only the parameter count";

    /// <summary>True when both a model and a size were given, which is refused.</summary>
    public static bool IsConflict(string? modelSize, string? model) => model is not null && modelSize is not null;

    /// <summary>The request's size or model when it gives either, else the parent's (its model when it had one, else its size).</summary>
    public static (string? ModelSize, string? Model) OrInherited(string? modelSize, string? model, string? parentSize, string? parentModel) =>
        modelSize is null && model is null
            ? parentModel is { } m ? (null, m) : (parentSize, null)
            : (modelSize, model);
}
