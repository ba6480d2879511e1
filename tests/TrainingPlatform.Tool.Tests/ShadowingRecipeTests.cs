using System.Text.Json.Nodes;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>
/// Issue 13 item 7 and part of item 12: a project recipe file that cannot be read is an error for every command that
/// names its id (the built-in it shadows is never used in its place), naming the file and the problem's place.
/// </summary>
public sealed class ShadowingRecipeTests
{
    private const string Broken = "id: grpo_basic\nversion: 1.0.0\nconfig: {unclosed\n";

    [Theory]
    [InlineData("render", "grpo_basic", "-s", "7B")]
    [InlineData("job", "create", "--recipe", "grpo_basic", "-s", "7B")]
    [InlineData("recipe", "show", "grpo_basic")]
    public void A_broken_project_recipe_that_shadows_a_built_in_is_an_error_naming_the_file(params string[] args)
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        temp.Write("recipes/grpo_basic.yaml", Broken);

        var result = CliRun.InProcess(temp.Path, args);

        Assert.True(result.ExitCode == ExitCodes.UsageError, result.ToString());
        Assert.Matches(@"trainplat: error: recipe 'grpo_basic' is recipes/grpo_basic\.yaml, which cannot be read \(recipes/grpo_basic\.yaml:\d+:\d+: .+\); it shadows the built-in grpo_basic, which is not used in its place\n", result.Error);
        Assert.Contains("  hint: fix the file (`trainplat validate recipes/grpo_basic.yaml` lists its errors), or remove it to use the built-in grpo_basic\n", result.Error, StringComparison.Ordinal);
        Assert.Equal("", result.Out);
        Assert.False(File.Exists(Path.Combine(temp.Path, ".trainplat", "lineage.db")), "no job recorded");
    }

    [Fact]
    public void A_recipe_that_extends_the_broken_id_is_an_error_too()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        temp.Write("recipes/grpo_basic.yaml", Broken);

        var result = CliRun.InProcess(temp.Path, "render", "grpo_math_small", "-s", "7B");

        Assert.True(result.ExitCode == ExitCodes.UsageError, result.ToString());
        Assert.StartsWith("trainplat: error: grpo_math_small extends recipe 'grpo_basic' is recipes/grpo_basic.yaml, which cannot be read (recipes/grpo_basic.yaml:", result.Error, StringComparison.Ordinal);
        Assert.Equal("", result.Out);
    }

    [Fact]
    public void Recipe_list_still_lists_the_id_as_unreadable_and_warns()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        temp.Write("recipes/grpo_basic.yaml", Broken);

        var list = CliRun.InProcess(temp.Path, "recipe", "list");

        Assert.Equal(ExitCodes.Ok, list.ExitCode);
        Assert.Matches(@"\ngrpo_basic +- +- +- +- +project \(unreadable; shadows builtin\)\n", list.Out);
        Assert.DoesNotContain("grpo_basic  1.0.0", list.Out, StringComparison.Ordinal);
        Assert.Contains(", 1 unreadable (see the warning)", list.Out, StringComparison.Ordinal);
        Assert.Equal("trainplat: warning: recipes/grpo_basic.yaml cannot be read, so recipe 'grpo_basic' cannot be used; it shadows the built-in grpo_basic, which is not used in its place (run `trainplat validate recipes/grpo_basic.yaml`)\n", list.Error);

        var json = JsonNode.Parse(CliRun.InProcess(temp.Path, "recipe", "list", "--format", "json").Out)!.AsArray();
        var entry = json.Single(e => e!["id"]!.GetValue<string>() == "grpo_basic")!;
        Assert.True(entry["unreadable"]!.GetValue<bool>());
        Assert.Equal("recipes/grpo_basic.yaml", entry["path"]!.GetValue<string>());
    }

    [Fact]
    public void A_recipe_over_the_size_limit_is_named_with_its_size_and_the_limit_not_called_unknown()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var huge = Path.Combine(temp.Path, "recipes", "huge.yaml");
        using (var file = File.Create(huge))
        {
            file.SetLength(50L * 1024 * 1024);
        }

        var result = CliRun.InProcess(temp.Path, "render", "huge", "-s", "7B");

        Assert.True(result.ExitCode == ExitCodes.UsageError, result.ToString());
        Assert.Contains("trainplat: error: recipe 'huge' is recipes/huge.yaml, which cannot be read (recipes/huge.yaml:1:1: file is 52428800 bytes, over the 10 MiB limit for a recipe)\n", result.Error, StringComparison.Ordinal);
    }
}
