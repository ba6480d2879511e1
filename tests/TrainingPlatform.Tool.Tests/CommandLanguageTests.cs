using System.Text.Json.Nodes;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>Issue 17, part D: one command language (positional recipes, format names, spellings, exit codes, filters).</summary>
public sealed class CommandLanguageTests
{
    [Fact]
    public void Job_create_takes_the_recipe_positionally_like_render_and_still_as_recipe()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var positional = CliRun.InProcess(temp.Path, "job", "create", "grpo_math_small", "-s", "7B");
        Assert.True(positional.ExitCode == ExitCodes.Ok, positional.ToString());
        var option = CliRun.InProcess(temp.Path, "job", "create", "--recipe", "grpo_math_small", "-s", "7B");
        Assert.True(option.ExitCode == ExitCodes.Ok, option.ToString());
        var same = CliRun.InProcess(temp.Path, "job", "create", "grpo_math_small", "-r", "grpo_math_small", "-s", "7B");
        Assert.True(same.ExitCode == ExitCodes.Ok, same.ToString());
        var list = JsonNode.Parse(CliRun.InProcess(temp.Path, "job", "list", "--format", "json").Out)!.AsArray();
        Assert.Equal(3, list.Count);
        Assert.All(list, j => Assert.Equal("grpo_math_small", j!["recipe"]!.GetValue<string>()));
    }

    [Fact]
    public void Job_create_with_two_different_recipes_or_none_is_a_usage_error_that_says_so()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var two = CliRun.InProcess(temp.Path, "job", "create", "grpo_math_small", "--recipe", "grpo_basic", "-s", "7B");
        Assert.Equal(ExitCodes.UsageError, two.ExitCode);
        Assert.Contains("two recipes given: 'grpo_math_small' (argument) and 'grpo_basic' (--recipe)", two.Error, StringComparison.Ordinal);
        Assert.Contains("  hint: ", two.Error, StringComparison.Ordinal);
        var none = CliRun.InProcess(temp.Path, "job", "create", "-s", "7B");
        Assert.Equal(ExitCodes.UsageError, none.ExitCode);
        Assert.Contains("job create needs a recipe", none.Error, StringComparison.Ordinal);
        Assert.Equal("No jobs match.\n", CliRun.InProcess(temp.Path, "job", "list").Out);
    }

    [Theory]
    [InlineData("recipe", "list")]
    [InlineData("job", "list")]
    [InlineData("model", "list")]
    public void Human_output_is_called_text_everywhere_and_table_still_means_text(string group, string command)
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var text = CliRun.InProcess(temp.Path, group, command, "--format", "text");
        Assert.True(text.ExitCode == ExitCodes.Ok, text.ToString());
        var table = CliRun.InProcess(temp.Path, group, command, "--format", "table");
        Assert.Equal(text, table);
        var help = CliRun.InProcess(temp.Path, group, command, "--help");
        Assert.Contains("--format <text|json", help.Out, StringComparison.Ordinal); // job list also has csv
    }

    [Fact]
    public void Recipe_list_spells_the_origin_builtin_in_the_table_as_in_json()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var table = CliRun.InProcess(temp.Path, "recipe", "list", "--tag", "dapo");
        Assert.Matches(@"\ndapo +1\.\d+\.\d+ +rlhf +dapo +full +builtin +", table.Out);
        var json = JsonNode.Parse(CliRun.InProcess(temp.Path, "recipe", "list", "--tag", "dapo", "--format", "json").Out)!;
        Assert.Equal("builtin", json[0]!["origin"]!.GetValue<string>());
    }

    [Fact]
    public void Suggest_as_flags_prints_the_flags_and_the_old_apply_still_works_with_a_note_that_it_applies_nothing()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        string[] args = ["suggest", "grpo_math_small", "-s", "7B", "--set", "optimizer.learning_rate=1e-5"];
        var flags = CliRun.InProcess(temp.Path, [.. args, "--as-flags"]);
        Assert.True(flags.ExitCode == ExitCodes.Ok, flags.ToString());
        Assert.Contains("--set optimizer.learning_rate=1e-5", flags.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("deprecated", flags.Error, StringComparison.Ordinal);

        var apply = CliRun.InProcess(temp.Path, [.. args, "--apply"]);
        Assert.Equal(flags.ExitCode, apply.ExitCode);
        Assert.Equal(flags.Out, apply.Out);
        Assert.Contains("--apply is deprecated and applies nothing: it is now --as-flags", apply.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("--apply", CliRun.InProcess(temp.Path, "suggest", "--help").Out, StringComparison.Ordinal);

        var both = CliRun.InProcess(temp.Path, [.. args, "--as-flags", "--write", "x"]);
        Assert.Equal(ExitCodes.UsageError, both.ExitCode);
    }

    [Theory]
    [InlineData("dapo", "dapo")]
    [InlineData("ppo", "ppo")]
    [InlineData("dpo", "dpo_full,dpo_lora")]
    public void Every_recipe_carries_its_algorithm_as_a_tag(string tag, string ids)
    {
        using var temp = new TempDir();
        Assert.Equal(ids, Ids(temp.Path, "recipe", "list", "--tag", tag));
    }

    [Fact]
    public void Lora_is_a_method_and_the_algorithm_method_and_tag_filters_agree()
    {
        using var temp = new TempDir();
        var lora = Ids(temp.Path, "recipe", "list", "--method", "lora");
        Assert.Equal("dpo_lora,grpo_lora,sft_lora", lora);
        Assert.Equal(lora, Ids(temp.Path, "recipe", "list", "--tag", "lora"));
        var legacy = CliRun.InProcess(temp.Path, "recipe", "list", "--algorithm", "lora", "--format", "json");
        Assert.Equal(lora, string.Join(',', JsonNode.Parse(legacy.Out)!.AsArray().Select(e => e!["id"]!.GetValue<string>())));
        Assert.Contains("lora is a training method, not an algorithm", legacy.Error, StringComparison.Ordinal);

        Assert.Equal("orpo,sft_qlora", Ids(temp.Path, "recipe", "list", "--method", "qlora"));
        Assert.Equal("sft_full,sft_lora,sft_qlora", Ids(temp.Path, "recipe", "list", "--algorithm", "sft"));
        Assert.Equal("sft_full", Ids(temp.Path, "recipe", "list", "--algorithm", "sft", "--method", "full"));
        var json = JsonNode.Parse(CliRun.InProcess(temp.Path, "recipe", "list", "--tag", "grpo", "--format", "json").Out)!.AsArray();
        Assert.Equal(["full", "full", "lora"], json.Select(e => e!["method"]!.GetValue<string>()));
        Assert.Equal(ExitCodes.UsageError, CliRun.InProcess(temp.Path, "recipe", "list", "--method", "adapter").ExitCode);
    }

    [Fact]
    public void Job_list_model_size_includes_jobs_created_with_a_catalog_model_of_that_size_and_shows_size_and_model_apart()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var bySize = CliRun.InProcess(temp.Path, "job", "create", "grpo_math_small", "-s", "7B").Out.Trim();
        var byModel = CliRun.InProcess(temp.Path, "job", "create", "grpo_math_small", "--model", "Qwen/Qwen2.5-7B-Instruct").Out.Trim();
        var other = CliRun.InProcess(temp.Path, "job", "create", "grpo_math_small", "--model", "meta-llama/Llama-3.1-8B-Instruct").Out.Trim();
        Assert.All(new[] { bySize, byModel, other }, id => Assert.Matches("^[0-9a-f]{12}$", id));

        var list = CliRun.InProcess(temp.Path, "job", "list", "--model-size", "7B");
        Assert.True(list.ExitCode == ExitCodes.Ok, list.ToString());
        Assert.Contains(bySize, list.Out, StringComparison.Ordinal);
        Assert.Contains(byModel, list.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(other, list.Out, StringComparison.Ordinal);
        Assert.Matches(@"
ID +STATUS +RECIPE +SIZE +MODEL +GPUS ", "\n" + list.Out);
        Assert.Matches(byModel + @" +pending +grpo_math_small@0\.1\.0 +7B +Qwen/Qwen2\.5-7B-Instruct +8 ", list.Out);
        Assert.Contains(other, CliRun.InProcess(temp.Path, "job", "list", "--model-size", "8B").Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_of_two_renders_shows_the_model_and_cluster_change_from_their_headers()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        Assert.Equal(ExitCodes.Ok, CliRun.InProcess(temp.Path, "render", "grpo_basic", "-s", "7B", "-o", "a.yaml").ExitCode);
        Assert.Equal(ExitCodes.Ok, CliRun.InProcess(temp.Path, "render", "grpo_basic", "-s", "70B", "-o", "b.yaml").ExitCode);
        var text = CliRun.InProcess(temp.Path, "diff", "a.yaml", "b.yaml");
        Assert.Contains("a.yaml → b.yaml\nmodel:   size 7B (7B parameters) → size 70B (70B parameters)\n" +
            "cluster: 8 GPUs (1 node x 8), 80 GB each → 32 GPUs (4 nodes x 8), 80 GB each\n", text.Out, StringComparison.Ordinal);
        var json = JsonNode.Parse(CliRun.InProcess(temp.Path, "diff", "a.yaml", "b.yaml", "--format", "json").Out)!;
        Assert.Equal("size 70B (70B parameters)", json["right"]!["model"]!.GetValue<string>());
        Assert.Equal("8 GPUs (1 node x 8), 80 GB each", json["left"]!["cluster"]!.GetValue<string>());
        Assert.DoesNotContain("model:", CliRun.InProcess(temp.Path, "diff", "a.yaml", "a.yaml").Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_takes_left_model_and_right_model_like_left_size()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var r = CliRun.InProcess(temp.Path, "diff", "grpo_basic", "grpo_basic", "--left-model", "Qwen/Qwen2.5-7B-Instruct", "--right-model", "Qwen/Qwen2.5-72B-Instruct");
        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        Assert.StartsWith("grpo_basic (Qwen/Qwen2.5-7B-Instruct) → grpo_basic (Qwen/Qwen2.5-72B-Instruct)\nmodel:   Qwen/Qwen2.5-7B-Instruct (", r.Out, StringComparison.Ordinal);
        var both = CliRun.InProcess(temp.Path, "diff", "grpo_basic", "grpo_basic", "--left-model", "Qwen/Qwen2.5-7B-Instruct", "--left-size", "7B", "-s", "7B");
        Assert.Equal(ExitCodes.UsageError, both.ExitCode);
        Assert.Contains("give --left-model or --left-size, not both", both.Error, StringComparison.Ordinal);
        var file = CliRun.InProcess(temp.Path, "diff", "recipes/grpo_math_small.yaml", "grpo_basic", "--left-model", "Qwen/Qwen2.5-7B-Instruct", "-s", "7B");
        Assert.Equal(ExitCodes.UsageError, file.ExitCode);
        Assert.Contains("--left-model applies to a recipe id", file.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_change_to_zero_says_to_zero_instead_of_a_ratio()
    {
        using var temp = new TempDir();
        temp.Write("a.yaml", "optimizer:\n  learning_rate: 0.001\n  weight_decay: 0.1\n");
        temp.Write("b.yaml", "optimizer:\n  learning_rate: 0.0\n  weight_decay: 0.05\n");
        var text = CliRun.InProcess(temp.Path, "diff", "a.yaml", "b.yaml");
        Assert.Contains("optimizer.learning_rate: 0.001 → 0.0 (to zero)\n", text.Out, StringComparison.Ordinal);
        Assert.Contains("optimizer.weight_decay: 0.1 → 0.05 (×0.5)\n", text.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("e+0", text.Out, StringComparison.Ordinal);
        Assert.Contains("| to zero |", CliRun.InProcess(temp.Path, "diff", "a.yaml", "b.yaml", "--format", "markdown").Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Job_show_config_prints_the_rendered_config_with_its_header_as_render_does_in_the_format_asked()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var id = CliRun.InProcess(temp.Path, "job", "create", "grpo_math_small", "-s", "7B", "--set", "optimizer.learning_rate=2e-6").Out.Trim();
        var rendered = CliRun.InProcess(temp.Path, "render", "grpo_math_small", "-s", "7B", "--set", "optimizer.learning_rate=2e-6").Out;
        var yaml = CliRun.InProcess(temp.Path, "job", "show", id, "--config");
        Assert.True(yaml.ExitCode == ExitCodes.Ok, yaml.ToString());
        Assert.StartsWith($"# Rendered by trainplat ", yaml.Out, StringComparison.Ordinal);
        Assert.Contains($" for job {id}. ", yaml.Out, StringComparison.Ordinal);
        foreach (var line in rendered.Split('\n').Where(l => l.StartsWith("# recipe:", StringComparison.Ordinal) || l.StartsWith("# model:", StringComparison.Ordinal) ||
                     l.StartsWith("# cluster:", StringComparison.Ordinal) || l.StartsWith("# config:", StringComparison.Ordinal)))
        {
            Assert.Contains(line + "\n", yaml.Out, StringComparison.Ordinal);
        }

        // The config below the header is render's, line for line.
        Assert.Equal(string.Join('\n', rendered.Split('\n').SkipWhile(l => l.StartsWith('#'))), string.Join('\n', yaml.Out.Split('\n').SkipWhile(l => l.StartsWith('#'))));

        var json = JsonNode.Parse(CliRun.InProcess(temp.Path, "job", "show", id, "--config", "--format", "json").Out)!;
        var renderedJson = JsonNode.Parse(CliRun.InProcess(temp.Path, "render", "grpo_math_small", "-s", "7B", "--set", "optimizer.learning_rate=2e-6", "--format", "json").Out)!;
        Assert.Equal(renderedJson["trainplat"]!["config_sha256"]!.GetValue<string>(), json["trainplat"]!["config_sha256"]!.GetValue<string>());
        Assert.Equal(id, json["trainplat"]!["job"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(renderedJson["optimizer"], json["optimizer"]));
    }

    [Theory]
    [InlineData("dpo_lora", new[] { "--gpus", "4" }, "cluster: 4 GPUs (1 node x 4)")]
    [InlineData("grpo_lora", new[] { "--gpus", "8" }, "cluster: 8 GPUs (1 node x 8)")]
    [InlineData("sft_lora", new[] { "--gpus", "8", "--gpus-per-node", "2" }, "cluster: 8 GPUs (4 nodes x 2)")]
    [InlineData("dpo_lora", new[] { "--gpus", "4", "--nodes", "2" }, "cluster: 4 GPUs (2 nodes x 2)")]
    [InlineData("grpo_basic", new[] { "--gpus", "16" }, "cluster: 16 GPUs (2 nodes x 8)")]
    public void Gpus_fill_one_node_unless_told_otherwise(string recipe, string[] cluster, string header)
    {
        using var temp = new TempDir();
        var r = CliRun.InProcess(temp.Path, ["render", recipe, "-s", "7B", .. cluster]);
        Assert.Contains("# " + header + ",", r.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "dapo", "--gpus", "12" }, "--gpus 12 does not fill whole nodes of the recipe's 8 GPUs per node",
        "say how the 12 GPUs are spread: --nodes 2 --gpus-per-node 6, or --nodes 3 --gpus-per-node 4, or --nodes 4 --gpus-per-node 3")]
    [InlineData(new[] { "sft_lora", "--gpus", "7", "--gpus-per-node", "2" }, "--gpus 7 is not a whole number of nodes of --gpus-per-node 2",
        "--nodes 1 --gpus-per-node 7, or --nodes 7 --gpus-per-node 1")]
    [InlineData(new[] { "sft_lora", "--gpus", "8", "--nodes", "2", "--gpus-per-node", "2" }, "--gpus 8 is not --nodes 2 × --gpus-per-node 2 (4)", "--nodes 1 --gpus-per-node 8")]
    public void Gpus_that_do_not_fill_whole_nodes_name_the_nodes_or_gpus_per_node_that_would(string[] args, string error, string hint)
    {
        using var temp = new TempDir();
        var r = CliRun.InProcess(temp.Path, ["render", .. args, "-s", "7B"]);
        Assert.Equal(ExitCodes.UsageError, r.ExitCode);
        Assert.Contains("trainplat: error: " + error, r.Error, StringComparison.Ordinal);
        Assert.Contains(hint, r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Job_create_takes_gpus_per_node_too()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var id = CliRun.InProcess(temp.Path, "job", "create", "grpo_math_small", "-s", "7B", "--gpus", "16", "--gpus-per-node", "4").Out.Trim();
        var job = JsonNode.Parse(CliRun.InProcess(temp.Path, "job", "show", id, "--format", "json").Out)!;
        Assert.Equal(16, job["gpus"]!.GetValue<int>());
        Assert.Equal(4, job["nodes"]!.GetValue<int>());
    }

    private static string Ids(string folder, params string[] args)
    {
        var result = CliRun.InProcess(folder, [.. args, "--format", "json"]);
        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        return string.Join(',', JsonNode.Parse(result.Out)!.AsArray().Select(e => e!["id"]!.GetValue<string>()));
    }
}
