using System.Text;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Tests.Support;

namespace TrainingPlatform.Core.Tests.Datasets;

/// <summary>
/// Issue 13, items 5, 6 and 10: special files are never opened, folder links are recorded and not followed,
/// links that leave the folder are refused, invalid UTF-8 in JSON Lines and an empty .gz are reported.
/// Every snapshot runs under a time limit: before the fix, FIFOs and link loops made it block forever.
/// </summary>
public sealed class DatasetsSpecialFileTests
{
    private static T Within<T>(Func<T> action)
    {
        var run = Task.Run(action);
        Assert.True(run.Wait(TimeSpan.FromSeconds(10)), "the snapshot did not finish within 10 s");
        return run.Result;
    }

    private static Exception? Failure(Action action) => Within(() => Record.Exception(action));

    private static void MakeFifo(string path) => DatasetsTools.Run("mkfifo", [path]);

    [Fact]
    public void A_FIFO_given_directly_is_refused_by_kind_without_being_opened()
    {
        using var dir = new DatasetsTempDir();
        var fifo = dir.File("pipe.jsonl");
        MakeFifo(fifo);
        var ex = Assert.IsType<UserErrorException>(Failure(() => DatasetsTools.Snapshot(fifo)));
        Assert.Equal(fifo, ex.FilePath);
        Assert.Contains("a FIFO (named pipe), not a regular file", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_link_to_dev_zero_is_refused_as_a_character_device()
    {
        using var dir = new DatasetsTempDir();
        var link = dir.File("zero.bin");
        File.CreateSymbolicLink(link, "/dev/zero");
        var ex = Assert.IsType<UserErrorException>(Failure(() => DatasetsTools.Snapshot(link)));
        Assert.Contains("a symbolic link to a character device", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Special_entries_inside_a_folder_are_all_named_and_nothing_is_read()
    {
        using var dir = new DatasetsTempDir();
        dir.Write("data/a.jsonl", "{\"a\":1}\n");
        MakeFifo(dir.File("data/pipe"));
        File.CreateSymbolicLink(dir.File("data/zero"), "/dev/zero");
        var ex = ContentProblems(Failure(() => DatasetsTools.Snapshot(dir.File("data"))));
        Assert.Equal([dir.File("data/pipe"), dir.File("data/zero")], ex.Select(p => p.FullPath).Order(StringComparer.Ordinal));
        Assert.Contains(ex, p => p.Message.StartsWith("a FIFO (named pipe)", StringComparison.Ordinal));
        Assert.Contains(ex, p => p.Message.StartsWith("a symbolic link to a character device", StringComparison.Ordinal));
    }

    [Fact]
    public void Folder_links_are_recorded_with_their_target_and_never_followed_so_loops_cannot_hang()
    {
        using var dir = new DatasetsTempDir();
        dir.Write("data/a.jsonl", "{\"a\":1}\n");
        var plain = Within(() => DatasetsTools.Snapshot(dir.File("data")));
        Directory.CreateSymbolicLink(dir.File("data/loop"), ".");
        Directory.CreateSymbolicLink(dir.File("data/loop2"), ".");
        Directory.CreateSymbolicLink(dir.File("data/etc"), "/etc");

        var snapshot = Within(() => DatasetsTools.Snapshot(dir.File("data")));

        Assert.Equal(["a.jsonl", "etc", "loop", "loop2"], snapshot.Manifest.Select(f => f.Path));
        Assert.Equal(["/etc", ".", "."], snapshot.Manifest.Where(f => f.LinkTarget is not null).Select(f => f.LinkTarget));
        Assert.Equal(8, snapshot.Size); // nothing under /etc was read
        Assert.NotEqual(plain.Hash, snapshot.Hash);
        var manifest = TreeManifest.Text("sha256", snapshot.Manifest);
        Assert.Contains("link /etc etc\n", manifest, StringComparison.Ordinal);
        Assert.Contains("link . loop\n", manifest, StringComparison.Ordinal);
        Assert.Equal(SnapshotHash(manifest), snapshot.Hash);
    }

    [Fact]
    public void A_folder_without_links_keeps_the_tree_hash_it_always_had()
    {
        using var dir = new DatasetsTempDir();
        dir.Write("data/a.jsonl", "{\"a\":1}\n");
        dir.Write("data/sub/b.csv", "x\n1\n");
        var snapshot = DatasetsTools.Snapshot(dir.File("data"));
        var expected = "trainplat-tree-v1 sha256\n"
            + $"{Sha256("{\"a\":1}\n")} 8 a.jsonl\n"
            + $"{Sha256("x\n1\n")} 4 sub/b.csv\n";
        Assert.Equal(SnapshotHash(expected), snapshot.Hash);
    }

    [Fact]
    public void A_link_loop_inside_a_folder_is_named()
    {
        using var dir = new DatasetsTempDir();
        dir.Write("data/a.jsonl", "{\"a\":1}\n");
        File.CreateSymbolicLink(dir.File("data/self"), "self");
        var ex = ContentProblems(Failure(() => DatasetsTools.Snapshot(dir.File("data"))));
        Assert.Equal(dir.File("data/self"), Assert.Single(ex).FullPath);
        Assert.Contains("symbolic link loop", ex[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void File_links_inside_the_folder_are_read_and_links_that_leave_it_need_follow_external()
    {
        using var dir = new DatasetsTempDir();
        dir.Write("data/a.jsonl", "{\"a\":1}\n");
        var outside = dir.Write("outside.jsonl", "{\"b\":2}\n{\"b\":3}\n");
        File.CreateSymbolicLink(dir.File("data/same.jsonl"), "a.jsonl");
        var inside = DatasetsTools.Snapshot(dir.File("data"));
        Assert.Equal(2, inside.Samples);

        File.CreateSymbolicLink(dir.File("data/ext.jsonl"), outside);
        var ex = ContentProblems(Failure(() => DatasetsTools.Snapshot(dir.File("data"))));
        Assert.Contains("outside the dataset folder", Assert.Single(ex).Message, StringComparison.Ordinal);

        var followed = new DatasetSnapshotter(DatasetsClock.HourAhead(), null) { FollowExternal = true }.Snapshot(dir.File("data"), "sha256", check: false);
        Assert.Equal(4, followed.Samples);
    }

    [Fact]
    public void Check_reports_invalid_UTF8_in_JSON_Lines_with_its_line()
    {
        using var dir = new DatasetsTempDir();
        var path = dir.Write("bad.jsonl", [.. "{\"a\":\"ok\"}\n{\"a\":\""u8, 0xFF, 0xFE, .. "\"}\n"u8]);
        var snapshot = DatasetsTools.Snapshot(path, check: true);
        var problem = Assert.Single(snapshot.Files[0].Problems);
        Assert.Equal(2, problem.Line);
        Assert.Contains("invalid UTF-8 (byte 0xFF at column 7)", problem.Message, StringComparison.Ordinal);
    }

    private static string Sha256(string text) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static string SnapshotHash(string manifest) => Sha256(manifest);

    /// <summary>Every entry a content error names: the listed ones and the one in the message; the error is a finding (exit 1).</summary>
    private static List<(string FullPath, string Message)> ContentProblems(Exception? failure)
    {
        var ex = Assert.IsType<UserErrorException>(failure);
        Assert.True(ex.IsFinding);
        return [.. ex.PathErrors.Select(p => (p.Path, p.Message)), (ex.FilePath!, ex.Message)];
    }
}
