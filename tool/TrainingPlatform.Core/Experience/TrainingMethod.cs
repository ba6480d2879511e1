using System.Text.Json.Nodes;

namespace TrainingPlatform.Core.Experience;

/// <summary>Which weights a job trains: all of them, LoRA adapters, or adapters on a quantized base (QLoRA).</summary>
public enum TrainingMethod
{
    Full,
    Lora,
    QLora,
}

/// <summary>
/// The training method of a job's config, derived from what it holds (the job index has no field for it; a job's config
/// is read by its hash) by the same rule as <c>recipe list --method</c> (<see cref="Recipes.TrainingMethod.From"/>).
/// Evidence must match the target's method: a LoRA learning rate (1e-4) says nothing about a full fine-tune's (1e-6).
/// </summary>
public static class TrainingMethods
{
    public static TrainingMethod Of(string algorithm, JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Of(algorithm, ConfigScalar.Flatten(config));
    }

    internal static TrainingMethod Of(string algorithm, IReadOnlyList<ConfigLeaf> leaves)
    {
        var loraSection = false;
        string? quantization = null;
        foreach (var leaf in leaves)
        {
            if (leaf.Key.StartsWith("lora.", StringComparison.Ordinal) && leaf.Value.Kind != ScalarKind.Null)
            {
                loraSection = true;
            }
            else if (leaf.Key == "model.quantization" && leaf.Value.Kind == ScalarKind.String)
            {
                quantization = leaf.Value.Text;
            }
        }

        return Recipes.TrainingMethod.From(algorithm, loraSection, quantization) switch
        {
            Recipes.TrainingMethod.Qlora => TrainingMethod.QLora,
            Recipes.TrainingMethod.Lora => TrainingMethod.Lora,
            _ => TrainingMethod.Full,
        };
    }

    /// <summary>As the JSON output spells it: <c>full</c>, <c>lora</c>, <c>qlora</c>.</summary>
    public static string Name(TrainingMethod method) => method switch
    {
        TrainingMethod.Lora => "lora",
        TrainingMethod.QLora => "qlora",
        _ => "full",
    };

    /// <summary>In prose: <c>full fine-tune</c>, <c>LoRA</c>, <c>QLoRA</c>.</summary>
    public static string Describe(TrainingMethod method) => method switch
    {
        TrainingMethod.Lora => "LoRA",
        TrainingMethod.QLora => "QLoRA",
        _ => "full fine-tune",
    };
}
