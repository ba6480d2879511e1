using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Tests.Support;

namespace TrainingPlatform.Core.Tests.Datasets;

/// <summary>Issue 13, item 11: listings never load manifests, and re-recording an unchanged folder does not read its manifest back.</summary>
public sealed class DatasetsScaleTests
{
    [Fact]
    public void Summaries_keep_the_file_count_without_loading_the_manifest_and_List_still_loads_it()
    {
        using var dir = new DatasetsTempDir();
        for (var i = 0; i < 7; i++)
        {
            dir.Write($"data/f{i}.jsonl", $"{{\"i\":{i}}}\n");
        }

        dir.Write("one.jsonl", "{\"a\":1}\n");
        var db = dir.File(".trainplat/lineage.db");
        using var store = TestStores.Open(db);
        var catalog = new DatasetCatalog(store, dir.Path, DatasetsClock.HourAhead());
        var (recorded, _) = catalog.Record(DatasetsTools.Snapshot(dir.File("data")), "data");
        catalog.Record(DatasetsTools.Snapshot(dir.File("one.jsonl")), "one");

        var summaries = store.Summaries(null);
        Assert.Equal(["data", "one"], summaries.Select(v => v.Name));
        Assert.Equal(7, summaries[0].FileCount);
        Assert.Empty(summaries[0].Files);
        Assert.Equal(recorded.Hash, summaries[0].Hash);
        Assert.Equal(7, store.List("data")[0].Files.Count);

        var (again, added) = catalog.Record(DatasetsTools.Snapshot(dir.File("data")), "data");
        Assert.False(added);
        Assert.Equal(recorded.Created, again.Created);
        Assert.Equal(recorded.Files.Select(f => (f.Path, f.Hash)), again.Files.Select(f => (f.Path, f.Hash)));
        Assert.Equal(7, again.FileCount);
    }

    [Fact]
    public void A_stat_cache_larger_than_its_read_buffer_is_read_whole_across_many_folders()
    {
        using var dir = new DatasetsTempDir();
        for (var i = 0; i < 800; i++)
        {
            dir.Write($"data/d{i % 7}/f{i}.jsonl", $"{{\"i\":{i},\"name\":\"{new string('x', i % 50)}\"}}\n");
        }

        var cache = dir.File(".trainplat/stat-cache.json");
        var clock = DatasetsClock.HourAhead();
        var first = DatasetsTools.Snapshot(dir.File("data"), cache: cache, clock: clock);
        Assert.True(new FileInfo(cache).Length > 3 * (1 << 16)); // several buffers of the streaming reader
        var again = DatasetsTools.Snapshot(dir.File("data"), cache: cache, clock: clock);
        Assert.Equal(0, again.BytesRead);
        Assert.Equal(800, again.FilesFromCache);
        Assert.Equal(first.Hash, again.Hash);
        Assert.Equal(first.Files.Select(f => (f.Entry.Path, f.Entry.Hash, f.Entry.Samples, string.Join(",", f.Entry.Fields))),
            again.Files.Select(f => (f.Entry.Path, f.Entry.Hash, f.Entry.Samples, string.Join(",", f.Entry.Fields))));
    }
}
