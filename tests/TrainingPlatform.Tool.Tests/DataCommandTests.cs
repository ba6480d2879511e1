using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

public sealed partial class DataCommandTests
{
    [GeneratedRegex(@"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC")]
    private static partial Regex Time();

    private static string Normalize(string text) => Time().Replace(text, "<time>");

    [Fact]
    public void Snapshot_of_the_example_data_folder_text()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var result = CliRun.InProcess(temp.Path, "data", "snapshot", "data");
        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Equal("", result.Error);
        Approvals.Verify(result.Out, "data-snapshot-folder");
        Assert.True(File.Exists(Path.Combine(temp.Path, ".trainplat", "lineage.db")));
    }

    [Fact]
    public void Snapshot_list_show_status_and_diff_follow_one_dataset_through_a_change()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var first = CliRun.InProcess(temp.Path, "data", "snapshot", "data/train.jsonl", "--name", "train");
        Assert.Equal(ExitCodes.Ok, first.ExitCode);
        Assert.Contains("version:  train@659a86f5414c (new)", first.Out, StringComparison.Ordinal);
        var again = CliRun.InProcess(temp.Path, "data", "snapshot", "data/train.jsonl", "--name", "train");
        Assert.Contains("version:  train@659a86f5414c (already recorded", again.Out, StringComparison.Ordinal);

        Assert.Equal(ExitCodes.Ok, CliRun.InProcess(temp.Path, "data", "status").ExitCode);
        File.AppendAllText(Path.Combine(temp.Path, "data", "train.jsonl"), "{\"prompt\": \"p\", \"response\": \"r\"}\n");
        var status = CliRun.InProcess(temp.Path, "data", "status");
        Assert.Equal(ExitCodes.Findings, status.ExitCode);
        CliRun.InProcess(temp.Path, "data", "snapshot", "data/train.jsonl", "--name", "train");
        var diff = CliRun.InProcess(temp.Path, "data", "diff", "train@659a", "train", "--exit-code");
        Assert.Equal(ExitCodes.Findings, diff.ExitCode);
        Assert.Equal(ExitCodes.Ok, CliRun.InProcess(temp.Path, "data", "diff", "train", "data/train.jsonl", "--exit-code").ExitCode);

        var text = string.Join("\n", status.Out, diff.Out,
            CliRun.InProcess(temp.Path, "data", "list").Out,
            CliRun.InProcess(temp.Path, "data", "show", "train@659a86").Out);
        Approvals.Verify(Normalize(text), "data-lifecycle");
    }

    [Fact]
    public void A_folder_of_more_than_100_files_lists_the_first_100_in_text_and_every_file_in_json()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var folder = Path.Combine(temp.Path, "many");
        Directory.CreateDirectory(folder);
        for (var i = 0; i < 103; i++)
        {
            File.WriteAllText(Path.Combine(folder, $"f{i:000}.jsonl"), $"{{\"i\":{i}}}\n");
        }

        var text = CliRun.InProcess(temp.Path, "data", "snapshot", "many", "--no-record");
        Assert.Equal(ExitCodes.Ok, text.ExitCode);
        Assert.Contains("format:   folder, 103 files", text.Out, StringComparison.Ordinal);
        Assert.Contains("    f099.jsonl", text.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("f100.jsonl", text.Out, StringComparison.Ordinal);
        Assert.Contains("    … and 3 more files (--format json lists every file)\n", text.Out.ReplaceLineEndings("\n"), StringComparison.Ordinal);

        var json = CliRun.InProcess(temp.Path, "data", "snapshot", "many", "--format", "json");
        Assert.Equal(103, JsonNode.Parse(json.Out)!["datasets"]![0]!["files"]!.AsArray().Count);
        var show = CliRun.InProcess(temp.Path, "data", "show", "many");
        Assert.Contains("    … and 3 more files (--format json lists every file)", show.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("f100.jsonl", show.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_output_is_parseable_and_stderr_stays_empty()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var snapshot = CliRun.InProcess(temp.Path, "data", "snapshot", "data", "data/prefs.parquet", "--format", "json");
        Assert.Equal("", snapshot.Error);
        var datasets = JsonNode.Parse(snapshot.Out)!["datasets"]!.AsArray();
        Assert.Equal(["data", "data/prefs.parquet"], datasets.Select(d => d!["name"]!.GetValue<string>()));
        Assert.Equal(48, datasets[0]!["samples"]!.GetValue<long>());
        Assert.Equal("new", datasets[1]!["recorded"]!.GetValue<string>());
        Assert.Equal(3, datasets[0]!["files"]!.AsArray().Count);

        var list = JsonNode.Parse(CliRun.InProcess(temp.Path, "data", "list", "--format", "json").Out)!.AsArray();
        Assert.Equal(2, list.Count);
        var status = JsonNode.Parse(CliRun.InProcess(temp.Path, "data", "status", "--format", "json").Out)!;
        Assert.Equal(2, status["summary"]!["unchanged"]!.GetValue<int>());
    }

    [Fact]
    public void Check_reports_every_bad_file_with_exit_1_not_only_the_first()
    {
        // Issue 17, B5: a file --check cannot read (a corrupt Parquet file, a mislabelled one) used to end the run with exit 2.
        using var temp = new TempDir();
        temp.Write("a.jsonl", "{\"a\":1}\n{bad\n");
        temp.Write("broken.parquet", "PAR1 this is not parquet PAR1");
        temp.Write("b.csv", "x,y\n1\n");
        temp.Write("dir/ok.jsonl", "{\"a\":1}\n");
        temp.Write("dir/e.parquet", "junk");
        temp.Write("dir/named.jsonl", "id,text\n1,a\n");
        var result = CliRun.InProcess(temp.Path, "data", "snapshot", "a.jsonl", "broken.parquet", "b.csv", "dir", "--check");
        Assert.Equal(ExitCodes.Findings, result.ExitCode);
        Assert.Equal("", result.Error);
        Assert.Contains("    line 2: 'b' is an invalid start of a property name", result.Out, StringComparison.Ordinal);
        Assert.Contains("    file: not a valid Parquet file (", result.Out, StringComparison.Ordinal);
        Assert.Contains("    line 2: 1 fields, the header has 2", result.Out, StringComparison.Ordinal);
        Assert.Contains("    e.parquet:file: not a valid Parquet file", result.Out, StringComparison.Ordinal);
        Assert.Equal(4, result.Out.Split('\n').Count(l => l.StartsWith("  version:  not recorded (--check found problems)", StringComparison.Ordinal)));

        var json = JsonNode.Parse(CliRun.InProcess(temp.Path, "data", "snapshot", "dir", "broken.parquet", "--check", "--format", "json").Out)!["datasets"]!.AsArray();
        Assert.Equal(2, json[0]!["problems"]!["count"]!.GetValue<long>()); // e.parquet and named.jsonl (CSV in a .jsonl)
        Assert.Null(json[0]!["hash"]); // no tree hash over files that could not be read
        Assert.Equal(1, json[1]!["problems"]!["count"]!.GetValue<long>());
        Assert.Contains("No dataset versions recorded.", CliRun.InProcess(temp.Path, "data", "list").Out, StringComparison.Ordinal);

        // Without --check, a file that cannot be read is still one error line and exit 2.
        var plain = CliRun.InProcess(temp.Path, "data", "snapshot", "a.jsonl", "broken.parquet", "b.csv");
        Assert.Equal(ExitCodes.UsageError, plain.ExitCode);
        Assert.StartsWith("trainplat: error: broken.parquet: not a valid Parquet file", plain.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_recorded_name_that_looks_like_host_colon_path_is_that_dataset_not_a_host()
    {
        // Issue 21: `train:v2` reads as scp-style (path v2 on host train) when nothing on disk has that name; a recorded
        // dataset of that name must win, or diff, fetch and job create try to reach a host called train.
        using var temp = TempDir.CopyOf(Repo.Examples);
        Assert.Equal(ExitCodes.Ok, CliRun.InProcess(temp.Path, "data", "snapshot", "data/train.jsonl", "--name", "train:v2").ExitCode);

        var diff = CliRun.InProcess(temp.Path, "data", "diff", "train:v2", "data/train.jsonl", "--exit-code");
        var fetch = CliRun.InProcess(temp.Path, "data", "fetch", "train:v2", "dest");
        var job = CliRun.InProcess(temp.Path, "job", "create", "grpo_basic", "--model-size", "7B", "--dataset", "train=train:v2");
        var unknown = CliRun.InProcess(temp.Path, "data", "diff", "nohost-xyz:v2", "data/train.jsonl");

        Assert.Equal(ExitCodes.Ok, diff.ExitCode);
        Assert.StartsWith("recorded train:v2@659a86f5414c (", diff.Out, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.UsageError, fetch.ExitCode);
        Assert.StartsWith("trainplat: error: train:v2@659a86f5414c was recorded from the local path data/train.jsonl, not from a remote host", fetch.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Ok, job.ExitCode);
        Assert.Contains("train:v2@659a86f5414c", CliRun.InProcess(temp.Path, "job", "show", job.Out.Trim()).Out, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.UsageError, unknown.ExitCode); // no such name: still a path on a host, which ssh cannot find
        Assert.Contains("nohost-xyz", unknown.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_with_one_name_compares_the_recorded_version_with_the_disk_and_says_which_side_is_which()
    {
        // Issue 17, D18: `data diff NAME` needed a second operand, and the output did not say which side was recorded.
        using var temp = TempDir.CopyOf(Repo.Examples);
        Assert.Equal(ExitCodes.Ok, CliRun.InProcess(temp.Path, "data", "snapshot", "data/train.jsonl", "--name", "train").ExitCode);
        var same = CliRun.InProcess(temp.Path, "data", "diff", "train", "--exit-code");
        Assert.Equal(ExitCodes.Ok, same.ExitCode);
        Assert.Matches(@"^recorded train@659a86f5414c \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\) → on disk data/train\.jsonl\n  content:  same ", same.Out);

        File.AppendAllText(Path.Combine(temp.Path, "data", "train.jsonl"), "{\"prompt\": \"p\", \"response\": \"r\"}\n");
        foreach (var operand in new[] { "train", "train@659a", "data/train.jsonl" })
        {
            var changed = CliRun.InProcess(temp.Path, "data", "diff", operand, "--exit-code");
            Assert.Equal(ExitCodes.Findings, changed.ExitCode);
            Assert.StartsWith("recorded train@659a86f5414c (", changed.Out, StringComparison.Ordinal);
            Assert.Contains(") → on disk data/train.jsonl\n  content:  different (659a86f5414c → ", changed.Out, StringComparison.Ordinal);
            Assert.Contains("  samples:  20 → 21 (+1)", changed.Out, StringComparison.Ordinal);
        }

        var json = JsonNode.Parse(CliRun.InProcess(temp.Path, "data", "diff", "train", "--format", "json").Out)!;
        Assert.Equal("recorded", json["left"]!["source"]!.GetValue<string>());
        Assert.Equal("train@659a86f5414c", json["left"]!["label"]!.GetValue<string>());
        Assert.NotNull(json["left"]!["created"]);
        Assert.Equal("disk", json["right"]!["source"]!.GetValue<string>());
        Assert.Equal("data/train.jsonl", json["right"]!["path"]!.GetValue<string>());

        temp.Write("copy.jsonl", File.ReadAllText(Path.Combine(temp.Path, "data", "train.jsonl")));
        var paths = CliRun.InProcess(temp.Path, "data", "diff", "data/train.jsonl", "copy.jsonl");
        Assert.StartsWith("on disk data/train.jsonl → on disk copy.jsonl\n  content:  same", paths.Out, StringComparison.Ordinal);

        var unrecorded = CliRun.InProcess(temp.Path, "data", "diff", "data/prefs.csv");
        Assert.Equal(ExitCodes.UsageError, unrecorded.ExitCode);
        Assert.StartsWith("trainplat: error: data/prefs.csv: no version of it is recorded", unrecorded.Error, StringComparison.Ordinal);
        Assert.Contains("  hint: record one with 'trainplat data snapshot data/prefs.csv'", unrecorded.Error, StringComparison.Ordinal);

        File.Delete(Path.Combine(temp.Path, "data", "train.jsonl"));
        var missing = CliRun.InProcess(temp.Path, "data", "diff", "train");
        Assert.Equal(ExitCodes.UsageError, missing.ExitCode);
        Assert.StartsWith("trainplat: error: train@659a86f5414c was recorded from data/train.jsonl, which is not on disk now", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_finds_bad_lines_exits_1_and_records_nothing()
    {
        using var temp = new TempDir();
        temp.Write("bad.jsonl", "{\"a\":1}\n{\"a\":\n\n{\"a\":3}\nnot json\n");
        var result = CliRun.InProcess(temp.Path, "data", "snapshot", "bad.jsonl", "--check");
        Assert.Equal(ExitCodes.Findings, result.ExitCode);
        Assert.Contains("not recorded (--check found problems)", result.Out, StringComparison.Ordinal);
        Assert.Contains("    line 2: ", result.Out, StringComparison.Ordinal);
        Assert.Contains("    line 5: ", result.Out, StringComparison.Ordinal);
        Assert.Contains("No dataset versions recorded.", CliRun.InProcess(temp.Path, "data", "list").Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("unsupported algorithm 'md5'", "data", "snapshot", "x.jsonl", "--algorithm", "md5")]
    [InlineData("nope.jsonl: no such file or folder", "data", "snapshot", "nope.jsonl")]
    [InlineData("--name needs exactly one PATH", "data", "snapshot", "x.jsonl", "y.csv", "--name", "n")]
    [InlineData("invalid dataset name 'a@b'", "data", "snapshot", "x.jsonl", "--name", "a@b")]
    [InlineData("broken.parquet: not a valid Parquet file", "data", "snapshot", "broken.parquet")]
    [InlineData("y.csv: unbalanced quote", "data", "snapshot", "y.csv")]
    [InlineData("no recorded dataset named 'x'", "data", "show", "x")]
    [InlineData("no recorded dataset named 'x'", "data", "diff", "x", "x.jsonl")]
    public void Usage_and_data_errors_are_one_line_on_stderr_with_exit_2(string message, params string[] args)
    {
        using var temp = new TempDir();
        temp.Write("x.jsonl", "{\"a\":1}\n");
        temp.Write("y.csv", "a,b\n\"open,1\n");
        temp.Write("broken.parquet", "PAR1 this is not parquet PAR1");
        var result = CliRun.InProcess(temp.Path, args);
        Assert.Equal(ExitCodes.UsageError, result.ExitCode);
        Assert.StartsWith("trainplat: error: " + message, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("trainplat: error: ", StringComparison.Ordinal));
        Assert.Equal("", result.Out);
    }

    [Fact]
    public void The_store_is_taken_from_store_option_then_trainplat_yaml()
    {
        using var temp = new TempDir();
        temp.Write("trainplat.yaml", "apiVersion: trainplat/v1\nname: t\nstore: lineage/store.db\n");
        temp.Write("x.jsonl", "{\"a\":1}\n");
        Assert.Equal(ExitCodes.Ok, CliRun.InProcess(temp.Path, "data", "snapshot", "x.jsonl").ExitCode);
        Assert.True(File.Exists(Path.Combine(temp.Path, "lineage", "store.db")));
        Assert.Equal(ExitCodes.Ok, CliRun.InProcess(temp.Path, "data", "snapshot", "x.jsonl", "--store", "other.db").ExitCode);
        Assert.True(File.Exists(Path.Combine(temp.Path, "other.db")));
        Assert.Contains("x.jsonl", CliRun.InProcess(temp.Path, "data", "list", "--store", "other.db").Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_processes_share_the_store_and_the_stat_cache()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        File.SetLastWriteTimeUtc(Path.Combine(temp.Path, "data", "train.jsonl"), DateTime.UtcNow.AddHours(-1));
        Thread.Sleep(2100); // past the stat cache's racy window (ctime counts too)
        var first = CliRun.Process(temp.Path, null, "data", "snapshot", "data/train.jsonl", "--format", "json");
        var second = CliRun.Process(temp.Path, null, "data", "snapshot", "data/train.jsonl", "--format", "json");
        Assert.Equal(ExitCodes.Ok, first.ExitCode);
        Assert.Equal("", first.Error);
        var a = JsonNode.Parse(first.Out)!["datasets"]![0]!;
        var b = JsonNode.Parse(second.Out)!["datasets"]![0]!;
        Assert.Equal(("new", 2244L), (a["recorded"]!.GetValue<string>(), a["bytes_read"]!.GetValue<long>()));
        Assert.Equal(("existing", 0L), (b["recorded"]!.GetValue<string>(), b["bytes_read"]!.GetValue<long>()));
        Assert.Single(JsonNode.Parse(CliRun.Process(temp.Path, null, "data", "list", "--format", "json").Out)!.AsArray());
    }
}
