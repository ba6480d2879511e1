using TrainingPlatform.Core.Recipes;

namespace TrainingPlatform.Core.Tests.Recipes;

public sealed class OnlineRlTests
{
    [Fact]
    public void Every_built_in_recipe_is_online_RL_exactly_when_its_task_is_rlhf()
    {
        Assert.NotEmpty(RecipeRegistry.BuiltIns);
        Assert.All(RecipeRegistry.BuiltIns, d => Assert.Equal(d.Recipe!.Task == "rlhf", OnlineRl.Is(d.Recipe)));
    }

    [Theory]
    [InlineData("grpo", true)]
    [InlineData(" PPO ", true)]
    [InlineData("reinforce_plus_plus", true)]
    [InlineData("dpo", false)]
    [InlineData("sft", false)]
    public void Online_RL_is_a_property_of_the_algorithm(string algorithm, bool online) =>
        Assert.Equal(online, OnlineRl.IsAlgorithm(algorithm));
}
