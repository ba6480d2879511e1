using System.Text.Json.Nodes;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>Issue 17, part C: one id@version means one content; recorded versions are shown as recorded.</summary>
public sealed class RecipeVersionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    private static string RecipeFile(TempDir temp) => Path.Combine(temp.Path, "recipes", "grpo_math_small.yaml");

    /// <summary>Changes the learning rate of the example recipe without touching its version.</summary>
    private static void EditWithoutBump(TempDir temp, string learningRate)
    {
        var text = File.ReadAllText(RecipeFile(temp));
        var start = text.IndexOf("learning_rate: ", StringComparison.Ordinal);
        var end = text.IndexOf('\n', start);
        File.WriteAllText(RecipeFile(temp), text[..start] + "learning_rate: " + learningRate + text[end..]);
    }

    private static JsonNode Job(TempDir temp, string id) => JsonNode.Parse(CliRun.InProcess(temp.Path, "job", "show", id, "--format", "json").Out)!;

    private static string[] JobIds(TempDir temp) =>
        [.. JsonNode.Parse(CliRun.InProcess(temp.Path, "job", "list", "--format", "json").Out)!.AsArray().Select(j => j!["id"]!.GetValue<string>())];

    [Fact]
    public void A_changed_recipe_under_a_recorded_version_is_refused_before_anything_is_written_and_allow_unbumped_records_it_as_build_metadata()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var first = CliRun.Pinned(temp.Path, T0, 1, "job", "create", "-r", "grpo_math_small", "-s", "7B");
        Assert.True(first.ExitCode == ExitCodes.Ok, first.ToString());
        var firstId = first.Out.Trim();
        var firstHash = Job(temp, firstId)["recipe"]!["sha256"]!.GetValue<string>();
        var store = Path.Combine(temp.Path, ".trainplat", "lineage.db");
        var before = File.ReadAllBytes(store);

        EditWithoutBump(temp, "3.0e-6");
        var refused = CliRun.Pinned(temp.Path, T0.AddMinutes(1), 2, "job", "create", "-r", "grpo_math_small", "-s", "7B", "-d", "train=data/train.jsonl");
        Assert.Equal(ExitCodes.Findings, refused.ExitCode);
        Assert.Equal("", refused.Out);
        Assert.Contains("trainplat: error: ", refused.Error, StringComparison.Ordinal);
        Assert.Contains($"grpo_math_small@0.1.0 ({Path.Combine("recipes", "grpo_math_small.yaml")}) is recorded with sha256 {firstHash[..12]}, but this content is sha256 ", refused.Error, StringComparison.Ordinal);
        Assert.Contains("nothing was recorded", refused.Error, StringComparison.Ordinal);
        Assert.Contains("hint: bump `version:`", refused.Error, StringComparison.Ordinal);
        Assert.Contains("--allow-unbumped", refused.Error, StringComparison.Ordinal);
        Assert.Equal([firstId], JobIds(temp));
        Assert.Equal(before, File.ReadAllBytes(store)); // no job, no recipe version, no dataset version
        Assert.Contains("No dataset versions recorded.", CliRun.InProcess(temp.Path, "data", "list").Out, StringComparison.Ordinal);

        var allowed = CliRun.Pinned(temp.Path, T0.AddMinutes(2), 3, "job", "create", "-r", "grpo_math_small", "-s", "7B", "--allow-unbumped");
        Assert.True(allowed.ExitCode == ExitCodes.Ok, allowed.ToString());
        var second = Job(temp, allowed.Out.Trim());
        var secondHash = second["recipe"]!["sha256"]!.GetValue<string>();
        Assert.NotEqual(firstHash, secondHash);
        Assert.Equal("0.1.0+sha." + secondHash[..12], second["recipe"]!["version"]!.GetValue<string>());
        Assert.Contains("grpo_math_small@0.1.0+sha." + secondHash[..12], allowed.Error, StringComparison.Ordinal);

        // The same changed content again needs no flag: it is recorded already, under its own version.
        var again = CliRun.Pinned(temp.Path, T0.AddMinutes(3), 4, "job", "create", "-r", "grpo_math_small", "-s", "7B");
        Assert.True(again.ExitCode == ExitCodes.Ok, again.ToString());
        Assert.Equal("0.1.0+sha." + secondHash[..12], Job(temp, again.Out.Trim())["recipe"]!["version"]!.GetValue<string>());

        // Going back to the first content is the first version again.
        EditWithoutBump(temp, "2.0e-6");
        var back = CliRun.Pinned(temp.Path, T0.AddMinutes(4), 5, "job", "create", "-r", "grpo_math_small", "-s", "7B");
        Assert.True(back.ExitCode == ExitCodes.Ok, back.ToString());
        Assert.Equal("0.1.0", Job(temp, back.Out.Trim())["recipe"]!["version"]!.GetValue<string>());
    }

    [Fact]
    public void Show_of_a_recorded_version_or_hash_prefix_prints_the_recorded_text_not_the_current_file()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var original = File.ReadAllText(RecipeFile(temp));
        Assert.Equal(ExitCodes.Ok, CliRun.Pinned(temp.Path, T0, 1, "job", "create", "-r", "grpo_math_small", "-s", "7B").ExitCode);
        EditWithoutBump(temp, "3.0e-6");
        var edited = File.ReadAllText(RecipeFile(temp));
        var second = CliRun.Pinned(temp.Path, T0.AddMinutes(1), 2, "job", "create", "-r", "grpo_math_small", "-s", "7B", "--allow-unbumped").Out.Trim();
        var secondHash = Job(temp, second)["recipe"]!["sha256"]!.GetValue<string>();
        EditWithoutBump(temp, "4.0e-6"); // the file now matches neither record

        var byVersion = CliRun.InProcess(temp.Path, "recipe", "show", "grpo_math_small@0.1.0");
        Assert.True(byVersion.ExitCode == ExitCodes.Ok, byVersion.ToString());
        Assert.Equal(original, byVersion.Out);
        Assert.Contains("trainplat: note: grpo_math_small@0.1.0 as recorded in the lineage store", byVersion.Error, StringComparison.Ordinal);
        Assert.Contains("not the recipe file", byVersion.Error, StringComparison.Ordinal);

        foreach (var reference in new[] { secondHash[..5], secondHash[..12].ToUpperInvariant(), "0.1.0+sha." + secondHash[..12] })
        {
            var shown = CliRun.InProcess(temp.Path, "recipe", "show", "grpo_math_small@" + reference);
            Assert.True(shown.ExitCode == ExitCodes.Ok, reference + ": " + shown);
            Assert.Equal(edited, shown.Out);
            Assert.Contains($"grpo_math_small@0.1.0+sha.{secondHash[..12]} as recorded in the lineage store (sha256 {secondHash[..12]}", shown.Error, StringComparison.Ordinal);
        }

        // The file as it is now is shown without a version.
        Assert.Contains("learning_rate: 4.0e-6", CliRun.InProcess(temp.Path, "recipe", "show", "grpo_math_small").Out, StringComparison.Ordinal);

        // An unrecorded built-in version is the built-in file.
        var builtIn = CliRun.InProcess(temp.Path, "recipe", "show", "sft_full@" + JsonNode.Parse(CliRun.InProcess(temp.Path, "recipe", "show", "sft_full", "--format", "json").Out)!["version"]!.GetValue<string>());
        Assert.Equal(ExitCodes.Ok, builtIn.ExitCode);
        Assert.Equal("", builtIn.Error);

        var missing = CliRun.InProcess(temp.Path, "recipe", "show", "grpo_math_small@ffff9");
        Assert.Equal(ExitCodes.UsageError, missing.ExitCode);
        Assert.Contains("no version ffff9 of recipe 'grpo_math_small'", missing.Error, StringComparison.Ordinal);
        Assert.Contains("recorded versions: ", missing.Error, StringComparison.Ordinal);
        Assert.Contains("0.1.0+sha." + secondHash[..12], missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Recommend_ranks_two_contents_of_one_version_apart()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var at = T0;
        var seed = 10;
        string Create(params string[] extra)
        {
            var r = CliRun.Pinned(temp.Path, at = at.AddMinutes(1), seed++, ["job", "create", "-r", "grpo_math_small", "-s", "7B", .. extra]);
            Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
            return r.Out.Trim();
        }

        void Finish(string id, string status)
        {
            Assert.Equal(ExitCodes.Ok, CliRun.Pinned(temp.Path, at = at.AddMinutes(1), seed++, "job", "update", id, "--status", "running").ExitCode);
            Assert.Equal(ExitCodes.Ok, CliRun.Pinned(temp.Path, at = at.AddMinutes(1), seed++, "job", "update", id, "--status", status).ExitCode);
        }

        Finish(Create(), "succeeded");
        Finish(Create(), "succeeded");
        EditWithoutBump(temp, "3.0e-5");
        var changed = Create("--allow-unbumped");
        Finish(changed, "failed");
        Finish(Create(), "failed");
        var version = Job(temp, changed)["recipe"]!["version"]!.GetValue<string>();

        var result = CliRun.InProcess(temp.Path, "recommend", "--task", "rlhf", "--algorithm", "grpo", "-s", "7B", "--format", "json");
        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        var ranks = JsonNode.Parse(result.Out)!["recipes"]!.AsArray();
        Assert.Equal(["grpo_math_small@0.1.0", "grpo_math_small@" + version],
            ranks.Select(r => r!["recipe"]!.GetValue<string>() + "@" + r["version"]!.GetValue<string>()));
        Assert.Equal([2, 0], ranks.Select(r => r!["succeeded"]!.GetValue<int>()));
        Assert.Equal([2, 2], ranks.Select(r => r!["jobs"]!.GetValue<int>()));
    }

    [Fact]
    public void Job_import_refuses_another_content_under_a_recorded_version_unless_allowed()
    {
        using var here = TempDir.CopyOf(Repo.Examples);
        using var there = TempDir.CopyOf(Repo.Examples);
        var mine = CliRun.Pinned(here.Path, T0, 1, "job", "create", "-r", "grpo_math_small", "-s", "7B").Out.Trim();
        EditWithoutBump(there, "3.0e-6");
        var theirs = CliRun.Pinned(there.Path, T0, 2, "job", "create", "-r", "grpo_math_small", "-s", "7B").Out.Trim();
        var theirHash = Job(there, theirs)["recipe"]!["sha256"]!.GetValue<string>();
        Assert.Equal(ExitCodes.Ok, CliRun.InProcess(there.Path, "job", "export", "--all", "-o", "theirs.jsonl").ExitCode);
        var file = Path.Combine(there.Path, "theirs.jsonl");

        var refused = CliRun.InProcess(here.Path, "job", "import", file);
        Assert.Equal(ExitCodes.Findings, refused.ExitCode);
        Assert.Contains($"recipe version grpo_math_small@0.1.0 is recorded with sha256 ", refused.Error, StringComparison.Ordinal);
        Assert.Contains($"but this content is sha256 {theirHash[..12]}", refused.Error, StringComparison.Ordinal);
        Assert.Contains("nothing was imported", refused.Error, StringComparison.Ordinal);
        Assert.Contains("--allow-unbumped", refused.Error, StringComparison.Ordinal);
        Assert.Equal([mine], JobIds(here));

        var allowed = CliRun.InProcess(here.Path, "job", "import", file, "--allow-unbumped");
        Assert.True(allowed.ExitCode == ExitCodes.Ok, allowed.ToString());
        Assert.Equal("0.1.0+sha." + theirHash[..12], Job(here, theirs)["recipe"]!["version"]!.GetValue<string>());
        Assert.Equal("0.1.0", Job(here, mine)["recipe"]!["version"]!.GetValue<string>());

        // An export of the renamed version imports into a third store as it is.
        Assert.Equal(ExitCodes.Ok, CliRun.InProcess(here.Path, "job", "export", "--all", "-o", "both.jsonl").ExitCode);
        var copy = CliRun.InProcess(here.Path, "job", "import", "both.jsonl", "--store", "copy.db");
        Assert.True(copy.ExitCode == ExitCodes.Ok, copy.ToString());
        Assert.Equal("0.1.0+sha." + theirHash[..12], JsonNode.Parse(CliRun.InProcess(here.Path, "job", "show", theirs, "--store", "copy.db", "--format", "json").Out)!["recipe"]!["version"]!.GetValue<string>());
    }
}
