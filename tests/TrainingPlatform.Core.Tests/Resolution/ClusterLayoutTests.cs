using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Resolution;

namespace TrainingPlatform.Core.Tests.Resolution;

/// <summary>Issue 17 D14, D16: how --gpus spreads over nodes, and which size a catalog model's name states.</summary>
public sealed class ClusterLayoutTests
{
    [Theory]
    [InlineData(4, null, null, 2, 1, 1, 4)] // dpo_lora --gpus 4: one node of 4, not 2 × 2
    [InlineData(8, null, null, 1, 1, 1, 8)] // grpo_lora --gpus 8: one node of 8, not 8 × 1
    [InlineData(16, null, null, 8, 1, 2, 8)] // more than a node fills nodes of 8
    [InlineData(64, null, null, 8, 16, 8, 8)] // a multi-node recipe keeps its node size
    [InlineData(16, null, null, 4, 2, 4, 4)]
    [InlineData(8, 2, null, 8, 1, 2, 4)]
    [InlineData(8, null, 2, 8, 1, 4, 2)]
    [InlineData(8, 4, 2, 8, 1, 4, 2)]
    public void Spreads_gpus_over_whole_nodes(int gpus, int? nodes, int? perNode, int recipePerNode, int recipeNodes, int wantNodes, int wantPerNode)
    {
        var layout = ClusterLayout.Spread(gpus, nodes, perNode, recipePerNode, recipeNodes);
        Assert.Null(layout.Error);
        Assert.Equal((wantNodes, wantPerNode), (layout.Nodes, layout.GpusPerNode));
    }

    [Fact]
    public void A_count_that_fills_no_whole_nodes_names_layouts_that_would()
    {
        var layout = ClusterLayout.Spread(12, null, null, 8, 16);
        Assert.Equal("--gpus 12 does not fill whole nodes of the recipe's 8 GPUs per node", layout.Error);
        Assert.Equal("say how the 12 GPUs are spread: --nodes 2 --gpus-per-node 6, or --nodes 3 --gpus-per-node 4, or --nodes 4 --gpus-per-node 3", layout.Hint);
        Assert.NotNull(ClusterLayout.Spread(9, 2, null, 8, 1).Error);
        Assert.NotNull(ClusterLayout.Spread(9, null, 2, 8, 1).Error);
    }

    [Theory]
    [InlineData("Qwen/Qwen2.5-7B-Instruct", "7B")]
    [InlineData("meta-llama/Llama-3.1-8B-Instruct", "8B")]
    [InlineData("Qwen/Qwen2.5-1.5B", "1.5B")]
    [InlineData("mistralai/Mixtral-8x7B-v0.1", "8x7B")]
    [InlineData("deepseek-ai/DeepSeek-V3", null)]
    [InlineData("Qwen/Qwen2.5-Math-7B", "7B")]
    public void A_model_name_states_its_nominal_size(string name, string? size) =>
        Assert.Equal(size, ModelSize.NominalIn(name)?.Text);

    [Fact]
    public void A_size_filter_matches_the_parameter_count_or_the_size_the_model_name_states()
    {
        Assert.True(ModelSize.Matches(7e9, 7.61e9, "Qwen/Qwen2.5-7B-Instruct"));
        Assert.True(ModelSize.Matches(7e9, 7e9, null));
        Assert.False(ModelSize.Matches(7e9, 8.03e9, "meta-llama/Llama-3.1-8B-Instruct"));
        Assert.False(ModelSize.Matches(8e9, 7.61e9, "Qwen/Qwen2.5-7B-Instruct"));
    }
}
