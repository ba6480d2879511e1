using System.Text.Json.Nodes;

namespace TrainingPlatform.Core.Recipes;

/// <summary>
/// How a recipe trains the model's weights, apart from its algorithm: <c>full</c> (every weight), <c>lora</c> (adapters on a
/// frozen base) or <c>qlora</c> (adapters on a 4-bit base). The schema's algorithms <c>lora</c> and <c>qlora</c> are SFT
/// with that method; a DPO or GRPO recipe with a <c>lora:</c> section is that algorithm with the LoRA method.
/// </summary>
public static class TrainingMethod
{
    public const string Full = "full";
    public const string Lora = "lora";
    public const string Qlora = "qlora";

    /// <summary>The methods, in the order help lists them.</summary>
    public static IReadOnlyList<string> Names { get; } = [Full, Lora, Qlora];

    /// <summary>True for the two schema algorithms that are a method of SFT, not an algorithm of their own.</summary>
    public static bool IsMethodName(string algorithm) => algorithm is Lora or Qlora;

    /// <summary>The training algorithm: <c>sft</c> for the schema's <c>lora</c> and <c>qlora</c>, else the algorithm as written.</summary>
    public static string Algorithm(string algorithm) => IsMethodName(algorithm) ? "sft" : algorithm;

    /// <summary>
    /// The method of a recipe whose extends chain is <paramref name="chain"/> (the recipe first, then its bases): a
    /// <c>lora</c> algorithm or section anywhere makes it LoRA, and a 4-bit base (nf4, fp4) on top of that QLoRA.
    /// </summary>
    public static string Of(IEnumerable<Recipe> chain)
    {
        var algorithm = "";
        var lora = false;
        string? quantization = null;
        foreach (var recipe in chain)
        {
            algorithm = recipe.Algorithm == Qlora || algorithm == Qlora ? Qlora : recipe.Algorithm == Lora ? Lora : algorithm;
            lora |= recipe.Config["lora"] is JsonObject;
            quantization ??= recipe.Config["model"] is JsonObject model && model["quantization"] is JsonValue q && q.TryGetValue<string>(out var text) ? text : null;
        }

        return From(algorithm, lora, quantization);
    }

    /// <summary>
    /// The one rule, for a recipe chain and for a job's rendered config alike: the <c>qlora</c> algorithm is QLoRA; the
    /// <c>lora</c> algorithm or a <c>lora:</c> section trains adapters, on a 4-bit base (<c>model.quantization</c> nf4 or
    /// fp4) QLoRA, else LoRA (an int8 base is 8-bit LoRA, not QLoRA); anything else is a full fine-tune.
    /// </summary>
    public static string From(string algorithm, bool loraSection, string? quantization) =>
        algorithm == Qlora ? Qlora
        : !(algorithm == Lora || loraSection) ? Full
        : quantization is "nf4" or "fp4" ? Qlora
        : Lora;
}
