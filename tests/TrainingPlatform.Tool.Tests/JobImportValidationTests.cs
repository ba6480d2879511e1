using System.Text.Json.Nodes;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>
/// Issue 13 item 8: <c>job import</c> takes only what the commands that create records would have made — job ids,
/// content hashes that match their content, positive GPU counts, steps ≥ 0, references that resolve, parents without
/// cycles — and reports every bad line as FILE:LINE, importing nothing.
/// </summary>
public sealed class JobImportValidationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    /// <summary>An export of two jobs (the second a clone of the first, with metrics), as lines.</summary>
    private static (TempDir Project, List<JsonObject> Lines) Export()
    {
        var temp = TempDir.CopyOf(Repo.Examples);
        File.Copy(Path.Combine(Repo.Root, "tests", "TrainingPlatform.Tool.Tests", "Data", "metrics-small.jsonl"), Path.Combine(temp.Path, "m.jsonl"));
        var id = CliRun.Pinned(temp.Path, T0, 1, "job", "create", "-r", "grpo_math_small", "-s", "7B", "-d", "train=data/train.jsonl").Out.Trim();
        Assert.Equal(0, CliRun.Pinned(temp.Path, T0.AddMinutes(1), 2, "job", "clone", id, "--gpus", "16").ExitCode);
        Assert.Equal(0, CliRun.Pinned(temp.Path, T0.AddMinutes(2), 3, "metrics", "import", id, "m.jsonl", "--start").ExitCode);
        Assert.Equal(0, CliRun.InProcess(temp.Path, "job", "export", "--all", "-o", "good.jsonl").ExitCode);
        return (temp, [.. File.ReadAllLines(Path.Combine(temp.Path, "good.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject())]);
    }

    private static int LineOf(List<JsonObject> lines, string type, int nth = 0) =>
        lines.Select((l, i) => (l, i)).Where(x => (string?)x.l["type"] == type).ElementAt(nth).i;

    private static CliResult ImportInto(TempDir temp, IEnumerable<JsonObject> lines)
    {
        File.WriteAllLines(Path.Combine(temp.Path, "bad.jsonl"), lines.Select(l => l.ToJsonString()));
        return CliRun.InProcess(temp.Path, "job", "import", "bad.jsonl", "--store", "target/lineage.db");
    }

    [Fact]
    public void Every_record_the_commands_would_refuse_is_reported_by_line_and_nothing_is_imported()
    {
        var (project, lines) = Export();
        using var temp = project;
        var job = LineOf(lines, "job");
        var clone = LineOf(lines, "job", 1);
        var jobId = (string)lines[job]["id"]!;
        var cloneId = (string)lines[clone]["id"]!;
        var bad = lines.Select(l => l.DeepClone().AsObject()).ToList();

        JsonObject CopyOf(int line, string id)
        {
            var copy = lines[line].DeepClone().AsObject();
            copy["id"] = id;
            copy["parent"] = null;
            return copy;
        }

        // Ids the store can never show or delete.
        bad.Add(CopyOf(job, ""));
        bad.Add(CopyOf(job, "../../etc/passwd"));
        bad.Add(CopyOf(job, "ABC"));

        // A recipe version and a config whose content does not hash to their key.
        var recipe = LineOf(bad, "recipe_version");
        bad[recipe]["text"] = (string)bad[recipe]["text"]! + "\nzz_tampered: 1\n";
        var config = LineOf(bad, "config");
        bad[config]["config"]!.AsObject()["tampered"] = 1;

        // A parent cycle (the job and its clone name each other) and a job that is its own parent.
        bad[job]["parent"] = cloneId;
        var self = CopyOf(job, "aaaaaaaaaaaa");
        self["parent"] = "aaaaaaaaaaaa";
        bad.Add(self);

        // Negative GPUs, a dangling config hash, negative steps.
        var negative = CopyOf(job, "bbbbbbbbbbbb");
        negative["gpus"] = -8;
        bad.Add(negative);
        var dangling = CopyOf(job, "cccccccccccc");
        dangling["config_hash"] = new string('0', 64);
        bad.Add(dangling);
        var metrics = LineOf(bad, "metrics");
        bad[metrics]["points"]!.AsArray()[0]!.AsArray()[0] = -5;

        var r = ImportInto(temp, bad);

        Assert.Equal(ExitCodes.UsageError, r.ExitCode);
        string At(int index) => $"bad.jsonl:{index + 1}: ";
        var expected = new (int Line, string Text)[]
        {
            (bad.Count - 6, "job id '' is not 12 lower-case hex digits"),
            (bad.Count - 5, "job id '../../etc/passwd' is not 12 lower-case hex digits"),
            (bad.Count - 4, "job id 'ABC' is not 12 lower-case hex digits"),
            (recipe, "its text hashes to"),
            (config, "config: its content hashes to"),
            (bad.Count - 2, "job bbbbbbbbbbbb: gpus must be a positive whole number, not -8"),
            (metrics, "step -5: the step must be a whole number ≥ 0"),
        };
        foreach (var (line, text) in expected)
        {
            Assert.Contains(At(line) + (text.StartsWith("job", StringComparison.Ordinal) || text.StartsWith("config", StringComparison.Ordinal) ? text : ""), r.Error, StringComparison.Ordinal);
            Assert.Contains(text, r.Error, StringComparison.Ordinal);
        }

        Assert.Contains("bad lines; nothing was imported", r.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(temp.Path, "target", "lineage.db")));

        // The same export with only the reference problems (a cycle, a dangling hash): found against the store, nothing imported.
        var references = lines.Select(l => l.DeepClone().AsObject()).ToList();
        references[job]["parent"] = cloneId;
        references.Add(self);
        references.Add(dangling);
        var refs = ImportInto(temp, references);
        Assert.Equal(ExitCodes.UsageError, refs.ExitCode);
        Assert.Contains($"{At(job)}job {jobId}: its parents form a cycle ({jobId} → {cloneId} → {jobId})", refs.Error, StringComparison.Ordinal);
        Assert.Contains($"{At(references.Count - 2)}job aaaaaaaaaaaa: its parents form a cycle (aaaaaaaaaaaa → aaaaaaaaaaaa)", refs.Error, StringComparison.Ordinal);
        Assert.Contains($"{At(references.Count - 1)}job cccccccccccc: config 0000", refs.Error, StringComparison.Ordinal);
        Assert.Equal("No jobs match.\n", CliRun.InProcess(temp.Path, "job", "list", "--store", "target/lineage.db").Out);

        // The untouched export still imports, every content hash recomputed and matching.
        var good = CliRun.InProcess(temp.Path, "job", "import", "good.jsonl", "--store", "target/lineage.db");
        Assert.True(good.ExitCode == 0, good.ToString());
        Assert.Contains(cloneId, CliRun.InProcess(temp.Path, "job", "list", "--store", "target/lineage.db").Out, StringComparison.Ordinal);
    }
}
