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
        Assert.Contains("--format <text|json>", help.Out, StringComparison.Ordinal);
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

    private static string Ids(string folder, params string[] args)
    {
        var result = CliRun.InProcess(folder, [.. args, "--format", "json"]);
        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        return string.Join(',', JsonNode.Parse(result.Out)!.AsArray().Select(e => e!["id"]!.GetValue<string>()));
    }
}
