using System.Text.Json.Nodes;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>
/// Issue 17 C8: <c>extends: ID@VERSION</c> may pin a base to a version that is no longer ID's current one when the
/// project's lineage store has it recorded; the chain then resolves against the recorded text.
/// </summary>
public sealed class ExtendsRecordedVersionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private const string Pinned = """
        apiVersion: trainplat/v1
        id: my_pinned
        version: 0.1.0
        task: rlhf
        algorithm: grpo
        description: GRPO on the first version of the team's base, kept while the base moves on.
        extends: grpo_math_small@0.1.0
        config:
          data:
            max_response_length: 1024

        """;

    private static string BaseFile(TempDir temp) => Path.Combine(temp.Path, "recipes", "grpo_math_small.yaml");

    /// <summary>grpo_math_small (the base) moves from 0.1.0 (learning rate 2e-6) to 0.2.0 with 3e-6.</summary>
    private static void BumpBase(TempDir temp) =>
        File.WriteAllText(BaseFile(temp), File.ReadAllText(BaseFile(temp))
            .Replace("\nversion: 0.1.0\n", "\nversion: 0.2.0\n", StringComparison.Ordinal)
            .Replace("learning_rate: 2.0e-6", "learning_rate: 3.0e-6", StringComparison.Ordinal));

    private static JsonNode Render(TempDir temp, string recipe)
    {
        var r = CliRun.InProcess(temp.Path, "render", recipe, "--model-size", "7B", "--format", "json");
        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        return JsonNode.Parse(r.Out)!;
    }

    [Fact]
    public void A_pin_to_a_recorded_older_version_renders_its_recorded_values_validates_clean_and_records_a_job()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var recorded = CliRun.Pinned(temp.Path, T0, 1, "job", "create", "-r", "grpo_math_small", "-s", "7B");
        Assert.True(recorded.ExitCode == ExitCodes.Ok, recorded.ToString());
        BumpBase(temp);
        temp.Write("recipes/my_pinned.yaml", Pinned);

        var validate = CliRun.InProcess(temp.Path, "validate");
        Assert.True(validate.ExitCode == ExitCodes.Ok, validate.ToString());
        Assert.DoesNotContain("TP0214", validate.Out + validate.Error, StringComparison.Ordinal);

        // The old learning rate (the recorded 0.1.0), not the current file's; the recipe's own change on top.
        var config = Render(temp, "my_pinned");
        Assert.Equal(2.0e-6, config["optimizer"]!["learning_rate"]!.GetValue<double>());
        Assert.Equal(1024, config["data"]!["max_response_length"]!.GetValue<int>());
        Assert.Equal(8, config["rl"]!["rollout_n"]!.GetValue<int>());
        Assert.Equal(3.0e-6, Render(temp, "grpo_math_small")["optimizer"]!["learning_rate"]!.GetValue<double>());

        // diff sees the same chain: the pinned recipe differs from the current base in the learning rate.
        var diff = CliRun.InProcess(temp.Path, "diff", "grpo_math_small", "my_pinned", "--model-size", "7B");
        Assert.True(diff.ExitCode == ExitCodes.Ok, diff.ToString());
        Assert.Contains("optimizer.learning_rate", diff.Out, StringComparison.Ordinal);

        // export renders the same chain.
        var export = CliRun.InProcess(temp.Path, "export", "my_pinned", "--to", "verl", "--model-size", "7B");
        Assert.True(export.ExitCode == ExitCodes.Ok, export.ToString());
        Assert.Contains("actor_rollout_ref.actor.optim.lr=2.0e-06", export.Out, StringComparison.Ordinal);

        // A job of it records the chain with the base at its recorded version (no version conflict).
        var job = CliRun.Pinned(temp.Path, T0.AddMinutes(1), 2, "job", "create", "-r", "my_pinned", "-s", "7B");
        Assert.True(job.ExitCode == ExitCodes.Ok, job.ToString());
        var shown = CliRun.InProcess(temp.Path, "job", "show", job.Out.Trim(), "--config", "--format", "json");
        Assert.True(shown.ExitCode == ExitCodes.Ok, shown.ToString());
        Assert.Equal(2.0e-6, JsonNode.Parse(shown.Out)!["optimizer"]!["learning_rate"]!.GetValue<double>());
        var chain = CliRun.InProcess(temp.Path, "job", "show", job.Out.Trim());
        Assert.Contains("grpo_math_small@0.1.0", chain.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_the_version_in_the_store_the_pin_is_TP0214_with_the_hint_to_record_it()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        BumpBase(temp);
        temp.Write("recipes/my_pinned.yaml", Pinned);

        var validate = CliRun.InProcess(temp.Path, "validate");
        Assert.Equal(ExitCodes.Findings, validate.ExitCode);
        var all = validate.Out + validate.Error;
        Assert.Contains("TP0214", all, StringComparison.Ordinal);
        Assert.Contains("extends grpo_math_small@0.1.0, but grpo_math_small is at version 0.2.0", all, StringComparison.Ordinal);
        Assert.Contains("record it in the project's lineage store first", all, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(temp.Path, ".trainplat", "lineage.db")), "validate must not create a store");

        var render = CliRun.InProcess(temp.Path, "render", "my_pinned", "--model-size", "7B");
        Assert.NotEqual(ExitCodes.Ok, render.ExitCode);
        Assert.Contains("TP0214", render.Out + render.Error, StringComparison.Ordinal);

        // A store that has other versions of the base, but not this one, changes nothing.
        var other = CliRun.Pinned(temp.Path, T0, 1, "job", "create", "-r", "grpo_math_small", "-s", "7B");
        Assert.True(other.ExitCode == ExitCodes.Ok, other.ToString());
        Assert.Contains("TP0214", CliRun.InProcess(temp.Path, "validate").Out, StringComparison.Ordinal);
    }

    [Fact]
    public void A_built_in_pinned_to_an_older_recorded_version_resolves_against_the_recorded_text()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);

        // The team ran grpo_basic 1.0.0 (as a project file that shadowed the built-in then, with its own learning rate).
        var builtIn = File.ReadAllText(Path.Combine(Repo.Recipes, "grpo_basic.yaml"));
        Assert.Contains("\nversion: 1.2.0\n", builtIn, StringComparison.Ordinal);
        var old = builtIn.Replace("\nversion: 1.2.0\n", "\nversion: 1.0.0\n", StringComparison.Ordinal)
            .Replace("learning_rate: 1.0e-6", "learning_rate: 7.0e-7", StringComparison.Ordinal);
        var file = temp.Write("recipes/grpo_basic.yaml", old);
        var recorded = CliRun.Pinned(temp.Path, T0, 1, "job", "create", "-r", "grpo_basic", "-s", "7B");
        Assert.True(recorded.ExitCode == ExitCodes.Ok, recorded.ToString());
        File.Delete(file);

        temp.Write("recipes/my_grpo.yaml", Pinned.Replace("my_pinned", "my_grpo", StringComparison.Ordinal)
            .Replace("grpo_math_small@0.1.0", "grpo_basic@1.0.0", StringComparison.Ordinal));
        var validate = CliRun.InProcess(temp.Path, "validate");
        Assert.True(validate.ExitCode == ExitCodes.Ok, validate.ToString());

        Assert.Equal(7.0e-7, Render(temp, "my_grpo")["optimizer"]!["learning_rate"]!.GetValue<double>());
        Assert.Equal(1.0e-6, Render(temp, "grpo_basic")["optimizer"]!["learning_rate"]!.GetValue<double>());
    }

    [Fact]
    public void Check_accepts_a_new_recipe_pinned_to_a_recorded_version_of_a_base_that_moved_on()
    {
        using var repo = new GitWorkTree();
        repo.Write("trainplat.yaml", "apiVersion: trainplat/v1\nname: checks\n");
        repo.Write("recipes/lr_test.yaml", GitWorkTree.Recipe("lr_test", "1.2.0", "2.0e-4"));
        repo.Commit("recipes");
        repo.Git("checkout", "-q", "-b", "feature");
        var recorded = CliRun.Pinned(repo.Path, T0, 1, "job", "create", "-r", "lr_test", "-s", "7B");
        Assert.True(recorded.ExitCode == ExitCodes.Ok, recorded.ToString());

        repo.Write("recipes/lr_test.yaml", GitWorkTree.Recipe("lr_test", "1.3.0", "1.0e-4"));
        repo.Write("recipes/lr_old.yaml", GitWorkTree.Recipe("lr_old", "0.1.0", "2.0e-4").Replace("extends: sft_lora", "extends: lr_test@1.2.0", StringComparison.Ordinal));
        var r = CliRun.InProcess(repo.Path, "check");
        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        Assert.DoesNotContain("TP0214", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("cannot render", r.Out, StringComparison.Ordinal);
    }
}
