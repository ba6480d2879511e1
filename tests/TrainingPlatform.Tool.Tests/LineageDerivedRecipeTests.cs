using System.Text.Json.Nodes;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>
/// Issue 17 C8: <c>lineage --recipe ID</c> also lists the jobs of recipes derived from ID — extended, or copied with
/// <c>recipe new --from</c>, directly or transitively — marked with how, in text and JSON, also after <c>job import</c>.
/// </summary>
public sealed class LineageDerivedRecipeTests
{
    private static readonly DateTimeOffset T0 = new(2026, 4, 1, 9, 0, 0, TimeSpan.Zero);

    private static string Create(string folder, string recipe, int minute)
    {
        var r = CliRun.Pinned(folder, T0.AddMinutes(minute), minute, "job", "create", "-r", recipe, "-s", "7B");
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Out.Trim();
    }

    private static void New(string folder, string id, string how, string from) =>
        Assert.Equal(0, CliRun.InProcess(folder, "recipe", "new", id, how, from).ExitCode);

    [Fact]
    public void Jobs_of_copies_and_extensions_are_listed_as_derived_in_text_and_json_and_after_an_import()
    {
        using var project = TempDir.CopyOf(Repo.Examples);
        New(project.Path, "my_grpo", "--from", "grpo_basic");
        New(project.Path, "my_ext", "--extends", "grpo_basic");
        New(project.Path, "my2", "--from", "my_grpo");
        New(project.Path, "my3", "--extends", "my2");
        New(project.Path, "my_sft", "--from", "sft_full");
        var direct = Create(project.Path, "grpo_basic", 1);
        var copied = Create(project.Path, "my_grpo", 2);
        var extended = Create(project.Path, "my_ext", 3);
        var copyOfCopy = Create(project.Path, "my2", 4);
        var onCopy = Create(project.Path, "my3", 5);
        var unrelated = Create(project.Path, "my_sft", 6);

        var text = CliRun.InProcess(project.Path, "lineage", "--recipe", "grpo_basic");
        Assert.True(text.ExitCode == 0, text.ToString());
        var rows = text.Out.ReplaceLineEndings("\n").Split('\n');
        string Via(string job) => rows.Single(l => l.StartsWith(job, StringComparison.Ordinal));
        Assert.Contains("  -  ", Via(direct), StringComparison.Ordinal);
        Assert.Contains(" my_grpo@0.1.0 (copied) ", Via(copied), StringComparison.Ordinal);
        Assert.Contains(" my_ext@0.1.0 (extends) ", Via(extended), StringComparison.Ordinal);
        Assert.Contains(" my2@0.1.0 (copied from my_grpo, copied) ", Via(copyOfCopy), StringComparison.Ordinal);
        Assert.Contains(" my3@0.1.0 (extends my2, copied from my_grpo, copied) ", Via(onCopy), StringComparison.Ordinal);
        Assert.DoesNotContain(rows, l => l.StartsWith(unrelated, StringComparison.Ordinal));
        Assert.Contains("5 jobs used grpo_basic (VIA: through a recipe derived from it", text.Out, StringComparison.Ordinal);

        var expected = new[]
        {
            $"{onCopy} via my3@0.1.0: extends my2@0.1.0, copied my_grpo@0.1.0, copied grpo_basic@1.2.0",
            $"{copyOfCopy} via my2@0.1.0: copied my_grpo@0.1.0, copied grpo_basic@1.2.0",
            $"{extended} via my_ext@0.1.0: extends grpo_basic@1.2.0",
            $"{copied} via my_grpo@0.1.0: copied grpo_basic@1.2.0",
            $"{direct} via -: ",
        };
        Assert.Equal(expected, Json(project.Path, "grpo_basic@1.2.0"));

        // A copy's own lineage lists what derives from it, and nothing above it.
        Assert.Equal([$"{onCopy} via my3@0.1.0: extends my2@0.1.0, copied my_grpo@0.1.0", $"{copyOfCopy} via my2@0.1.0: copied my_grpo@0.1.0", $"{copied} via -: "],
            Json(project.Path, "my_grpo"));

        // job import records the links of the versions it brings: the other store answers the same.
        Assert.Equal(0, CliRun.InProcess(project.Path, "job", "export", "--all", "-o", "jobs.jsonl").ExitCode);
        using var other = TempDir.CopyOf(Repo.Examples);
        File.Copy(Path.Combine(project.Path, "jobs.jsonl"), Path.Combine(other.Path, "jobs.jsonl"));
        var import = CliRun.InProcess(other.Path, "job", "import", "jobs.jsonl");
        Assert.True(import.ExitCode == 0, import.ToString());
        Assert.Equal(expected, Json(other.Path, "grpo_basic@1.2.0"));
    }

    private static string[] Json(string folder, string recipe)
    {
        var r = CliRun.InProcess(folder, "lineage", "--recipe", recipe, "--format", "json");
        Assert.True(r.ExitCode == 0, r.ToString());
        return [.. JsonNode.Parse(r.Out)!.AsArray().Select(u =>
            $"{u!["job"]!.GetValue<string>()} via {u["via"]?.GetValue<string>() ?? "-"}: "
            + string.Join(", ", u["links"]!.AsArray().Select(l => $"{l!["link"]!.GetValue<string>()} {l["to"]!.GetValue<string>()}")))];
    }
}
