using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Core.Text;

namespace TrainingPlatform.Core.Tests.Text;

public sealed class TextTests
{
    [Theory]
    [InlineData("learnig_rate", "learning_rate")]
    [InlineData("optimiser", "optimizer")]
    [InlineData("grpo_basc", "grpo_basic")]
    public void Suggestions_find_the_intended_name(string typo, string intended) =>
        Assert.Equal(intended, Suggestions.Closest(typo, ["learning_rate", "weight_decay", "optimizer", "grpo_basic", "grpo_lora", "batch"])[0]);

    [Fact]
    public void Nothing_close_gives_no_suggestion() =>
        Assert.Null(Suggestions.DidYouMean("zzzzzz", ["learning_rate", "batch"]));

    [Theory]
    [InlineData("1.0.0", true)]
    [InlineData("0.1.0-rc.1+build.5", true)]
    [InlineData("1.0", false)]
    [InlineData("v1.2.3", false)]
    [InlineData("01.2.3", false)]
    public void Semantic_versions_parse_by_the_spec(string text, bool valid) =>
        Assert.Equal(valid, SemanticVersion.TryParse(text, out _));

    [Theory]
    [InlineData("1.0.0-alpha", "1.0.0-alpha.1")]
    [InlineData("1.0.0-alpha.1", "1.0.0-beta")]
    [InlineData("1.0.0-rc.1", "1.0.0")]
    [InlineData("1.9.0", "1.10.0")]
    public void Semantic_versions_order_by_precedence(string lower, string higher)
    {
        Assert.True(SemanticVersion.TryParse(lower, out var a));
        Assert.True(SemanticVersion.TryParse(higher, out var b));
        Assert.True(a < b);
    }

    [Theory]
    [InlineData("7B", 7e9)]
    [InlineData("1.5b", 1.5e9)]
    [InlineData("500M", 5e8)]
    [InlineData("8x7B", 56e9)]
    [InlineData("1T", 1e12)]
    public void Model_sizes_parse(string text, double parameters)
    {
        Assert.True(ModelSize.TryParse(text, out var size));
        Assert.Equal(parameters, size.Parameters, 1e-3);
    }

    [Theory]
    [InlineData("7")]
    [InlineData("seven B")]
    [InlineData("0B")]
    [InlineData("")]
    public void Bad_model_sizes_do_not_parse(string text) => Assert.False(ModelSize.TryParse(text, out _));
}
