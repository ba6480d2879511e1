using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Schema;
using TrainingPlatform.Core.Tests.Support;
using TrainingPlatform.Core.Validation;

namespace TrainingPlatform.Core.Tests.Recipes;

public sealed class BuiltInRecipeTests
{
    public static TheoryData<string> RecipeFiles()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.EnumerateFiles(TestPaths.Recipes, "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(f));
        }

        return data;
    }

    [Fact]
    public void The_registry_matches_the_recipes_folder()
    {
        var files = Directory.EnumerateFiles(TestPaths.Recipes, "*.yaml").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal);
        var registry = RecipeRegistry.BuiltInOnly();
        Assert.Equal(files, registry.Ids);
        Assert.All(RecipeRegistry.BuiltIns, d => Assert.Equal(File.ReadAllText(Path.Combine(TestPaths.Recipes, d.Recipe!.Id + ".yaml")), d.Text));
    }

    [Fact]
    public void The_catalog_has_the_recipes_the_product_promises()
    {
        string[] promised = ["sft_full", "sft_lora", "sft_qlora", "dpo_full", "dpo_lora", "simpo", "orpo", "reward_model", "ppo", "grpo_basic", "grpo_lora", "grpo_large_scale", "dapo"];
        var registry = RecipeRegistry.BuiltInOnly();
        Assert.All(promised, id => Assert.NotNull(registry.Find(id)));
        Assert.All(registry.Entries.Where(e => e.Recipe.Algorithm is "ppo" or "grpo" or "dapo"), e => Assert.Equal("rlhf", e.Recipe.Task));
        Assert.Equal(["grpo_basic", "grpo_large_scale", "grpo_lora"], registry.Entries.Where(e => e.Recipe.Tags.Contains("grpo")).Select(e => e.Id));
    }

    [Theory]
    [MemberData(nameof(RecipeFiles))]
    public void Every_builtin_validates_without_a_finding(string file)
    {
        var path = Path.Combine(TestPaths.Recipes, file);
        var doc = RecipeDocument.Load(path, file);
        Assert.Empty(RecipeValidator.ValidateRecipe(doc, RecipeRegistry.BuiltInOnly()));
    }

    [Theory]
    [MemberData(nameof(RecipeFiles))]
    public void Every_builtin_names_its_source_and_opens_with_a_comment_block(string file)
    {
        var text = File.ReadAllText(Path.Combine(TestPaths.Recipes, file));
        Assert.StartsWith("# yaml-language-server: $schema=", text);
        Assert.Matches(@"(?m)^#\s+trainplat \w+", text);
        var doc = RecipeDocument.Parse(text, file);
        Assert.False(string.IsNullOrWhiteSpace(doc.Recipe!.Source));
    }

    [Fact]
    public void Every_config_key_in_the_schema_has_importance_and_a_description()
    {
        var schema = RecipeSchema.Current;
        Assert.True(schema.Keys.Count > 50);
        Assert.All(schema.Keys, k =>
        {
            Assert.NotNull(k.Node["x-importance"]);
            Assert.False(string.IsNullOrWhiteSpace(k.Description));
            Assert.NotEmpty(k.Types);
        });
        Assert.True(schema.Find("optimizer.learning_rate")!.LogScale);
        Assert.Equal(Importance.Critical, schema.Find("optimizer.learning_rate")!.Importance);
    }

}
