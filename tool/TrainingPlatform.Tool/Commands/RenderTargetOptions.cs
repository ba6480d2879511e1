using System.CommandLine;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Resolution;

namespace TrainingPlatform.Tool.Commands;

/// <summary>What a recipe is rendered for, as the command line gave it (null: the recipe's or the parent job's default).</summary>
internal sealed record RenderTarget(string? ModelSize, string? Model, int? Gpus, int? Nodes, double? GpuMemory, IReadOnlyList<string> Sets, int? GpusPerNode = null)
{
    public RenderRequest Request(string recipe, string workingDirectory, IRecordedRecipes? recorded = null) =>
        new(recipe, ModelSize, Model, Gpus, Nodes, GpuMemory, Sets, workingDirectory) { GpusPerNode = GpusPerNode, Recorded = recorded };
}

/// <summary>
/// The render-target options (<c>--model-size --model --gpus --nodes --gpus-per-node --gpu-memory --set</c>), declared once with
/// their validators and bound once (dotnet/format's FormatCommandCommon). A command adds the ones it takes;
/// <see cref="Bind"/> reads those and leaves the others null.
/// </summary>
internal sealed class RenderTargetOptions
{
    public Option<string?> ModelSize { get; } = new("--model-size", "-s")
    {
        Description = "Model size: 7B, 1.5b, 500M, 70B, 8x7B.",
        HelpName = "size",
    };

    public Option<string?> Model { get; } = new("--model", "-m")
    {
        Description = "A model from the catalog, e.g. Qwen/Qwen2.5-7B-Instruct (brings the architecture).",
        HelpName = "name",
    };

    public Option<int?> Gpus { get; } = PositiveWholeNumber(new Option<int?>("--gpus")
    {
        Description = "Total GPUs (default: the recipe's gpus_per_node × nodes).",
    });

    public Option<int?> Nodes { get; } = PositiveWholeNumber(new Option<int?>("--nodes")
    {
        Description = "Nodes the GPUs are spread over.",
    });

    public Option<int?> GpusPerNode { get; } = PositiveWholeNumber(new Option<int?>("--gpus-per-node")
    {
        Description = "GPUs in one node (with --gpus, the nodes follow; default: one node of up to 8 for a single-node recipe, else the recipe's).",
        HelpName = "N",
    });

    public Option<double?> GpuMemory { get; } = PositiveGigabytes(new Option<double?>("--gpu-memory")
    {
        Description = "Memory of one GPU as its data sheet gives it (default 80, read as 80 GiB = 85.9 GB).",
    });

    public Option<string[]> Sets { get; } = new("--set")
    {
        Description = "Override a config value: key.path=value (typed by the schema; unknown keys are an error). Repeatable.",
        Arity = ArgumentArity.ZeroOrMore,
        HelpName = "key.path=value",
    };

    /// <summary>All seven, in the order the help lists them.</summary>
    public IReadOnlyList<Option> All => [ModelSize, Model, Gpus, Nodes, GpusPerNode, GpuMemory, Sets];

    /// <summary>The values given to the command that ran; an option the command does not take reads as not given.</summary>
    public RenderTarget Bind(ParseResult parse)
    {
        var taken = parse.CommandResult.Command.Options;
        T? Value<T>(Option<T> option) => taken.Contains(option) ? parse.GetValue(option) : default;
        return new RenderTarget(Value(ModelSize), Value(Model), Value(Gpus), Value(Nodes), Value(GpuMemory), Value(Sets) ?? [], Value(GpusPerNode));
    }

    private static Option<int?> PositiveWholeNumber(Option<int?> option)
    {
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<int?>();
            if (JobRules.ClusterProblem(value, null, null) is not null)
            {
                result.AddError("--" + JobRules.ClusterProblem(value, null, null)!.Replace("gpus", option.Name.TrimStart('-'), StringComparison.Ordinal));
            }
        });
        return option;
    }

    private static Option<double?> PositiveGigabytes(Option<double?> option)
    {
        option.Validators.Add(result =>
        {
            if (JobRules.ClusterProblem(null, null, result.GetValueOrDefault<double?>()) is { } problem)
            {
                result.AddError("--" + problem);
            }
        });
        return option;
    }
}
