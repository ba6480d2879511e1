using System.Globalization;

namespace TrainingPlatform.Core.Resolution;

/// <summary>
/// How <c>--gpus N</c> is spread over nodes. <c>--nodes</c> or <c>--gpus-per-node</c> say it; without them a recipe
/// written for one node fills one node of up to <see cref="CommonNodeGpus"/> GPUs (its <c>gpus_per_node</c> is what it
/// was tuned on, not the hardware: <c>dpo_lora --gpus 4</c> is one node of 4, never 2 × 2), and a multi-node recipe
/// keeps its node size. A count that does not fill whole nodes is an error naming the layouts that would work.
/// </summary>
public sealed record ClusterLayout(int Nodes, int GpusPerNode, string? Error = null, string? Hint = null)
{
    /// <summary>GPUs in the common training server (8 × H100/A100), the size one node is assumed to have at most.</summary>
    public const int CommonNodeGpus = 8;

    /// <param name="gpus">The total asked for.</param>
    /// <param name="nodes"><c>--nodes</c>, or null.</param>
    /// <param name="gpusPerNode"><c>--gpus-per-node</c>, or null.</param>
    /// <param name="recipePerNode">The recipe's <c>gpus_per_node</c> (after scaling rules).</param>
    /// <param name="recipeNodes">The recipe's <c>nodes</c> (after scaling rules and <c>--nodes</c>).</param>
    public static ClusterLayout Spread(int gpus, int? nodes, int? gpusPerNode, int recipePerNode, int recipeNodes)
    {
        if (nodes is { } n && gpusPerNode is { } p)
        {
            return n * p == gpus
                ? new ClusterLayout(n, p)
                : Fail(gpus, $"--gpus {gpus} is not --nodes {n} × --gpus-per-node {p} ({n * p})", Math.Max(p, CommonNodeGpus));
        }

        if (nodes is { } m)
        {
            return gpus % m == 0
                ? new ClusterLayout(m, gpus / m)
                : Fail(gpus, $"--gpus {gpus} cannot be spread evenly over --nodes {m}", Math.Max(recipePerNode, CommonNodeGpus));
        }

        if (gpusPerNode is { } q)
        {
            return gpus % q == 0
                ? new ClusterLayout(gpus / q, q)
                : Fail(gpus, $"--gpus {gpus} is not a whole number of nodes of --gpus-per-node {q}", Math.Max(q, CommonNodeGpus));
        }

        var capacity = recipeNodes > 1 ? recipePerNode : Math.Max(recipePerNode, CommonNodeGpus);
        if (gpus <= capacity)
        {
            return new ClusterLayout(1, gpus);
        }

        return gpus % capacity == 0
            ? new ClusterLayout(gpus / capacity, capacity)
            : Fail(gpus, recipeNodes > 1
                ? $"--gpus {gpus} does not fill whole nodes of the recipe's {capacity} GPUs per node"
                : $"--gpus {gpus} is more than one node of {capacity} GPUs and does not fill whole nodes of {capacity}", capacity);
    }

    /// <summary>The error, and a hint with up to three layouts of whole nodes (most GPUs per node first) no larger than <paramref name="maxPerNode"/>.</summary>
    private static ClusterLayout Fail(int gpus, string error, int maxPerNode)
    {
        var ways = Enumerable.Range(1, gpus).Where(n => gpus % n == 0 && gpus / n <= maxPerNode).Take(3)
            .Select(n => string.Create(CultureInfo.InvariantCulture, $"--nodes {n} --gpus-per-node {gpus / n}")).ToArray();
        var hint = ways.Length > 0
            ? string.Create(CultureInfo.InvariantCulture, $"say how the {gpus} GPUs are spread: ") + string.Join(", or ", ways)
            : "give --nodes N and --gpus-per-node G with N × G = --gpus";
        return new ClusterLayout(0, 0, error, hint);
    }
}
