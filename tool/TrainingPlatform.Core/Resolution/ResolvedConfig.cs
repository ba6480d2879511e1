using System.Text.Json.Nodes;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Text;
using TrainingPlatform.Core.Validation;

namespace TrainingPlatform.Core.Resolution;

/// <summary>What to render: a recipe (id or file), a model or size, a cluster, overrides.</summary>
public sealed record RenderRequest(
    string Recipe,
    string? ModelSize,
    string? Model,
    int? Gpus,
    int? Nodes,
    double? GpuMemoryGb,
    IReadOnlyList<string> Sets,
    string WorkingDirectory)
{
    /// <summary>
    /// Recipe documents that win over the registry, by id: recorded versions from the lineage store, so that
    /// <c>job clone</c> renders exactly the recipe text the parent job used even when the files changed since.
    /// </summary>
    public IReadOnlyList<RecipeDocument> Pinned { get; init; } = [];

    /// <summary>Recorded recipe versions (the lineage store's) for <c>extends: ID@VERSION</c> pins to a version that is not ID's current one; null for none.</summary>
    public IRecordedRecipes? Recorded { get; init; }

    /// <summary><c>--gpus-per-node</c>: GPUs in one node (with <see cref="Gpus"/>, the nodes follow); null for the recipe's.</summary>
    public int? GpusPerNode { get; init; }
}

public enum OriginKind
{
    Default,
    Extends,
    Recipe,
    Scaling,
    Project,
    Cluster,
    Set,
    Derived,
}

/// <summary>Where a resolved value came from, in words for <c>--explain</c>.</summary>
public sealed record ValueOrigin(OriginKind Kind, string Text);

/// <summary>A fully resolved config with the provenance of every value.</summary>
public sealed class ResolvedConfig
{
    public required RecipeDocument Document { get; init; }

    public required Recipe Recipe { get; init; }

    /// <summary>The extends chain, base first, ending with <see cref="Recipe"/>.</summary>
    public required IReadOnlyList<Recipe> Chain { get; init; }

    /// <summary>The documents of <see cref="Chain"/>, base first (their text is what a job records).</summary>
    public required IReadOnlyList<RecipeDocument> ChainDocuments { get; init; }

    /// <summary>SHA-256 of the recipe's canonical form (comments and formatting do not count).</summary>
    public required string RecipeHash { get; init; }

    public ModelSpec? Model { get; init; }

    public required double Parameters { get; init; }

    /// <summary>The size as the user gave it, or the model's name.</summary>
    public required string SizeText { get; init; }

    public required int Gpus { get; init; }

    public required int GpusPerNode { get; init; }

    public required int Nodes { get; init; }

    public required double GpuMemoryGb { get; init; }

    /// <summary>Sections in schema order (keys in schema order), then <c>extra</c>.</summary>
    public required JsonObject Config { get; init; }

    /// <summary>Origin of every value, by dotted path (<c>optimizer.learning_rate</c>, <c>extra.x</c>).</summary>
    public required IReadOnlyDictionary<string, ValueOrigin> Origins { get; init; }

    /// <summary>Pass-through keys (<c>extra.x</c>) a scaling rule removed with <c>null</c>, and the rule that removed each.</summary>
    public IReadOnlyDictionary<string, ValueOrigin> RemovedExtra { get; init; } = new Dictionary<string, ValueOrigin>();

    public required IReadOnlyList<string> AppliedRules { get; init; }

    /// <summary>Pre-flight findings: <see cref="Diagnostic"/>s whose pointer is into <see cref="Config"/> (no file, line 0).</summary>
    public required IReadOnlyList<Diagnostic> Findings { get; init; }

    public MemoryEstimate? Memory { get; init; }

    public string ConfigHash => CanonicalJson.Sha256(Config);

    public bool HasErrors => Findings.Any(f => f.IsError);
}

/// <summary>The outcome of a render: a config, or why there is none (an input error, exit 2).</summary>
public sealed record RenderResult(ResolvedConfig? Config, string? Error, string? Hint, IReadOnlyList<Diagnostic> Diagnostics)
{
    /// <summary>The project the recipe was resolved in (so a command can warn about its missing recipe folders without reading trainplat.yaml again).</summary>
    public ProjectContext? Project { get; init; }

    public static RenderResult Fail(string error, string? hint = null, IReadOnlyList<Diagnostic>? diagnostics = null) =>
        new(null, error, hint, diagnostics ?? []);
}
