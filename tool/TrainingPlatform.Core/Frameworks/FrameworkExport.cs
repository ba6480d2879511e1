using System.Text.Json.Nodes;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Resolution;

namespace TrainingPlatform.Core.Frameworks;

/// <summary>
/// What an export reads: a rendered config and the facts around it, from a fresh render or from what a job recorded
/// (a job exports exactly the config it recorded, so this is not a <see cref="ResolvedConfig"/>).
/// </summary>
public sealed record ExportSource
{
    public required string RecipeId { get; init; }

    public required string RecipeVersion { get; init; }

    public required string RecipeHash { get; init; }

    /// <summary>The recipe's <c>algorithm</c> (grpo, dapo, ppo, sft, lora, dpo, ...).</summary>
    public required string Algorithm { get; init; }

    /// <summary>The catalog model's name when one was given, else null.</summary>
    public string? Model { get; init; }

    /// <summary>The size as the user gave it, or the model's name.</summary>
    public required string SizeText { get; init; }

    public required double Parameters { get; init; }

    public required int Gpus { get; init; }

    public required int GpusPerNode { get; init; }

    public required int Nodes { get; init; }

    public required double GpuMemoryGb { get; init; }

    /// <summary>The config sections (<c>model</c>, <c>optimizer</c>, ..., <c>extra</c>) as rendered.</summary>
    public required JsonObject Config { get; init; }

    public required string ConfigHash { get; init; }

    /// <summary>Origin of every config value by dotted path; for a recorded job, empty (the job is the origin).</summary>
    public IReadOnlyDictionary<string, ValueOrigin> Origins { get; init; } = new Dictionary<string, ValueOrigin>();

    /// <summary>Where the config came from, for the script header: <c>render</c>, or <c>job 20261204-ab12</c>.</summary>
    public string From { get; init; } = "render";

    /// <summary>Pre-flight findings of the render (empty for a recorded job).</summary>
    public IReadOnlyList<Diagnostic> Findings { get; init; } = [];

    public static ExportSource FromRender(ResolvedConfig resolved) => new()
    {
        RecipeId = resolved.Recipe.Id,
        RecipeVersion = resolved.Recipe.Version,
        RecipeHash = resolved.RecipeHash,
        Algorithm = resolved.Recipe.Algorithm,
        Model = resolved.Model?.Name,
        SizeText = resolved.SizeText,
        Parameters = resolved.Parameters,
        Gpus = resolved.Gpus,
        GpusPerNode = resolved.GpusPerNode,
        Nodes = resolved.Nodes,
        GpuMemoryGb = resolved.GpuMemoryGb,
        Config = resolved.Config,
        ConfigHash = resolved.ConfigHash,
        Origins = resolved.Origins,
        Findings = resolved.Findings,
    };
}

/// <summary>One key an export emits: the framework's key, its value, and the trainplat key and origin it came from.</summary>
/// <param name="Key">The framework's dotted key (<c>actor_rollout_ref.actor.optim.lr</c>, <c>per_device_train_batch_size</c>).</param>
/// <param name="Value">The value in the framework's units and type (null for YAML/Hydra null).</param>
/// <param name="From">The trainplat key(s) it came from (<c>optimizer.learning_rate</c>; <c>extra.verl.x</c>; <c>cluster</c>).</param>
/// <param name="Origin">Where that trainplat value came from, in words (<c>recipe</c>, <c>scaling: large models</c>, <c>derived: ...</c>).</param>
/// <param name="Added">True when the key is added with Hydra's <c>+key=</c> (only where the release itself does so).</param>
public sealed record ExportedKey(string Key, JsonNode? Value, string From, string Origin, bool Added = false);

/// <summary>The outcome of an export: the keys in emit order, and what could not be carried over.</summary>
/// <param name="Variant">Which key tree or class was used: <c>fsdp</c>, <c>megatron</c>, <c>SFTConfig</c>, ...</param>
/// <param name="Command">How the trainer is started: <c>python3 -m verl.trainer.main_ppo</c>, <c>trl sft</c>.</param>
/// <param name="Warnings">Trainplat keys with no counterpart in the target (never dropped silently), and other cautions.</param>
public sealed record ExportResult(
    FrameworkTarget Target,
    string Variant,
    string Command,
    IReadOnlyList<ExportedKey> Keys,
    IReadOnlyList<Diagnostic> Warnings,
    ExportSource Source);
