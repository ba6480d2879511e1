using System.Text.Json.Nodes;
using TrainingPlatform.Core.Tests.Support;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>One private sshd for the CLI's remote-dataset tests of a class.</summary>
public sealed class RemoteDataSshdFixture : IDisposable
{
    internal TestSshd Sshd { get; } = TestSshd.Start();

    public void Dispose() => Sshd.Dispose();
}

/// <summary>
/// <c>data snapshot|status|diff</c> and <c>job create --dataset</c> with <c>ssh://</c> paths, against a real sshd
/// (tests/ssh/sshd.sh), in-process and as the tool's process (the AOT binary in test.sh's second pass).
/// </summary>
public sealed class RemoteDataCommandTests(RemoteDataSshdFixture fixture) : IClassFixture<RemoteDataSshdFixture>
{
    private TestSshd Sshd => fixture.Sshd;

    private string[] Trust => ["--known-hosts", Sshd.KnownHosts, "--identity", Sshd.Identity];

    [Theory]
    [InlineData("remote")]
    [InlineData("stream")]
    public void A_remote_jsonl_file_records_the_hash_and_sample_count_of_a_local_snapshot(string method)
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var remote = RemoteCopyOfExampleData();
        var local = Json(CliRun.InProcess(temp.Path, "data", "snapshot", "data/train.jsonl", "--no-record", "--format", "json"));
        var url = Sshd.Url(remote + "/train.jsonl");

        var result = CliRun.InProcess(temp.Path, ["data", "snapshot", url, "--hash-on", method, .. Trust]);
        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Equal("", result.Error);
        Assert.StartsWith(url + "\n", result.Out, StringComparison.Ordinal);
        Assert.Contains($"sha256:   {local["hash"]}\n", result.Out, StringComparison.Ordinal);
        Assert.Contains($"samples:  {local["samples"]}\n", result.Out, StringComparison.Ordinal);
        Assert.Contains(method == "remote" ? "method:   remote (sha256sum on localhost)\n" : "method:   stream (SFTP)\n", result.Out, StringComparison.Ordinal);

        // Recorded under the URL without the login, with the path it was read from.
        var listed = JsonNode.Parse(CliRun.InProcess(temp.Path, "data", "list", "--format", "json").Out)!.AsArray().Single()!;
        Assert.Equal($"ssh://localhost:{Sshd.Port}{remote}/train.jsonl", listed["name"]!.GetValue<string>());
        Assert.Equal(url, listed["path"]!.GetValue<string>());
        Assert.Equal(local["hash"]!.GetValue<string>(), listed["hash"]!.GetValue<string>());
        Assert.Equal(local["samples"]!.GetValue<long>(), listed["samples"]!.GetValue<long>());
    }

    [Fact]
    public void Parquet_csv_gz_and_a_mixed_folder_give_the_local_results_as_a_process()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var remote = RemoteCopyOfExampleData();
        using (var gz = new System.IO.Compression.GZipStream(File.Create(Path.Combine(remote, "t.jsonl.gz")), System.IO.Compression.CompressionLevel.Fastest))
        {
            gz.Write(File.ReadAllBytes(Path.Combine(remote, "train.jsonl")));
        }

        File.Copy(Path.Combine(remote, "t.jsonl.gz"), Path.Combine(temp.Path, "data", "t.jsonl.gz"));
        Touch(remote);
        foreach (var method in new[] { "remote", "stream" })
        {
            string[] paths = ["prefs.parquet", "prefs.csv", "t.jsonl.gz", ""];
            var local = Json(CliRun.Process(temp.Path, null, ["data", "snapshot", .. paths.Select(p => "data/" + p), "--no-record", "--format", "json"]), all: true);
            var result = CliRun.Process(temp.Path, null,
                ["data", "snapshot", .. paths.Select(p => Sshd.Url(remote + "/" + p).TrimEnd('/')), "--no-record", "--format", "json", "--hash-on", method, .. Trust]);
            Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
            var remoteJson = Json(result, all: true);
            for (var i = 0; i < paths.Length; i++)
            {
                var (l, r) = (local[i]!, remoteJson[i]!);
                foreach (var key in new[] { "kind", "format", "size", "hash", "samples", "fields" })
                {
                    Assert.True(JsonNode.DeepEquals(l[key], r[key]), $"{method} {paths[i]} {key}: {l[key]?.ToJsonString()} locally, {r[key]?.ToJsonString()} remotely");
                }

                Assert.Equal(l["files"]!.AsArray().Select(f => f!["path"] + " " + f["hash"] + " " + f["samples"]),
                    r["files"]!.AsArray().Select(f => f!["path"] + " " + f["hash"] + " " + f["samples"]));
                Assert.Equal("localhost", r["method"]!["host"]!.GetValue<string>());
                Assert.Null(l["method"]);
            }
        }
    }

    [Fact]
    public void Status_names_a_changed_remote_file_and_an_unchanged_one_is_answered_by_the_stat_cache()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var remote = RemoteCopyOfExampleData();
        var url = Sshd.Url(remote + "/train.jsonl");
        Assert.Equal(ExitCodes.Ok, CliRun.InProcess(temp.Path, ["data", "snapshot", url, "--name", "train", .. Trust]).ExitCode);

        var again = CliRun.InProcess(temp.Path, ["data", "snapshot", url, "--name", "train", .. Trust]);
        Assert.Equal(ExitCodes.Ok, again.ExitCode);
        Assert.Contains("method:   stat cache (nothing read, no remote command run)\n", again.Out, StringComparison.Ordinal);
        Assert.Contains("read:     0 bytes; 1 of 1 file unchanged since the last snapshot (stat cache)\n", again.Out, StringComparison.Ordinal);
        var json = Json(CliRun.InProcess(temp.Path, ["data", "snapshot", url, "--name", "train", "--format", "json", .. Trust]));
        Assert.Equal(0, json["bytes_read"]!.GetValue<long>());
        Assert.Equal(0, json["method"]!["remote_commands"]!.GetValue<int>());
        Assert.Equal(0, json["method"]!["bytes_transferred"]!.GetValue<long>());

        var unchanged = CliRun.InProcess(temp.Path, ["data", "status", .. Trust]);
        Assert.True(unchanged.ExitCode == ExitCodes.Ok, unchanged.ToString());
        Assert.Contains("1 dataset: 1 unchanged, 0 modified, 0 missing", unchanged.Out, StringComparison.Ordinal);

        var file = Path.Combine(remote, "train.jsonl");
        File.AppendAllText(file, "{\"prompt\": \"p\", \"response\": \"r\"}\n");
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(-30));
        var modified = CliRun.Process(temp.Path, null, ["data", "status", .. Trust]);
        Assert.True(modified.ExitCode == ExitCodes.Findings, modified.ToString());
        Assert.Contains("modified", modified.Out, StringComparison.Ordinal);
        Assert.Contains(url + "  (+", modified.Out, StringComparison.Ordinal);
        Assert.Contains("+1 samples", modified.Out, StringComparison.Ordinal);

        File.Delete(file);
        var missing = CliRun.InProcess(temp.Path, ["data", "status", .. Trust]);
        Assert.Equal(ExitCodes.Findings, missing.ExitCode);
        Assert.Contains("1 dataset: 0 unchanged, 0 modified, 1 missing", missing.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_host_key_is_refused_with_its_fingerprint_accepted_on_request_and_a_changed_one_always_refused()
    {
        using var sshd = TestSshd.Start();
        using var temp = TempDir.CopyOf(Repo.Examples);
        var data = Path.Combine(sshd.Home, "data");
        Directory.CreateDirectory(data);
        File.Copy(Path.Combine(Repo.Examples, "data", "train.jsonl"), Path.Combine(data, "train.jsonl"));
        var knownHosts = Path.Combine(temp.Path, "known_hosts");
        File.WriteAllText(knownHosts, "");
        var url = sshd.Url(data + "/train.jsonl");
        string[] options = ["--known-hosts", knownHosts, "--identity", sshd.Identity];

        var unknown = CliRun.Process(temp.Path, null, ["data", "snapshot", url, .. options]);
        Assert.True(unknown.ExitCode == ExitCodes.UsageError, unknown.ToString());
        Assert.Contains("host key not known", unknown.Error, StringComparison.Ordinal);
        Assert.Contains(sshd.HostKeyFingerprint, unknown.Error, StringComparison.Ordinal);
        Assert.Contains("--accept-new-host-key", unknown.Error, StringComparison.Ordinal);
        Assert.Equal("", unknown.Out);
        Assert.Equal("No dataset versions recorded.\n", CliRun.InProcess(temp.Path, "data", "list").Out);

        var accepted = CliRun.InProcess(temp.Path, ["data", "snapshot", url, "--accept-new-host-key", .. options]);
        Assert.True(accepted.ExitCode == ExitCodes.Ok, accepted.ToString());
        Assert.NotEqual("", File.ReadAllText(knownHosts)); // the key added (ssh may hash the host name)
        Assert.Equal(ExitCodes.Ok, CliRun.InProcess(temp.Path, ["data", "status", .. options]).ExitCode);

        sshd.Rekey();
        var changed = CliRun.InProcess(temp.Path, ["data", "snapshot", url, "--accept-new-host-key", "--no-cache", .. options]);
        Assert.True(changed.ExitCode == ExitCodes.UsageError, changed.ToString());
        Assert.Contains("CHANGED", changed.Error, StringComparison.Ordinal);
        Assert.Contains(sshd.HostKeyFingerprint, changed.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.UsageError, CliRun.InProcess(temp.Path, ["data", "status", "--accept-new-host-key", .. options]).ExitCode);
    }

    [Theory]
    [InlineData("remote")]
    [InlineData("stream")]
    public void Hostile_file_names_are_snapshotted_and_nothing_runs(string method)
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var folder = Path.Combine(Sshd.Home, "hostile-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        string[] names = ["a;touch pwned.jsonl", "$(touch pwned).jsonl", "q'uo\"te\nnewline.jsonl"];
        foreach (var name in names)
        {
            File.WriteAllText(Path.Combine(folder, name), "{\"x\": 1}\n");
        }

        var result = CliRun.InProcess(temp.Path, ["data", "snapshot", Sshd.Url(folder), "--hash-on", method, "--format", "json", .. Trust]);
        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        var json = Json(result);
        Assert.Equal(3, json["samples"]!.GetValue<long>());
        Assert.Equal(names.Order(StringComparer.Ordinal), json["files"]!.AsArray().Select(f => f!["path"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        var single = CliRun.InProcess(temp.Path, ["data", "snapshot", Sshd.Url(folder + "/$(touch pwned).jsonl"), "--hash-on", method, "--no-record", .. Trust]);
        Assert.True(single.ExitCode == ExitCodes.Ok, single.ToString());
        foreach (var place in new[] { folder, Sshd.Home, temp.Path, Path.GetDirectoryName(Sshd.Home)! })
        {
            Assert.False(File.Exists(Path.Combine(place, "pwned")), $"'pwned' appeared in {place}");
        }
    }

    [Fact]
    public void Job_create_records_the_remote_version_and_data_diff_compares_the_path_with_it()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var remote = RemoteCopyOfExampleData();
        var url = Sshd.Url(remote + "/train.jsonl");
        var local = Json(CliRun.InProcess(temp.Path, "data", "snapshot", "data/train.jsonl", "--no-record", "--format", "json"));

        var job = CliRun.InProcess(temp.Path, ["job", "create", "grpo_math_small", "-s", "7B", "-d", "train=" + url, "--format", "json", .. Trust]);
        Assert.True(job.ExitCode == ExitCodes.Ok, job.ToString());
        var listed = JsonNode.Parse(CliRun.InProcess(temp.Path, "data", "list", "--format", "json").Out)!.AsArray().Single()!;
        Assert.Equal(url, listed["path"]!.GetValue<string>());
        Assert.Equal(local["hash"]!.GetValue<string>(), listed["hash"]!.GetValue<string>());
        Assert.Contains(listed["hash"]!.GetValue<string>(), job.Out, StringComparison.Ordinal);

        var same = CliRun.InProcess(temp.Path, ["data", "diff", url, "--exit-code", .. Trust]);
        Assert.True(same.ExitCode == ExitCodes.Ok, same.ToString());
        Assert.Contains("content:  same", same.Out, StringComparison.Ordinal);

        var file = Path.Combine(remote, "train.jsonl");
        File.AppendAllText(file, "{\"prompt\": \"p\", \"response\": \"r\"}\n");
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(-30));
        var different = CliRun.InProcess(temp.Path, ["data", "diff", listed["version"]!.GetValue<string>(), url, "--exit-code", "--hash-on", "stream", .. Trust]);
        Assert.True(different.ExitCode == ExitCodes.Findings, different.ToString());
        Assert.Contains("samples:  20 → 21 (+1)", different.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_identity_file_is_a_usage_error_before_anything_is_read()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var result = CliRun.InProcess(temp.Path, "data", "snapshot", Sshd.Url("/nowhere/x.jsonl"), "--identity", "no-such-key");
        Assert.Equal(ExitCodes.UsageError, result.ExitCode);
        Assert.Contains("--identity no-such-key: no such file", result.Error, StringComparison.Ordinal);
    }

    /// <summary>A copy of examples/data in the sshd's data folder, its mtimes an hour back (outside the stat cache's racy window).</summary>
    private string RemoteCopyOfExampleData()
    {
        var folder = Path.Combine(Sshd.Home, "data-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(Path.Combine(Repo.Examples, "data")))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        Touch(folder);
        return folder;
    }

    private static void Touch(string folder)
    {
        foreach (var file in Directory.GetFiles(folder))
        {
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddHours(-1));
        }
    }

    private static JsonNode Json(CliResult result)
    {
        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        return JsonNode.Parse(result.Out)!["datasets"]![0]!;
    }

    private static JsonArray Json(CliResult result, bool all)
    {
        Assert.True(result.ExitCode == ExitCodes.Ok && all, result.ToString());
        return JsonNode.Parse(result.Out)!["datasets"]!.AsArray();
    }
}
