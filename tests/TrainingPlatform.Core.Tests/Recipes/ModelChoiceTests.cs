using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Recipes;

namespace TrainingPlatform.Core.Tests.Recipes;

/// <summary>The one rule for --model-size against --model, as <c>recommend</c> and <c>job list</c> use it.</summary>
public sealed class ModelChoiceTests
{
    [Fact]
    public void A_plan_is_sized_by_exactly_one_of_model_size_and_model()
    {
        static double? Catalog(string name) => name == "Qwen/Qwen2.5-7B-Instruct" ? 7.6e9 : null;
        Assert.Equal(1.5e9, ModelChoice.Parameters("1.5B", null, Catalog));
        Assert.Equal(7.6e9, ModelChoice.Parameters(null, "Qwen/Qwen2.5-7B-Instruct", Catalog));
        Assert.Equal(ModelChoice.BothGiven, Assert.Throws<UserErrorException>(() => ModelChoice.Parameters("7B", "Qwen/Qwen2.5-7B-Instruct", Catalog)).Message);
        Assert.Equal("give --model-size S or --model NAME", Assert.Throws<UserErrorException>(() => ModelChoice.Parameters(null, null, Catalog)).Message);
        Assert.Equal("unknown model 'x/y'", Assert.Throws<UserErrorException>(() => ModelChoice.Parameters(null, "x/y", Catalog)).Message);
    }
}
