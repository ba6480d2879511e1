using System.Text.Json.Nodes;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

public sealed class RecipeCommandTests
{
    [Fact]
    public void List_outside_a_project_shows_every_builtin()
    {
        using var empty = new TempDir();
        var r = CliRun.InProcess(empty.Path, "recipe", "list");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("", r.Error);
        Approvals.Verify(r.Out, "recipe_list_builtin");
    }

    [Fact]
    public void A_recipes_entry_whose_folder_is_missing_is_one_warning_for_list_validate_render_and_export_and_changes_no_exit_code()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        const string Warning = "trainplat: warning: trainplat.yaml: recipes entry 'team-recipes' does not exist; nothing is read from it";
        string[][] commands = [["recipe", "list"], ["validate"], ["render", "grpo_basic", "--model-size", "7B"], ["export", "grpo_basic", "--model-size", "7B", "--to", "verl"]];
        var before = commands.Select(c => CliRun.InProcess(temp.Path, c)).ToArray();
        foreach (var r in before)
        {
            Assert.DoesNotContain("warning: trainplat.yaml", r.Error, StringComparison.Ordinal);
        }

        var yaml = Path.Combine(temp.Path, "trainplat.yaml");
        File.WriteAllText(yaml, File.ReadAllText(yaml).Replace("recipes: [recipes]", "recipes: [recipes, team-recipes]", StringComparison.Ordinal));
        for (var i = 0; i < commands.Length; i++)
        {
            var r = CliRun.InProcess(temp.Path, commands[i]);
            Assert.Equal(before[i].ExitCode, r.ExitCode);
            Assert.Equal(before[i].Out, r.Out);
            Assert.Equal(Warning + "\n" + before[i].Error, r.Error.ReplaceLineEndings("\n"));
        }

        // The default folder (no recipes: key) need not exist: no warning.
        using var empty = new TempDir();
        File.WriteAllText(Path.Combine(empty.Path, "trainplat.yaml"), "apiVersion: trainplat/v1\nname: bare\n");
        Assert.Equal("", CliRun.InProcess(empty.Path, "recipe", "list").Error);
    }

    [Fact]
    public void List_in_the_example_project_marks_project_recipes()
    {
        var r = CliRun.InProcess(Repo.Examples, "recipe", "list");
        Assert.Equal(0, r.ExitCode);
        Approvals.Verify(r.Out, "recipe_list_examples");
    }

    [Fact]
    public void Task_rlhf_lists_every_ppo_grpo_and_dapo_recipe()
    {
        using var empty = new TempDir();
        var r = CliRun.InProcess(empty.Path, "recipe", "list", "--task", "rlhf", "--format", "json");
        Assert.Equal(0, r.ExitCode);
        var ids = JsonNode.Parse(r.Out)!.AsArray().Select(e => e!["id"]!.GetValue<string>()).ToArray();
        Assert.Equal(["dapo", "grpo_basic", "grpo_large_scale", "grpo_lora", "ppo"], ids);
        Approvals.Verify(r.Out, "recipe_list_rlhf_json");
    }

    [Fact]
    public void Json_list_gives_id_version_task_algorithm_tags_and_source()
    {
        using var empty = new TempDir();
        var r = CliRun.InProcess(empty.Path, "recipe", "list", "--format", "json");
        foreach (var e in JsonNode.Parse(r.Out)!.AsArray())
        {
            foreach (var key in new[] { "id", "version", "task", "algorithm", "tags", "source" })
            {
                Assert.NotNull(e![key]);
            }

            Assert.NotEmpty(e!["source"]!.GetValue<string>());
        }
    }

    [Fact]
    public void Tag_grpo_lists_the_three_grpo_recipes()
    {
        using var empty = new TempDir();
        var r = CliRun.InProcess(empty.Path, "recipe", "list", "--tag", "grpo");
        Assert.Equal(0, r.ExitCode);
        Approvals.Verify(r.Out, "recipe_list_tag_grpo");
    }

    [Fact]
    public void Several_tags_must_all_match()
    {
        using var empty = new TempDir();
        var r = CliRun.InProcess(empty.Path, "recipe", "list", "--tag", "grpo", "--tag", "peft", "--format", "json");
        var ids = JsonNode.Parse(r.Out)!.AsArray().Select(e => e!["id"]!.GetValue<string>()).ToArray();
        Assert.Equal(["grpo_lora"], ids);
    }

    [Fact]
    public void An_unknown_task_filter_is_a_usage_error_with_a_suggestion()
    {
        using var empty = new TempDir();
        var r = CliRun.InProcess(empty.Path, "recipe", "list", "--task", "rlfh");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("unknown task 'rlfh'", r.Error);
        Assert.Contains("rlhf", r.Error);
    }

    [Fact]
    public void Show_prints_the_recipe_as_written()
    {
        using var empty = new TempDir();
        var r = CliRun.InProcess(empty.Path, "recipe", "show", "grpo_basic");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(File.ReadAllText(Path.Combine(Repo.Recipes, "grpo_basic.yaml")), r.Out);
    }

    [Fact]
    public void Show_json_prints_the_content()
    {
        using var empty = new TempDir();
        var r = CliRun.InProcess(empty.Path, "recipe", "show", "dpo_full", "--format", "json");
        Assert.Equal(0, r.ExitCode);
        Approvals.Verify(r.Out, "recipe_show_dpo_full_json");
    }

    [Fact]
    public void Show_of_an_unknown_id_exits_2_and_names_the_nearest_ids()
    {
        using var empty = new TempDir();
        var r = CliRun.InProcess(empty.Path, "recipe", "show", "grpo_basc");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Out);
        Approvals.Verify(r.Error, "recipe_show_unknown");
    }

    [Fact]
    public void New_copies_into_the_project_with_a_new_id_and_version_0_1_0()
    {
        using var project = TempDir.CopyOf(Repo.Examples);
        var r = CliRun.InProcess(project.Path, "recipe", "new", "my_grpo", "--from", "grpo_basic");
        Assert.Equal(0, r.ExitCode);
        var created = Path.Combine(project.Path, "recipes", "my_grpo.yaml");
        var text = File.ReadAllText(created);
        Assert.Contains("\nid: my_grpo\n", text);
        Assert.Contains("\nversion: 0.1.0\n", text);
        Assert.Contains("# Copied from grpo_basic@1.2.0", text);

        var list = CliRun.InProcess(project.Path, "recipe", "list", "--format", "json");
        var mine = JsonNode.Parse(list.Out)!.AsArray().Single(e => e!["id"]!.GetValue<string>() == "my_grpo")!;
        Assert.Equal("project", mine["origin"]!.GetValue<string>());

        var validate = CliRun.InProcess(project.Path, "validate");
        Assert.True(validate.ExitCode == 0, validate.ToString());
    }

    [Fact]
    public void New_points_its_schema_header_at_the_projects_schema_as_init_does_and_names_the_true_origin()
    {
        using var project = TempDir.CopyOf(Repo.Examples);
        Assert.Equal(0, CliRun.InProcess(project.Path, "recipe", "new", "my_grpo", "--from", "grpo_basic").ExitCode);
        Assert.Equal(0, CliRun.InProcess(project.Path, "recipe", "new", "my_grpo2", "--from", "my_grpo").ExitCode);
        var first = File.ReadAllText(Path.Combine(project.Path, "recipes", "my_grpo.yaml"));
        var second = File.ReadAllText(Path.Combine(project.Path, "recipes", "my_grpo2.yaml"));

        // init writes ../schemas/recipe.v1.schema.json into recipes/: the same relative path, readable offline.
        Assert.StartsWith("# yaml-language-server: $schema=../schemas/recipe.v1.schema.json\n", first, StringComparison.Ordinal);
        Assert.StartsWith("# yaml-language-server: $schema=../schemas/recipe.v1.schema.json\n", second, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", first.Split('\n')[0], StringComparison.Ordinal);

        // The command line in the header is the one that made the file, with the id it was copied from.
        Assert.Contains("#   trainplat recipe new my_grpo --from grpo_basic\n", first, StringComparison.Ordinal);
        Assert.DoesNotContain("--from my_grpo\n", first, StringComparison.Ordinal);
        Assert.Contains("#   trainplat recipe new my_grpo2 --from my_grpo\n", second, StringComparison.Ordinal);
        Assert.Contains("# Copied from my_grpo@0.1.0 with `trainplat recipe new`.", second, StringComparison.Ordinal);
        Assert.Contains("#   trainplat render my_grpo2 --model-size 7B\n", second, StringComparison.Ordinal);
    }

    [Fact]
    public void New_in_a_nested_recipe_folder_points_its_schema_header_at_the_project_root()
    {
        using var project = new TempDir();
        project.Write("trainplat.yaml", "apiVersion: trainplat/v1\nname: nested\nrecipes: [team/recipes]\n");
        Assert.Equal(0, CliRun.InProcess(project.Path, "recipe", "new", "my_sft", "--from", "sft_full").ExitCode);
        var text = File.ReadAllText(Path.Combine(project.Path, "team", "recipes", "my_sft.yaml"));
        Assert.StartsWith("# yaml-language-server: $schema=../../schemas/recipe.v1.schema.json\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void New_never_overwrites()
    {
        using var project = TempDir.CopyOf(Repo.Examples);
        var target = project.Write("recipes/my_sft.yaml", "# mine\n");
        var r = CliRun.InProcess(project.Path, "recipe", "new", "my_sft", "--from", "sft_full");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("never overwritten", r.Error);
        Assert.Equal("# mine\n", File.ReadAllText(target));
    }

    [Fact]
    public void New_with_a_builtin_id_shadows_the_builtin()
    {
        using var project = TempDir.CopyOf(Repo.Examples);
        Assert.Equal(0, CliRun.InProcess(project.Path, "recipe", "new", "sft_full", "--from", "sft_full").ExitCode);
        var list = CliRun.InProcess(project.Path, "recipe", "list");
        Assert.Contains("project (shadows builtin)", list.Out.Split('\n').Single(l => l.StartsWith("sft_full ", StringComparison.Ordinal)));
    }

    [Fact]
    public void New_rejects_an_invalid_id()
    {
        using var project = TempDir.CopyOf(Repo.Examples);
        var r = CliRun.InProcess(project.Path, "recipe", "new", "My-Recipe", "--from", "sft_full");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("not a valid recipe id", r.Error);
        Assert.False(File.Exists(Path.Combine(project.Path, "recipes", "My-Recipe.yaml")));
    }
}
