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
/// The training method of a config, derived from what it holds (the job index has no field for it; a job's config is
/// read by its hash): a config with a <c>lora</c> section trains adapters, and with <c>model.quantization</c> other
/// than <c>none</c> it trains them on a quantized base (QLoRA); the algorithms <c>lora</c> and <c>qlora</c> say so too.
/// Anything else is a full fine-tune. Evidence must match the target's method: a LoRA learning rate (1e-4) says
/// nothing about a full fine-tune's (1e-6).
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
        var adapters = algorithm is "lora" or "qlora";
        var quantized = algorithm == "qlora";
        foreach (var leaf in leaves)
        {
            if (leaf.Key.StartsWith("lora.", StringComparison.Ordinal) && leaf.Value.Kind != ScalarKind.Null)
            {
                adapters = true;
            }
            else if (leaf.Key == "model.quantization" && leaf.Value is { Kind: ScalarKind.String, Text: not "none" })
            {
                quantized = true;
            }
        }

        return !adapters ? TrainingMethod.Full : quantized ? TrainingMethod.QLora : TrainingMethod.Lora;
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
