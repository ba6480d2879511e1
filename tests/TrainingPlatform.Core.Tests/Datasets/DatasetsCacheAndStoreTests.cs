using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Tests.Support;

namespace TrainingPlatform.Core.Tests.Datasets;

/// <summary>The stat cache (proved by bytes read, not by timing) and the minimal lineage store.</summary>
public sealed class DatasetsCacheAndStoreTests
{
    private static string Lines(int n, string tag = "x") => string.Concat(Enumerable.Range(0, n).Select(i => $"{{\"i\":{i},\"t\":\"{tag}\"}}\n"));

    [Fact]
    public void A_re_snapshot_reads_nothing_when_unchanged_and_rereads_what_changed()
    {
        using var dir = new DatasetsTempDir();
        dir.Write("data/a.jsonl", Lines(1000));
        dir.Write("data/b.csv", "x,y\n1,2\n");
        dir.Write("data/.hidden", "ignored");
        var cache = dir.File(".trainplat/stat-cache.json");
        var clock = DatasetsClock.HourAhead();

        var first = DatasetsTools.Snapshot(dir.File("data"), cache: cache, clock: clock);
        Assert.Equal(2, first.Files.Count);
        Assert.Equal(first.Size, first.BytesRead);
        Assert.Equal(0, first.FilesFromCache);

        var second = DatasetsTools.Snapshot(dir.File("data"), cache: cache, clock: clock);
        Assert.Equal(0, second.BytesRead);
        Assert.Equal(2, second.FilesFromCache);
        Assert.Equal((first.Hash, first.Samples, first.Size), (second.Hash, second.Samples, second.Size));
        Assert.Equal(first.Files.Select(f => (f.Entry.Path, f.Entry.Hash, f.Entry.Samples, string.Join(",", f.Entry.Fields))),
            second.Files.Select(f => (f.Entry.Path, f.Entry.Hash, f.Entry.Samples, string.Join(",", f.Entry.Fields))));

        // Same size, same mtime, different bytes: ctime (Linux) or the rewrite still misses the cache.
        var a = dir.File("data/a.jsonl");
        var mtime = File.GetLastWriteTimeUtc(a);
        dir.Write("data/a.jsonl", Lines(1000, "y"));
        File.SetLastWriteTimeUtc(a, mtime);
        var third = DatasetsTools.Snapshot(dir.File("data"), cache: cache, clock: clock);
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal(new FileInfo(a).Length, third.BytesRead);
            Assert.NotEqual(first.Hash, third.Hash);
        }

        // --no-cache: everything is read again.
        Assert.Equal(third.Size, DatasetsTools.Snapshot(dir.File("data"), cache: null, clock: clock).BytesRead);
    }

    [Fact]
    public void A_deleted_or_corrupt_cache_never_changes_a_result()
    {
        using var dir = new DatasetsTempDir();
        var path = dir.Write("a.jsonl", Lines(50));
        var cache = dir.File(".trainplat/stat-cache.json");
        var clock = DatasetsClock.HourAhead();
        var reference = DatasetsTools.Snapshot(path, cache: cache, clock: clock);

        string[] corruptions = ["", "{", "null", "{\"version\":1,\"entries\":{\"x\":5}}", "\0\0\0garbage",
            File.ReadAllText(cache).Replace(reference.Hash, new string('0', 64), StringComparison.Ordinal).Replace("\"size\":", "\"size\":\"", StringComparison.Ordinal)];
        foreach (var corrupt in corruptions)
        {
            File.WriteAllText(cache, corrupt);
            var again = DatasetsTools.Snapshot(path, cache: cache, clock: clock);
            Assert.Equal(reference.Hash, again.Hash);
            Assert.Equal(reference.Samples, again.Samples);
            Assert.Equal(reference.Size, again.BytesRead);
            Assert.Equal(0, DatasetsTools.Snapshot(path, cache: cache, clock: clock).BytesRead); // rebuilt
        }

        File.Delete(cache);
        Assert.Equal(reference.Hash, DatasetsTools.Snapshot(path, cache: cache, clock: clock).Hash);
    }

    [Fact]
    public void A_file_changed_within_the_racy_window_is_not_cached()
    {
        using var dir = new DatasetsTempDir();
        var path = dir.Write("a.jsonl", Lines(5));
        var cache = dir.File("cache.json");
        var now = new DatasetsClock(DateTimeOffset.UtcNow);
        DatasetsTools.Snapshot(path, cache: cache, clock: now);
        Assert.True(DatasetsTools.Snapshot(path, cache: cache, clock: now).BytesRead > 0);
    }

    [Fact]
    public void The_store_keeps_one_version_per_name_and_content()
    {
        using var dir = new DatasetsTempDir();
        var path = dir.Write("train.jsonl", Lines(10));
        var db = dir.File(".trainplat/lineage.db");
        var clock = DatasetsClock.HourAhead();
        DatasetVersion v1;
        using (var store = TestStores.Open(db))
        {
            var catalog = new DatasetCatalog(store, dir.Path, clock);
            var snapshot = DatasetsTools.Snapshot(path);
            (v1, var added) = catalog.Record(snapshot, "train");
            Assert.True(added);
            var (again, addedAgain) = catalog.Record(DatasetsTools.Snapshot(path), "train");
            Assert.False(addedAgain);
            Assert.Equal(v1.Id, again.Id);
            Assert.Equal(v1.Created, again.Created);
            Assert.True(catalog.Record(snapshot, "other-name").Added);
        }

        dir.Write("train.jsonl", Lines(11));
        using (var store = TestStores.Open(db))
        {
            var catalog = new DatasetCatalog(store, dir.Path, new DatasetsClock(clock.GetUtcNow().AddMinutes(1)));
            var (v2, added) = catalog.Record(DatasetsTools.Snapshot(path), "train");
            Assert.True(added);
            Assert.Equal(2, store.List("train").Count);
            Assert.Equal(3, store.List(null).Count);
            Assert.Equal(v2.Id, catalog.Resolve("train").Id);
            Assert.Equal(v1.Id, catalog.Resolve("train@" + v1.Hash[..6].ToUpperInvariant()).Id);
            Assert.Equal(v1.Created, catalog.Resolve("train@" + v1.Hash[..6]).Created);
            Assert.Equal("train.jsonl", v1.Path);
            Assert.Equal(10, v1.Samples);
            Assert.Throws<UserErrorException>(() => catalog.Resolve("trian"));
            Assert.Throws<UserErrorException>(() => catalog.Resolve("train@zz"));

            var status = catalog.Status([], new DatasetSnapshotter(clock, null));
            Assert.Equal(["other-name:Modified", "train:Unchanged"], status.Select(s => $"{s.Version.Name}:{s.State}"));
        }
    }

    [Fact]
    public void Folder_versions_keep_their_manifest_and_diff_lists_added_removed_and_modified_files()
    {
        using var dir = new DatasetsTempDir();
        dir.Write("shards/a.jsonl", Lines(3));
        dir.Write("shards/b.jsonl", Lines(4));
        dir.Write("shards/sub/c.csv", "x\n1\n");
        var clock = DatasetsClock.HourAhead();
        using var store = TestStores.Open(dir.File("store.db"));
        var catalog = new DatasetCatalog(store, dir.Path, clock);
        var (v1, _) = catalog.Record(DatasetsTools.Snapshot(dir.File("shards")), "shards");
        Assert.Equal(["a.jsonl", "b.jsonl", "sub/c.csv"], catalog.Resolve("shards").Files.Select(f => f.Path));
        Assert.Equal(8, v1.Samples);

        File.Delete(dir.File("shards/b.jsonl"));
        dir.Write("shards/a.jsonl", Lines(5));
        dir.Write("shards/d.jsonl", Lines(1));
        var diff = catalog.Diff("shards@" + v1.ShortHash, "shards", dir.Path, new DatasetSnapshotter(clock, null));
        Assert.False(diff.Same);
        Assert.Equal(["a.jsonl:modified", "b.jsonl:removed", "d.jsonl:added"], diff.Files.Select(f => $"{f.Path}:{f.Change}"));
        Assert.Equal(-1, diff.SamplesDelta);
        Assert.True(catalog.Diff("shards@" + v1.ShortHash, "shards@" + v1.ShortHash[..8], dir.Path, new DatasetSnapshotter(clock, null)).Same);
    }

    [Fact]
    public void The_store_records_its_schema_version_and_refuses_a_newer_one()
    {
        using var dir = new DatasetsTempDir();
        var db = dir.File("lineage.db");
        TestStores.Open(db).Dispose();
        using (var raw = new LiteDB.LiteDatabase($"Filename={db};Connection=shared"))
        {
            var meta = raw.GetCollection("meta").FindById("schema");
            Assert.Equal(LineageStore.SchemaVersion, meta["version"].AsInt32);
            meta["version"] = LineageStore.SchemaVersion + 1;
            raw.GetCollection("meta").Update(meta);
        }

        var ex = Assert.Throws<UserErrorException>(() => TestStores.Open(db));
        Assert.Contains("upgrade", ex.Message, StringComparison.Ordinal);
    }
}
