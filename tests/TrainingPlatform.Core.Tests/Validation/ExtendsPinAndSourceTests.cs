using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Validation;

namespace TrainingPlatform.Core.Tests.Validation;

/// <summary>Issue 17 C8: <c>extends: ID@VERSION</c> pins a base; <c>source:</c> is optional for project recipes only.</summary>
public sealed class ExtendsPinAndSourceTests
{
    private static readonly RecipeRegistry Registry = RecipeRegistry.BuiltInOnly();

    private static string GrpoBasicVersion => Registry.Find("grpo_basic")!.Recipe.Version;

    private static string Short(string extends, bool withSource = true) => $"""
        apiVersion: trainplat/v1
        id: my_grpo
        version: 0.1.0
        task: rlhf
        algorithm: grpo
        tags: [grpo]
        description: GRPO on our data.
        {(withSource ? "source: grpo_basic with a lower learning rate.\n" : "")}extends: {extends}
        config:
          optimizer:
            learning_rate: 5.0e-7
        """;

    private static IReadOnlyList<Diagnostic> Errors(string text, RecipeOrigin origin = RecipeOrigin.Project) =>
        [.. RecipeValidator.ValidateRecipe(RecipeDocument.Parse(text, "my_grpo.yaml", origin), Registry).Where(d => d.IsError)];

    [Fact]
    public void A_pin_to_the_bases_version_is_valid_and_renders_like_the_unpinned_base()
    {
        Assert.Empty(Errors(Short("grpo_basic@" + GrpoBasicVersion)));
        var pinned = RecipeDocument.Parse(Short("grpo_basic@" + GrpoBasicVersion), "my_grpo.yaml", RecipeOrigin.Project).Recipe!;
        Assert.Equal("grpo_basic", pinned.Extends);
        Assert.Equal(GrpoBasicVersion, pinned.ExtendsVersion);
        Assert.Null(RecipeDocument.Parse(Short("grpo_basic"), "my_grpo.yaml", RecipeOrigin.Project).Recipe!.ExtendsVersion);
    }

    [Fact]
    public void A_pin_to_another_version_is_one_error_at_the_extends_line_naming_the_version_there_is()
    {
        var errors = Errors(Short("grpo_basic@1.0.0"));
        var error = Assert.Single(errors);
        Assert.Equal(DiagnosticCodes.ExtendsPinMismatch, error.Code);
        Assert.Equal("my_grpo.yaml", error.File);
        Assert.Equal(9, error.Line);
        Assert.Equal(10, error.Column);
        Assert.Equal($"extends grpo_basic@1.0.0, but grpo_basic is at version {GrpoBasicVersion}", error.Message);
        Assert.Contains($"extends: grpo_basic@{GrpoBasicVersion}", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pin_that_is_not_a_version_is_a_schema_error()
    {
        var error = Assert.Single(Errors(Short("grpo_basic@latest")));
        Assert.Equal("/extends", error.Pointer);
    }

    [Fact]
    public void Source_is_optional_for_a_project_recipe_and_required_for_a_built_in()
    {
        Assert.Empty(Errors(Short("grpo_basic", withSource: false)));
        var error = Assert.Single(Errors(Short("grpo_basic", withSource: false), RecipeOrigin.BuiltIn));
        Assert.Equal(DiagnosticCodes.BuiltInWithoutSource, error.Code);
        Assert.Equal("/source", error.Pointer);
        Assert.Contains("has no `source:`", error.Message, StringComparison.Ordinal);
    }
}
