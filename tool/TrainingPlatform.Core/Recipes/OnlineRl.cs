namespace TrainingPlatform.Core.Recipes;

/// <summary>
/// Online RL: the algorithms that sample rollouts from the policy while it trains (the <c>rlhf</c> task's algorithms),
/// so a run also holds an inference engine (vLLM, SGLang) with its own tensor parallelism and memory share.
/// Pre-flight checks and the memory estimate both ask this one rule.
/// </summary>
public static class OnlineRl
{
    private static readonly HashSet<string> Algorithms = new(StringComparer.OrdinalIgnoreCase)
    {
        "ppo", "grpo", "dapo", "rloo", "reinforce_plus_plus", "remax", "gspo",
    };

    /// <summary>True for an online-RL algorithm name (ignoring case and surrounding blanks).</summary>
    public static bool IsAlgorithm(string algorithm)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        return Algorithms.Contains(algorithm.Trim());
    }

    /// <summary>True when the recipe's algorithm is online RL.</summary>
    public static bool Is(Recipe recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        return IsAlgorithm(recipe.Algorithm);
    }
}
