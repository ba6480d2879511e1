using System.Text;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Remote;
using TrainingPlatform.Core.Tests.Support;

namespace TrainingPlatform.Core.Tests.Datasets;

/// <summary>
/// <c>data fetch</c> and <c>data push</c> against a real private sshd: the "remote" files live in <see cref="TestSshd.Home"/>
/// on this machine, so a test can record them, change them behind the transfer's back and look at what a push left there.
/// </summary>
public sealed class DatasetTransferTests : IDisposable
{
    private readonly TestSshd _sshd = TestSshd.Start();
    private readonly DatasetsTempDir _local = new();
    private readonly TimeProvider _clock = DatasetsClock.HourAhead();

    private SshOptions Ssh => new() { KnownHostsFile = _sshd.KnownHosts, IdentityFile = _sshd.Identity };

    public void Dispose()
    {
        _sshd.Dispose();
        _local.Dispose();
    }

    [Fact]
    public void A_fetched_file_version_lands_in_a_new_folder_byte_for_byte_and_names_the_version()
    {
        var bytes = Lines(2000);
        var remote = WriteRemote("data/train.jsonl", bytes);
        var (catalog, version) = Recorded(remote, "train");
        var dest = _local.File("out/new");

        var result = new DatasetTransfer(Ssh).Fetch(catalog, "train", dest);

        Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(dest, "train.jsonl")));
        Assert.Equal(version.Id, result.Version.Id);
        Assert.Equal(_sshd.Url(remote), result.RemoteUrl);
        Assert.Empty(result.Resumed);
        Assert.Equal(bytes.Length, result.BytesTransferred);
        Assert.Equal(["train.jsonl"], Directory.GetFileSystemEntries(dest).Select(Path.GetFileName));
    }

    [Fact]
    public void A_fetched_folder_version_keeps_every_file_and_link_and_a_hostile_name_runs_nothing()
    {
        var hostile = "a b'c\"$(touch pwned);touch pwned2.jsonl";
        WriteRemote("corpus/part-0.jsonl", Lines(300));
        WriteRemote("corpus/sub/part-1.jsonl", Lines(10));
        WriteRemote("corpus/" + hostile, Lines(5));
        WriteRemote("corpus/empty.txt", []);
        var root = Path.Combine(_sshd.Home, "corpus");
        Directory.CreateSymbolicLink(Path.Combine(root, "latest"), "sub");
        var (catalog, version) = Recorded(root, "corpus");
        var dest = _local.File("out");

        var result = new DatasetTransfer(Ssh).Fetch(catalog, _sshd.Url(root), dest);

        var fetched = Path.Combine(dest, "corpus");
        foreach (var file in new[] { "part-0.jsonl", "sub/part-1.jsonl", hostile, "empty.txt" })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(root, file)), File.ReadAllBytes(Path.Combine(fetched, file)));
        }

        Assert.Equal("sub", new FileInfo(Path.Combine(fetched, "latest")).LinkTarget);
        Assert.Equal(version.Hash, new DatasetSnapshotter(_clock, null).Snapshot(fetched, "sha256", check: false).Hash);
        Assert.Equal(5, result.Files.Count);
        Assert.Empty(Pwned());
    }

    [Fact]
    public void An_empty_folder_version_is_fetched_and_pushed_as_an_empty_folder()
    {
        var (catalog, _) = Recorded(Directory.CreateDirectory(Path.Combine(_sshd.Home, "empty")).FullName, "empty");
        var local = Directory.CreateDirectory(_local.File("nothing")).FullName;

        var fetched = new DatasetTransfer(Ssh).Fetch(catalog, "empty", _local.File("out"));
        var pushed = Push(local, _sshd.Url(_sshd.Home) + "/");

        Assert.Empty(fetched.Files);
        Assert.Empty(Directory.GetFileSystemEntries(_local.File("out/empty")));
        Assert.Empty(pushed.Files);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_sshd.Home, "nothing")));
    }

    [Fact]
    public void A_source_changed_after_it_was_recorded_leaves_nothing_behind_and_names_both_hashes()
    {
        var remote = WriteRemote("train.jsonl", Lines(500));
        var (catalog, version) = Recorded(remote, "train");
        var changed = File.ReadAllBytes(remote);
        changed[100] ^= 1; // same size, other bytes
        File.WriteAllBytes(remote, changed);
        var dest = _local.File("fresh");

        var error = Assert.Throws<UserErrorException>(() => new DatasetTransfer(Ssh).Fetch(catalog, "train", dest));

        Assert.True(error.IsFinding);
        Assert.Contains(version.Hash, error.Message, StringComparison.Ordinal);
        Assert.Contains(SnapshotAlgorithms.HashOf("sha256", changed), error.Message, StringComparison.Ordinal);
        Assert.Contains(_sshd.Url(remote), error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dest)); // made for this fetch, removed again with everything in it
    }

    [Fact]
    public void A_folder_with_one_changed_file_leaves_no_temporary_folder_and_an_existing_destination_as_it_was()
    {
        WriteRemote("corpus/a.jsonl", Lines(20));
        var changed = WriteRemote("corpus/z.jsonl", Lines(20));
        var (catalog, _) = Recorded(Path.Combine(_sshd.Home, "corpus"), "corpus");
        File.WriteAllBytes(changed, [.. File.ReadAllBytes(changed).Reverse()]);
        var mine = _local.Write("dest/keep.txt", "mine\n");

        var error = Assert.Throws<UserErrorException>(() => new DatasetTransfer(Ssh).Fetch(catalog, "corpus", _local.File("dest")));

        Assert.True(error.IsFinding);
        Assert.StartsWith(_sshd.Url(changed) + ": ", error.Message, StringComparison.Ordinal);
        Assert.Equal([mine], Directory.GetFileSystemEntries(_local.File("dest")));
    }

    [Fact]
    public void A_temporary_file_not_known_to_be_of_this_version_is_discarded_not_continued()
    {
        var bytes = Lines(100);
        var remote = WriteRemote("train.jsonl", bytes);
        var (catalog, _) = Recorded(remote, "train");
        _local.Write("dest/" + DatasetTransfer.PartialName("train.jsonl"), "{\"from another version\":1}\n");

        var result = new DatasetTransfer(Ssh).Fetch(catalog, "train", _local.File("dest"));

        Assert.Empty(result.Resumed);
        Assert.Equal(bytes, File.ReadAllBytes(_local.File("dest/train.jsonl")));
        Assert.Equal(["train.jsonl"], Directory.GetFileSystemEntries(_local.File("dest")).Select(Path.GetFileName));
    }

    [Fact]
    public void A_fetch_cut_off_by_a_dropped_connection_resumes_where_it_stopped()
    {
        var bytes = Random(3 << 20);
        var remote = WriteRemote("big.bin", bytes);
        var (catalog, _) = Recorded(remote, "big");
        var dest = _local.File("out");
        var partial = Path.Combine(dest, DatasetTransfer.PartialName("big.bin"));

        var first = Task.Run(() => new DatasetTransfer(Ssh, bytesPerSecond: 512 << 10).Fetch(catalog, "big", dest));
        WaitUntil(() => File.Exists(partial) && new FileInfo(partial).Length > 0);
        _sshd.Drop();
        var error = Assert.Throws<UserErrorException>(() => first.GetAwaiter().GetResult());
        Assert.True(error.IsFinding);
        Assert.Contains("connection lost", error.Message, StringComparison.Ordinal);
        Assert.Contains("run the same command again to resume", error.Hint, StringComparison.Ordinal);
        var kept = new FileInfo(partial).Length;
        Assert.InRange(kept, 1, bytes.Length - 1);

        var second = new DatasetTransfer(Ssh).Fetch(catalog, "big", dest);

        var resumed = Assert.Single(second.Resumed);
        Assert.Equal(kept, resumed.ResumedAt);
        Assert.Equal(bytes.Length - kept, second.BytesTransferred);
        Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(dest, "big.bin")));
        Assert.False(File.Exists(partial));
    }

    [Fact]
    public void An_existing_target_is_never_replaced()
    {
        var remote = WriteRemote("train.jsonl", Lines(10));
        var (catalog, _) = Recorded(remote, "train");
        var existing = _local.Write("out/train.jsonl", "mine\n");

        var error = Assert.Throws<UserErrorException>(() => new DatasetTransfer(Ssh).Fetch(catalog, "train", _local.File("out")));

        Assert.False(error.IsFinding);
        Assert.Equal(existing, error.FilePath);
        Assert.Equal("mine\n", File.ReadAllText(existing));
    }

    [Fact]
    public void Only_versions_recorded_from_a_remote_path_are_fetched()
    {
        var local = _local.Write("data/train.jsonl", "{}\n");
        var snapshot = new DatasetSnapshotter(_clock, null).Snapshot(local, "sha256", check: false);
        var catalog = new DatasetCatalog(new DatasetVersionList([]), _local.Path, _clock);
        var version = catalog.NewVersion(snapshot, "local");
        catalog = new DatasetCatalog(new DatasetVersionList([version]), _local.Path, _clock);

        var fromLocal = Assert.Throws<UserErrorException>(() => new DatasetTransfer(Ssh).Fetch(catalog, "local", _local.File("out")));
        Assert.Contains("recorded from the local path", fromLocal.Message, StringComparison.Ordinal);

        var unknown = Assert.Throws<UserErrorException>(() => new DatasetTransfer(Ssh).Fetch(catalog, _sshd.Url("/nowhere/x.jsonl"), _local.File("out")));
        Assert.Contains("no version of it is recorded", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("trainplat data snapshot", unknown.Hint, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_local.File("out")));
    }

    [Fact]
    public void A_pushed_file_and_folder_are_verified_on_the_host_and_land_under_their_names()
    {
        var file = _local.Write("train.jsonl", Encoding.UTF8.GetString(Lines(100)));
        var folder = Path.GetDirectoryName(_local.Write("corpus/a.jsonl", "{\"a\":1}\n"))!;
        _local.Write("corpus/deep/b.jsonl", "{\"b\":2}\n");
        Directory.CreateSymbolicLink(_local.File("corpus/current"), "deep");
        Directory.CreateDirectory(Path.Combine(_sshd.Home, "up"));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path.Combine(_sshd.Home, "up"), (UnixFileMode)0x3FF | UnixFileMode.StickyBit); // the login may write there
        }

        var pushedFile = Push(file, _sshd.Url(Path.Combine(_sshd.Home, "up") + "/"));
        var pushedFolder = Push(folder, _sshd.Url(Path.Combine(_sshd.Home, "up", "renamed")));

        Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(_sshd.Home, "up", "train.jsonl")));
        Assert.Equal("{\"b\":2}\n", File.ReadAllText(Path.Combine(_sshd.Home, "up", "renamed", "deep", "b.jsonl")));
        Assert.Equal("deep", new FileInfo(Path.Combine(_sshd.Home, "up", "renamed", "current")).LinkTarget);
        Assert.Contains("hashed on the host", pushedFile.Verification, StringComparison.Ordinal);
        Assert.Contains("hashed on the host", pushedFolder.Verification, StringComparison.Ordinal);
        Assert.Equal(_sshd.Url(Path.Combine(_sshd.Home, "up", "renamed")), pushedFolder.RemoteUrl);
        Assert.Equal(["renamed", "train.jsonl"], Directory.GetFileSystemEntries(Path.Combine(_sshd.Home, "up")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_push_never_replaces_a_remote_target_and_a_hostile_name_runs_nothing()
    {
        var hostile = "x 'q\"$(touch pwned);`touch pwned2`.jsonl";
        var file = _local.Write(hostile, "{}\n");
        var target = Path.Combine(_sshd.Home, hostile);

        Push(file, _sshd.Url(_sshd.Home) + "/");
        Assert.Equal("{}\n", File.ReadAllText(target));

        File.WriteAllText(file, "{\"changed\":true}\n");
        var error = Assert.Throws<UserErrorException>(() => Push(file, _sshd.Url(_sshd.Home) + "/"));
        Assert.False(error.IsFinding);
        Assert.Contains("already exists", error.Message, StringComparison.Ordinal);
        Assert.Equal("{}\n", File.ReadAllText(target));
        Assert.Empty(Pwned());
    }

    [Fact]
    public void A_push_cut_off_by_a_dropped_connection_resumes_where_it_stopped()
    {
        var bytes = Random(3 << 20);
        var file = _local.Write("big.bin", bytes);
        var partial = Path.Combine(_sshd.Home, DatasetTransfer.PartialName("big.bin"));
        var (version, manifest) = Snapshot(file);

        var first = Task.Run(() => new DatasetTransfer(Ssh, bytesPerSecond: 512 << 10).Push(version, manifest, file, _sshd.Url(_sshd.Home) + "/"));
        WaitUntil(() => File.Exists(partial) && new FileInfo(partial).Length > 0);
        _sshd.Drop();
        var error = Assert.Throws<UserErrorException>(() => first.GetAwaiter().GetResult());
        Assert.True(error.IsFinding);
        Assert.Contains("connection lost", error.Message, StringComparison.Ordinal);
        var kept = new FileInfo(partial).Length;
        Assert.InRange(kept, 1, bytes.Length - 1);

        var second = new DatasetTransfer(Ssh).Push(version, manifest, file, _sshd.Url(_sshd.Home) + "/");

        Assert.Equal(kept, Assert.Single(second.Resumed).ResumedAt);
        Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(_sshd.Home, "big.bin")));
        Assert.False(File.Exists(partial));
    }

    [Fact]
    public void A_push_whose_bytes_do_not_arrive_intact_removes_the_remote_copy()
    {
        var file = _local.Write("train.jsonl", Encoding.UTF8.GetString(Lines(50)));
        var (version, manifest) = Snapshot(file);
        File.WriteAllText(file, Encoding.UTF8.GetString(Lines(49)) + "{\"other\":1}\n"); // changed after the snapshot

        var error = Assert.Throws<UserErrorException>(() => new DatasetTransfer(Ssh).Push(version, manifest, file, _sshd.Url(_sshd.Home) + "/"));

        Assert.True(error.IsFinding);
        Assert.Contains(version.Hash, error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_sshd.Home));
    }

    private static byte[] Lines(int count) =>
        Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, count).Select(i => $"{{\"id\":{i},\"text\":\"sample number {i}\"}}\n")));

    private static byte[] Random(int length)
    {
        var bytes = new byte[length];
        new Random(21).NextBytes(bytes);
        return bytes;
    }

    private static void WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the transfer to start");
            Thread.Sleep(20);
        }
    }

    private string WriteRemote(string relative, byte[] bytes)
    {
        var full = Path.Combine(_sshd.Home, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, bytes);
        return full;
    }

    /// <summary>A version recorded from the file's ssh:// URL (hashed here: the "remote" host is this machine).</summary>
    private (DatasetCatalog Catalog, DatasetVersion Version) Recorded(string remotePath, string name)
    {
        var snapshot = new DatasetSnapshotter(_clock, null).Snapshot(remotePath, "sha256", check: false);
        var version = new DatasetCatalog(new DatasetVersionList([]), _local.Path, _clock).NewVersion(snapshot, name) with { Path = _sshd.Url(remotePath) };
        return (new DatasetCatalog(new DatasetVersionList([version]), _local.Path, _clock), version);
    }

    private (DatasetVersion Version, IReadOnlyList<FileEntry> Manifest) Snapshot(string localPath)
    {
        var snapshot = new DatasetSnapshotter(_clock, null).Snapshot(localPath, "sha256", check: false);
        return (new DatasetCatalog(new DatasetVersionList([]), _local.Path, _clock).NewVersion(snapshot, "pushed"), snapshot.Manifest);
    }

    private DatasetTransferResult Push(string localPath, string url)
    {
        var (version, manifest) = Snapshot(localPath);
        return new DatasetTransfer(Ssh).Push(version, manifest, localPath, url);
    }

    /// <summary>Files named pwned* where a hostile name could have run a command: the remote login folder, the test's folders.</summary>
    private string[] Pwned() =>
        [.. new[] { _sshd.Home, _local.Path, Environment.CurrentDirectory, "/var/lib/trainplat-ssh" }
            .Where(Directory.Exists)
            .SelectMany(d => Directory.GetFiles(d, "pwned*"))];
}
