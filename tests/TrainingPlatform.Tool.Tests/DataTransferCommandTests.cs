using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Tests.Support;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>
/// <c>data fetch</c> and <c>data push</c> against a real private sshd, through the CLI (a process of the tool under test
/// in test.sh's second pass). The "remote" files live in <see cref="TestSshd.Home"/> on this machine.
/// </summary>
public sealed class DataTransferCommandTests : IDisposable
{
    private readonly TestSshd _sshd = TestSshd.Start();
    private readonly TempDir _project = TempDir.CopyOf(Repo.Examples);

    public void Dispose()
    {
        _sshd.Dispose();
        _project.Dispose();
    }

    private string[] SshArgs => ["--known-hosts", _sshd.KnownHosts, "--identity", _sshd.Identity];

    [Fact]
    public void Fetch_of_a_recorded_file_and_folder_version_to_a_new_folder_verifies_them_and_names_the_version()
    {
        var file = WriteRemote("data/train.jsonl", Lines(200));
        WriteRemote("corpus/a.jsonl", Lines(3));
        WriteRemote("corpus/sub/b.jsonl", Lines(4));
        var train = RecordRemote(file, "train");
        var corpus = RecordRemote(Path.Combine(_sshd.Home, "corpus"), "corpus");

        var fetched = Run(["data", "fetch", "train", "got", .. SshArgs]);
        Assert.Equal(ExitCodes.Ok, fetched.ExitCode);
        Assert.Equal("", fetched.Error);
        Assert.StartsWith($"fetched {train.Id} from {_sshd.Url(file)}\n", fetched.Out, StringComparison.Ordinal);
        Assert.Contains("  to:       got/train.jsonl\n", fetched.Out, StringComparison.Ordinal);
        Assert.Contains("  verified: the hash matches the recorded version\n", fetched.Out, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(_project.Path, "got", "train.jsonl")));

        var json = Run(["data", "fetch", _sshd.Url(Path.Combine(_sshd.Home, "corpus")), "got", "--format", "json", .. SshArgs]);
        Assert.Equal(ExitCodes.Ok, json.ExitCode);
        var report = JsonNode.Parse(json.Out)!;
        Assert.Equal(corpus.Id, (string?)report["version"]);
        Assert.Equal(2, (int?)report["files"]);
        Assert.Equal("got/corpus", (string?)report["to"]);
        Assert.Equal(File.ReadAllBytes(Path.Combine(_sshd.Home, "corpus", "sub", "b.jsonl")), File.ReadAllBytes(Path.Combine(_project.Path, "got", "corpus", "sub", "b.jsonl")));
        Assert.Equal(["corpus", "train.jsonl"], Directory.GetFileSystemEntries(Path.Combine(_project.Path, "got")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_remote_file_snapshotted_with_data_snapshot_is_fetched_and_verified_and_after_a_change_of_its_bytes_nothing_is_left()
    {
        var file = WriteRemote("train.jsonl", Lines(50));
        var url = _sshd.Url(file);
        var snapshot = Run(["data", "snapshot", url, "--name", "remote-train", .. SshArgs]);
        Assert.Equal(ExitCodes.Ok, snapshot.ExitCode);

        var fetched = Run(["data", "fetch", url, "a", .. SshArgs]);
        Assert.Equal(ExitCodes.Ok, fetched.ExitCode);
        Assert.StartsWith("fetched remote-train@", fetched.Out, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(_project.Path, "a", "train.jsonl")));

        var bytes = File.ReadAllBytes(file);
        bytes[^2] = (byte)'!'; // same size, so only the hash can tell
        File.WriteAllBytes(file, bytes);
        var corrupted = Run(["data", "fetch", "remote-train", "b", .. SshArgs]);
        Assert.Equal(ExitCodes.Findings, corrupted.ExitCode);
        Assert.Contains("do not match the recorded version", corrupted.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_project.Path, "b")));
    }

    [Fact]
    public void Fetch_of_a_source_changed_since_it_was_recorded_leaves_nothing_and_exits_1_naming_both_hashes()
    {
        var file = WriteRemote("train.jsonl", Lines(100));
        var version = RecordRemote(file, "train");
        var bytes = File.ReadAllBytes(file);
        bytes[10] = (byte)'X'; // same size
        File.WriteAllBytes(file, bytes);

        var result = Run(["data", "fetch", version.Id, "dest", .. SshArgs]);

        Assert.Equal(ExitCodes.Findings, result.ExitCode);
        Assert.Equal("", result.Out);
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith($"trainplat: error: {_sshd.Url(file)}: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(version.Hash, lines[0], StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), lines[0], StringComparison.Ordinal);
        Assert.StartsWith("  hint: ", lines[1], StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_project.Path, "dest")));
    }

    [Fact]
    public void A_fetch_cut_off_by_a_dropped_connection_exits_1_keeps_its_partial_file_and_the_next_run_resumes_it()
    {
        var bytes = RandomBytes(3 << 20);
        var file = WriteRemote("big.bin", bytes);
        RecordRemote(file, "big");
        var partial = Path.Combine(_project.Path, "dest", ".big.bin.trainplat-partial");

        var cut = RunDropped(["data", "fetch", "big", "dest", "--bwlimit", "512", .. SshArgs], partial);

        Assert.Equal(ExitCodes.Findings, cut.ExitCode);
        Assert.Contains("connection lost", cut.Error, StringComparison.Ordinal);
        Assert.Contains("run the same command again to resume", cut.Error, StringComparison.Ordinal);
        var kept = new FileInfo(partial).Length;
        Assert.InRange(kept, 1, bytes.Length - 1);

        var again = Run(["data", "fetch", "big", "dest", .. SshArgs]);

        Assert.Equal(ExitCodes.Ok, again.ExitCode);
        Assert.Contains($"  resumed at {kept} bytes: big.bin\n", again.Out, StringComparison.Ordinal);
        Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(_project.Path, "dest", "big.bin")));
        Assert.False(File.Exists(partial));
    }

    [Fact]
    public void A_push_cut_off_by_a_dropped_connection_exits_1_and_the_next_run_resumes_it_on_the_host()
    {
        var bytes = RandomBytes(3 << 20);
        File.WriteAllBytes(Path.Combine(_project.Path, "big.bin"), bytes);
        var partial = Path.Combine(_sshd.Home, ".big.bin.trainplat-partial");

        var cut = RunDropped(["data", "push", "big.bin", _sshd.Url(_sshd.Home) + "/", "--bwlimit", "512", .. SshArgs], partial);

        Assert.Equal(ExitCodes.Findings, cut.ExitCode);
        Assert.Contains("connection lost", cut.Error, StringComparison.Ordinal);
        Assert.Contains("run the same command again to resume", cut.Error, StringComparison.Ordinal);
        var kept = new FileInfo(partial).Length;
        Assert.InRange(kept, 1, bytes.Length - 1);

        var again = Run(["data", "push", "big.bin", _sshd.Url(_sshd.Home) + "/", .. SshArgs]);

        Assert.Equal(ExitCodes.Ok, again.ExitCode);
        Assert.Contains($"  resumed at {kept} bytes: big.bin\n", again.Out, StringComparison.Ordinal);
        Assert.Contains("  version:  big.bin@", again.Out, StringComparison.Ordinal);
        Assert.Contains(" (already recorded ", again.Out, StringComparison.Ordinal);
        Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(_sshd.Home, "big.bin")));
        Assert.False(File.Exists(partial));
    }

    [Fact]
    public void Push_records_the_current_version_verifies_it_on_the_host_and_never_replaces_a_remote_target()
    {
        var first = Run(["data", "push", "data/train.jsonl", _sshd.Url(_sshd.Home + "/v1.jsonl"), .. SshArgs]);
        Assert.Equal(ExitCodes.Ok, first.ExitCode);
        Assert.Equal("", first.Error);
        Assert.StartsWith("pushed data/train.jsonl@", first.Out, StringComparison.Ordinal);
        Assert.Contains($" to {_sshd.Url(_sshd.Home + "/v1.jsonl")}\n", first.Out, StringComparison.Ordinal);
        Assert.Contains(" (new: recorded now)\n", first.Out, StringComparison.Ordinal);
        Assert.Contains("  verified: hashed on the host (sha256sum): matches the recorded version\n", first.Out, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(Path.Combine(_project.Path, "data", "train.jsonl")), File.ReadAllBytes(Path.Combine(_sshd.Home, "v1.jsonl")));

        var refused = Run(["data", "push", "data/train.jsonl", _sshd.Url(_sshd.Home + "/v1.jsonl"), .. SshArgs]);
        Assert.Equal(ExitCodes.UsageError, refused.ExitCode);
        Assert.Contains("already exists on the host; nothing was replaced", refused.Error, StringComparison.Ordinal);
        Assert.Contains("  hint: ", refused.Error, StringComparison.Ordinal);

        File.AppendAllText(Path.Combine(_project.Path, "data", "train.jsonl"), "{\"prompt\": \"p\", \"response\": \"r\"}\n");
        var changed = Run(["data", "push", "data/train.jsonl", _sshd.Url(_sshd.Home + "/v2.jsonl"), "--format", "json", .. SshArgs]);
        Assert.Equal(ExitCodes.Ok, changed.ExitCode);
        var report = JsonNode.Parse(changed.Out)!;
        Assert.Equal("new", (string?)report["recorded"]);
        Assert.NotEqual(first.Out.Split(' ')[1], (string?)report["version"]);
        Assert.Equal(File.ReadAllBytes(Path.Combine(_project.Path, "data", "train.jsonl")), File.ReadAllBytes(Path.Combine(_sshd.Home, "v2.jsonl")));
        Assert.Equal(2, JsonNode.Parse(Run(["data", "list", "--name", "data/train.jsonl", "--format", "json"]).Out)!.AsArray().Count);
    }

    [Fact]
    public void An_existing_local_target_is_never_replaced()
    {
        RecordRemote(WriteRemote("train.jsonl", Lines(5)), "train");
        var mine = _project.Write("dest/train.jsonl", "mine\n");

        var result = Run(["data", "fetch", "train", "dest", .. SshArgs]);

        Assert.Equal(ExitCodes.UsageError, result.ExitCode);
        Assert.Contains("trainplat: error: dest/train.jsonl: already exists; nothing was replaced", result.Error, StringComparison.Ordinal);
        Assert.Equal("mine\n", File.ReadAllText(mine));
    }

    [Fact]
    public void Remote_file_names_with_spaces_quotes_and_command_substitutions_are_fetched_and_pushed_with_nothing_executed()
    {
        const string Hostile = "a b'c\"$(touch pwned) `touch pwned2`;touch pwned3.jsonl";
        var remote = WriteRemote(Hostile, Lines(7));
        RecordRemote(remote, "hostile");
        File.WriteAllText(Path.Combine(_project.Path, Hostile), "{\"local\":1}\n");
        Directory.CreateDirectory(Path.Combine(_sshd.Home, "up"));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path.Combine(_sshd.Home, "up"), (UnixFileMode)0x3FF | UnixFileMode.StickyBit);
        }

        var fetched = Run(["data", "fetch", "hostile", "dest", .. SshArgs]);
        var pushed = Run(["data", "push", Hostile, _sshd.Url(_sshd.Home + "/up/"), .. SshArgs]);

        Assert.Equal(ExitCodes.Ok, fetched.ExitCode);
        Assert.Equal(ExitCodes.Ok, pushed.ExitCode);
        Assert.Equal(File.ReadAllBytes(remote), File.ReadAllBytes(Path.Combine(_project.Path, "dest", Hostile)));
        Assert.Equal("{\"local\":1}\n", File.ReadAllText(Path.Combine(_sshd.Home, "up", Hostile)));
        Assert.Empty(new[] { _sshd.Home, Path.Combine(_sshd.Home, "up"), _project.Path, "/var/lib/trainplat-ssh" }
            .Where(Directory.Exists).SelectMany(d => Directory.GetFiles(d, "pwned*")));
    }

    private static byte[] Lines(int count) =>
        Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, count).Select(i => $"{{\"prompt\": \"p{i}\", \"response\": \"r{i}\"}}\n")));

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        new Random(21).NextBytes(bytes);
        return bytes;
    }

    private CliResult Run(string[] args) => CliRun.Process(_project.Path, null, args);

    /// <summary>Starts the tool, waits until <paramref name="partial"/> has bytes, drops every ssh connection, and waits for the tool to end.</summary>
    private CliResult RunDropped(string[] args, string partial)
    {
        var start = ToolUnderTest.StartInfo(_project.Path);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(File.Exists(partial) && new FileInfo(partial).Length > 0))
        {
            if (process.HasExited)
            {
                Assert.Fail($"the transfer ended before it started: {stderr.Result}");
            }

            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the transfer to start");
            Thread.Sleep(20);
        }

        _sshd.Drop();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("the tool did not end after its connection was dropped");
        }

        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    private string WriteRemote(string relative, byte[] bytes)
    {
        var full = Path.Combine(_sshd.Home, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, bytes);
        return full;
    }

    /// <summary>Records a version of a "remote" file or folder under its ssh:// URL, as a remote snapshot does (hashed here: the host is this machine).</summary>
    private DatasetVersion RecordRemote(string remotePath, string name)
    {
        var snapshot = new DatasetSnapshotter(TimeProvider.System, null).Snapshot(remotePath, SnapshotAlgorithms.Sha256, check: false);
        using var store = LineageStore.Open(Path.Combine(_project.Path, ".trainplat", "lineage.db"), new StoreOpenOptions(TimeProvider.System) { ToolVersion = "0.0.0" });
        var catalog = new DatasetCatalog(store, _project.Path, TimeProvider.System);
        return store.Add(catalog.NewVersion(snapshot, name) with { Path = _sshd.Url(remotePath) }).Version;
    }
}
