using TrainingPlatform.Core.Diagnostics;

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

    /// <summary>A model size the user gave (<c>--model-size</c> of a filter or a plan).</summary>
    /// <exception cref="UserErrorException">The text is not a model size.</exception>
    public static ModelSize ParseSize(string text) =>
        ModelSize.TryParse(text, out var size) ? size : throw new UserErrorException($"'{text}' is not a model size", "e.g. 7B, 1.5B, 500M, 8x7B");

    /// <summary>
    /// The parameter count a plan is sized by: exactly one of a model size and a catalog model, the model's count
    /// looked up by <paramref name="modelParameters"/> (null when the catalog does not know it).
    /// </summary>
    /// <exception cref="UserErrorException">Neither or both are given, the size is not a size, or the model is unknown.</exception>
    public static double Parameters(string? modelSize, string? model, Func<string, double?> modelParameters)
    {
        ArgumentNullException.ThrowIfNull(modelParameters);
        if (IsConflict(modelSize, model))
        {
            throw new UserErrorException(BothGiven, BothGivenHint);
        }

        if (modelSize is not null)
        {
            return ParseSize(modelSize).Parameters;
        }

        return model is null
            ? throw new UserErrorException("give --model-size S or --model NAME")
            : modelParameters(model) ?? throw new UserErrorException($"unknown model '{model}'", "models are named as in catalog/models.yaml (e.g. Qwen/Qwen2.5-7B-Instruct), or give --model-size");
    }
}
