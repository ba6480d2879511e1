using System.Text.Json.Nodes;
using TrainingPlatform.Core.Experience;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>
/// <c>suggest</c> and <c>recommend</c> on a generated history (ExperienceHistory, seed 7, 200 jobs: the best
/// GRPO jobs up to 14B used a learning rate near 6.5e-7 and a global batch of 512), loaded with <c>job import</c>.
/// </summary>
public sealed class ExperienceCommandTests
{
    private static TempDir WithHistory(Func<LineageBundle, LineageBundle>? change = null)
    {
        var temp = TempDir.CopyOf(Repo.Examples);
        var bundle = Core.Tests.Experience.ExperienceHistory.Generate(Core.Tests.Experience.ExperienceHistory.DocumentedSeed, 200).ToBundle();
        bundle = change?.Invoke(bundle) ?? bundle;
        using (var file = File.Create(Path.Combine(temp.Path, "history.jsonl")))
        {
            LineageExchange.Write(file, bundle, "test");
        }

        var import = CliRun.InProcess(temp.Path, "job", "import", "history.jsonl");
        Assert.True(import.ExitCode == ExitCodes.Ok, import.ToString());
        return temp;
    }

    [Fact]
    public void A_config_far_from_the_best_jobs_gets_both_changes_with_reasons_and_numbers()
    {
        using var temp = WithHistory();
        var result = CliRun.InProcess(temp.Path, "suggest", "grpo_basic", "-s", "7B", "--set", "optimizer.learning_rate=1e-5",
            "--set", "batch.global_batch_size=128", "--metric", "reward", "--maximize", "--format", "json");
        Assert.Equal(ExitCodes.Findings, result.ExitCode);
        var json = JsonNode.Parse(result.Out)!;
        var suggestions = json["suggestions"]!.AsArray().ToDictionary(s => s!["key"]!.GetValue<string>(), s => s!);
        var lr = suggestions["optimizer.learning_rate"];
        var batch = suggestions["batch.global_batch_size"];
        Assert.InRange(lr["suggested"]!.GetValue<double>(), 4e-7, 1e-6);
        Assert.Matches(@"1\.0e-05 is 1\d× the geometric median [0-9.]+e-07 of \d+ succeeded GRPO jobs on 7B–14B models", lr["reason"]!.GetValue<string>());
        Assert.Equal("critical", lr["severity"]!.GetValue<string>());
        Assert.Equal(512, batch["suggested"]!.GetValue<int>());
        Assert.Contains("128 is below the range", batch["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotEmpty(lr["jobs"]!.AsArray());
        Assert.Equal(json["evidence"]!["jobs"]!.AsArray().Count, lr["jobs"]!.AsArray().Count);

        var text = CliRun.InProcess(temp.Path, "suggest", "grpo_basic", "-s", "7B", "--set", "optimizer.learning_rate=1e-5",
            "--set", "batch.global_batch_size=128", "--metric", "reward");
        Approvals.Verify(text.Out, "suggest_far_config");
    }

    [Fact]
    public void A_config_inside_the_evidence_gets_no_suggestion_and_exit_0()
    {
        using var temp = WithHistory();
        var result = CliRun.InProcess(temp.Path, "suggest", "grpo_basic", "-s", "7B", "--set", "optimizer.learning_rate=6.5e-7",
            "--set", "batch.global_batch_size=512", "--metric", "reward");
        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Contains("no suggestions: all ", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_jobs_of_evidence_are_not_enough_and_nothing_is_guessed()
    {
        using var temp = WithHistory(b =>
        {
            var grpo7 = b.Jobs.Where(j => j is { Algorithm: "grpo", Status: JobStatus.Succeeded, ModelSize: "7B" }).Take(2).ToArray();
            var kept = grpo7.Select(j => j.Id).ToHashSet();
            return b with { Jobs = grpo7, Metrics = [.. b.Metrics.Where(m => kept.Contains(m.JobId))] };
        });
        var result = CliRun.InProcess(temp.Path, "suggest", "grpo_basic", "-s", "7B", "--set", "optimizer.learning_rate=1e-5");
        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("not enough evidence: 2 succeeded GRPO jobs", result.Out, StringComparison.Ordinal);
        Assert.Contains("at least 3 needed", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("→", result.Out, StringComparison.Ordinal);
        var json = JsonNode.Parse(CliRun.InProcess(temp.Path, "suggest", "grpo_basic", "-s", "7B", "--format", "json").Out)!;
        Assert.False(json["enough_evidence"]!.GetValue<bool>());
        Assert.Empty(json["suggestions"]!.AsArray());
    }

    [Fact]
    public void Apply_prints_set_flags_that_render_accepts_and_write_makes_a_valid_recipe_that_adopts_them()
    {
        using var temp = WithHistory();
        string[] far = ["grpo_math_small", "-s", "7B", "--set", "optimizer.learning_rate=1e-5", "--set", "batch.global_batch_size=128", "--metric", "reward"];
        var apply = CliRun.InProcess(temp.Path, ["suggest", .. far, "--apply"]);
        Assert.Equal(ExitCodes.Ok, apply.ExitCode);
        Assert.Contains("--set batch.global_batch_size=512", apply.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("=128", apply.Out, StringComparison.Ordinal);
        var flags = apply.Out.Trim().Split(' ');
        Assert.Equal(ExitCodes.Ok, CliRun.InProcess(temp.Path, ["render", "grpo_math_small", "-s", "7B", .. flags]).ExitCode);
        var adopted = CliRun.InProcess(temp.Path, ["suggest", "grpo_math_small", "-s", "7B", .. flags, "--metric", "reward"]);
        Assert.True(adopted.ExitCode == ExitCodes.Ok, adopted.ToString());

        var write = CliRun.InProcess(temp.Path, ["suggest", .. far, "--write", "grpo_math_tuned"]);
        Assert.True(write.ExitCode == ExitCodes.Ok, write.ToString());
        Assert.Contains("wrote recipes/grpo_math_tuned.yaml", write.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("warning:", write.Out, StringComparison.Ordinal);
        var recipe = File.ReadAllText(Path.Combine(temp.Path, "recipes", "grpo_math_tuned.yaml"));
        Assert.Contains("version: 0.1.0", recipe, StringComparison.Ordinal);
        Assert.Contains("global_batch_size: 512  # was 128; trainplat suggest", recipe, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Ok, CliRun.InProcess(temp.Path, "validate", "recipes/grpo_math_tuned.yaml").ExitCode);
        Assert.Equal(ExitCodes.Ok, CliRun.InProcess(temp.Path, "suggest", "grpo_math_tuned", "-s", "7B", "--metric", "reward").ExitCode);
        var again = CliRun.InProcess(temp.Path, ["suggest", .. far, "--write", "grpo_math_tuned"]);
        Assert.Equal(ExitCodes.UsageError, again.ExitCode);
        Assert.Contains("a project recipe with id 'grpo_math_tuned' already exists", again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rendered_config_file_is_a_target_too()
    {
        using var temp = WithHistory();
        Assert.Equal(ExitCodes.Ok, CliRun.InProcess(temp.Path, "render", "grpo_basic", "-s", "7B", "--set", "optimizer.learning_rate=1e-5", "-o", "rendered.yaml").ExitCode);
        Assert.Equal(ExitCodes.Ok, CliRun.InProcess(temp.Path, "render", "grpo_basic", "-s", "7B", "--set", "optimizer.learning_rate=1e-5", "--format", "json", "-o", "rendered.json").ExitCode);
        foreach (var file in new[] { "rendered.yaml", "rendered.json" })
        {
            var result = CliRun.InProcess(temp.Path, "suggest", file, "--format", "json");
            Assert.True(result.ExitCode == ExitCodes.Findings, result.ToString());
            var json = JsonNode.Parse(result.Out)!;
            Assert.Equal("grpo_basic", json["target"]!["recipe"]!.GetValue<string>());
            Assert.Contains(json["suggestions"]!.AsArray(), s => s!["key"]!.GetValue<string>() == "optimizer.learning_rate");
        }

        temp.Write("plain.yaml", "optimizer:\n  learning_rate: 1.0e-05\n");
        var plain = CliRun.InProcess(temp.Path, "suggest", "plain.yaml");
        Assert.Equal(ExitCodes.UsageError, plain.ExitCode);
        Assert.Contains("does not say which recipe", plain.Error, StringComparison.Ordinal);
        Assert.Contains("needs the model", CliRun.InProcess(temp.Path, "suggest", "grpo_basic").Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Recommend_ranks_nine_successes_in_ten_above_one_in_one()
    {
        using var temp = WithHistory(b =>
        {
            var grpo7 = b.Jobs.Where(j => j is { Algorithm: "grpo", ModelSize: "7B" }).Take(11).ToArray();
            JobRecord As(JobRecord j, string recipe, JobStatus status) => j with { RecipeId = recipe, RecipeVersion = "1.0.0", Status = status };
            var jobs = grpo7.Take(10).Select((j, i) => As(j, "steady", i == 0 ? JobStatus.Failed : JobStatus.Succeeded))
                .Append(As(grpo7[10], "lucky", JobStatus.Succeeded)).ToArray();
            return b with { Jobs = jobs, Metrics = [] };
        });
        var result = CliRun.InProcess(temp.Path, "recommend", "--task", "rlhf", "--algorithm", "grpo", "-s", "7B", "--format", "json");
        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        var ranks = JsonNode.Parse(result.Out)!["recipes"]!.AsArray();
        Assert.Equal(["steady@1.0.0", "lucky@1.0.0"], ranks.Select(r => r!["recipe"]!.GetValue<string>() + "@" + r["version"]!.GetValue<string>()));
        Assert.Equal(9, ranks[0]!["succeeded"]!.GetValue<int>());
        Assert.Equal(0.596, ranks[0]!["wilson_lower_bound"]!.GetValue<double>(), 3);
        Assert.Equal(0.207, ranks[1]!["wilson_lower_bound"]!.GetValue<double>(), 3);
        var text = CliRun.InProcess(temp.Path, "recommend", "--task", "rlhf", "--algorithm", "grpo", "-s", "7B");
        Assert.Contains("1. steady@1.0.0: 9 of 10 succeeded (Wilson lower bound 0.60)", text.Out, StringComparison.Ordinal);
        Assert.Contains("give --model-size S or --model NAME", CliRun.InProcess(temp.Path, "recommend", "--task", "rlhf").Error, StringComparison.Ordinal);
    }
}
