using System.Globalization;
using System.Text.Json;
using LiteDB;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Tests.Support;
using static TrainingPlatform.Core.Tests.Lineage.LineageSamples;

namespace TrainingPlatform.Core.Tests.Lineage;

/// <summary>
/// Store versioning against Fixtures/lineage-schema1.db, written by trainplat 0.1 (schema 1: five dataset versions, two of
/// them folders with manifests); lineage-schema1.list.json is what `trainplat data list --format json` printed for it then.
/// </summary>
public sealed class StoreMigrationTests
{
    private static string Fixture => Path.Combine(TestPaths.Fixtures, "lineage-schema1.db");

    private static StoreDir WithFixture()
    {
        var dir = new StoreDir();
        File.Copy(Fixture, dir.Store);
        return dir;
    }

    private static LiteDatabase ReadOnly(string path) =>
        new(new ConnectionString { Filename = path, Connection = ConnectionType.Direct, ReadOnly = true }) { UtcDate = true };

    [Fact]
    public void A_schema_1_store_is_migrated_after_a_byte_identical_backup_and_keeps_every_dataset_version_and_manifest()
    {
        using var dir = WithFixture();
        var original = File.ReadAllBytes(Fixture);
        var backup = dir.Store + ".schema1.bak";

        // What schema 1 holds, read raw from a scratch copy: the manifests by version.
        var scratch = dir.File("scratch.db");
        File.Copy(Fixture, scratch);
        Dictionary<string, string[]> manifests;
        using (var raw = ReadOnly(scratch))
        {
            Assert.Equal(1, raw.GetCollection("meta").FindById("schema")["version"].AsInt32);
            manifests = raw.GetCollection("dataset_manifests").FindAll().ToList()
                .GroupBy(c => c["_id"].AsString[..c["_id"].AsString.LastIndexOf(':')])
                .ToDictionary(g => g.Key, g => g.SelectMany(c => c["files"].AsArray).Select(f => f.AsDocument)
                    .Select(f => $"{f["path"].AsString} {f["size"].AsInt64} {f["hash"].AsString} {f["format"].AsString} {(f["samples"].IsNull ? "" : f["samples"].AsInt64.ToString(CultureInfo.InvariantCulture))} {string.Join(",", f["fields"].AsArray.Select(x => x.AsString))}").ToArray());
        }

        Assert.Equal(2, manifests.Count);
        File.Delete(scratch);

        using (var store = TestStores.Open(dir.Store, "0.2.0"))
        {
            Assert.Equal(("1", backup, LineageStore.SchemaVersion, "0.2.0"), (store.Info.MigratedFrom, store.Info.BackupPath, store.Info.SchemaVersion, store.Info.WrittenBy));
            Assert.Equal(original, File.ReadAllBytes(backup));

            // Every version as `data list --format json` printed it under schema 1.
            using var listing = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.Fixtures, "lineage-schema1.list.json")));
            var expected = listing.RootElement.EnumerateArray().Select(e => string.Join(" | ",
                e.GetProperty("name").GetString(), e.GetProperty("path").GetString(), e.GetProperty("kind").GetString(), e.GetProperty("format").GetString(),
                e.GetProperty("size").GetInt64(), e.GetProperty("algorithm").GetString(), e.GetProperty("hash").GetString(), e.GetProperty("samples").GetInt64(),
                string.Join(",", e.GetProperty("fields").EnumerateArray().Select(f => f.GetString())), e.GetProperty("created").GetString(),
                e.GetProperty("file_count").GetInt32())).ToArray();
            var versions = store.List(null);
            Assert.Equal(5, expected.Length);
            Assert.Equal(expected, versions.Select(v => string.Join(" | ",
                v.Name, v.Path, v.IsFolder ? "folder" : "file", v.Format, v.Size, v.Algorithm, v.Hash, v.Samples,
                string.Join(",", v.Fields), LineageExchange.Time(v.Created), v.IsFolder ? v.Files.Count : 1)));

            // Folder manifests: every file entry kept, and they add up to the version.
            foreach (var folder in versions.Where(v => v.IsFolder))
            {
                Assert.Equal(manifests[$"{folder.Algorithm}:{folder.Hash}"],
                    folder.Files.Select(f => $"{f.Path} {f.Size} {f.Hash} {f.Format} {f.Samples} {string.Join(",", f.Fields)}"));
                Assert.Equal(folder.Size, folder.Files.Sum(f => f.Size));
                Assert.Equal(folder.Samples, folder.Files.Sum(f => f.Samples));
            }

            Assert.Equal(["shards@e2e71892cea1", "shards@a10f112c9857"], store.Find("shards", "").Select(v => v.Id));

            // Schema 2 collections work in the migrated file.
            store.CreateJob(NewJob("beef00000001", Recipe("sft-basic", "1.0.0", "sft", T0), T0, [("train", versions.First(v => v.Name == "data/train.jsonl"))]));
        }

        using (var raw = ReadOnly(dir.Store))
        {
            var meta = raw.GetCollection("meta").FindById("schema");
            Assert.Equal((LineageStore.SchemaVersion, "0.2.0"), (meta["version"].AsInt32, meta["tool"].AsString));
            var migration = Assert.Single(meta["migrations"].AsArray).AsDocument;
            Assert.Equal((1, LineageStore.SchemaVersion, "0.2.0", "lineage.db.schema1.bak"), (migration["from"].AsInt32, migration["to"].AsInt32, migration["tool"].AsString, migration["backup"].AsString));
            Assert.InRange(migration["at"].AsDateTime, DateTime.UtcNow.AddMinutes(-10), DateTime.UtcNow.AddMinutes(1));
        }

        // Opening again neither migrates again nor writes a second backup.
        using (var store = TestStores.Open(dir.Store, "0.2.1", TimeSpan.Zero))
        {
            Assert.Equal((null, null), (store.Info.MigratedFrom, store.Info.BackupPath));
            Assert.Equal(5, store.List(null).Count);
            Assert.Equal("data/train.jsonl", store.GetJob("beef00000001")!.Datasets.Single().Name);
        }

        Assert.Equal(["lineage.db", "lineage.db.lock", "lineage.db.schema1.bak"], dir.Files());
        Assert.Equal(original, File.ReadAllBytes(backup));
        using (var raw = ReadOnly(dir.Store))
        {
            Assert.Single(raw.GetCollection("meta").FindById("schema")["migrations"].AsArray);
        }
    }

    [Fact]
    public void A_schema_2_store_is_read_as_it_is_without_follow_positions_and_the_first_write_migrates_it_to_3_keeping_its_jobs_and_points()
    {
        using var dir = new StoreDir();
        using (var store = TestStores.Open(dir.Store, "0.1.0"))
        {
            store.CreateJob(NewJob("beef00000002", Recipe("sft-basic", "1.0.0", "sft", T0), T0));
            store.AppendMetrics("beef00000002", [new MetricPoint(1, "loss", 0.5, T0)], "sha-of-a-file", T0);
        }

        // What trainplat wrote with schema 2: no follow_positions collection, version 2 in meta.
        using (var raw = new LiteDatabase(new ConnectionString { Filename = dir.Store, Connection = ConnectionType.Direct }) { UtcDate = true })
        {
            raw.DropCollection(LineageStore.FollowCollection);
            var meta = raw.GetCollection("meta");
            var schema = meta.FindById("schema");
            schema["version"] = 2;
            meta.Update(schema);
            raw.Checkpoint();
        }

        var schema2 = File.ReadAllBytes(dir.Store);
        using (var reading = TestStores.OpenForReading(dir.Store))
        {
            Assert.Equal(2, reading.Info.SchemaVersion);
            Assert.Empty(reading.FollowPositions("beef00000002"));
            Assert.Equal(1, reading.CountPoints("beef00000002"));
        }

        Assert.Equal(schema2, File.ReadAllBytes(dir.Store));
        using (var store = TestStores.Open(dir.Store, "0.3.0"))
        {
            Assert.Equal(("2", dir.Store + ".schema2.bak", 3), (store.Info.MigratedFrom, store.Info.BackupPath, store.Info.SchemaVersion));
            var position = new FollowPosition("beef00000002", "/runs/a/train.jsonl", 120, 3, 120, new string('0', 64));
            var (written, job) = store.AppendFollowed("beef00000002", [new MetricPoint(2, "loss", 0.25, T0)], [position], T0);
            Assert.Equal((1L, 2L), (written.Points, job.Metrics.Single().Count));
            Assert.Equal([position], store.FollowPositions("beef00000002"));
            Assert.Equal(2, store.DeleteJob("beef00000002"));
            Assert.Empty(store.FollowPositions("beef00000002"));
        }

        Assert.Equal(schema2, File.ReadAllBytes(dir.Store + ".schema2.bak"));
    }

    [Fact]
    public void Migration_and_creation_times_come_from_the_injected_clock_and_a_second_backup_is_named_by_it()
    {
        using var dir = WithFixture();
        File.WriteAllText(dir.Store + ".schema1.bak", "an older backup");
        var at = new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);
        var options = new StoreOpenOptions(new DatasetsClock(at)) { ToolVersion = "0.2.0" };
        using (var store = LineageStore.Open(dir.Store, options))
        {
            Assert.Equal(dir.Store + ".schema1.20260304T050607Z.bak", store.Info.BackupPath);
        }

        using (var fresh = LineageStore.Open(dir.File("fresh.db"), options))
        {
            Assert.True(fresh.Info.Exists);
        }

        using var raw = ReadOnly(dir.Store);
        Assert.Equal(at.UtcDateTime, Assert.Single(raw.GetCollection("meta").FindById("schema")["migrations"].AsArray)["at"].AsDateTime);
        using var created = ReadOnly(dir.File("fresh.db"));
        Assert.Equal(at.UtcDateTime, created.GetCollection("meta").FindById("schema")["created"].AsDateTime);
    }

    [Fact]
    public void TRAINPLAT_STORE_TIMEOUT_is_seconds_and_anything_else_is_the_default_minute()
    {
        Assert.Equal(TimeSpan.FromSeconds(2.5), StoreOpenOptions.TimeoutFrom("2.5"));
        Assert.Equal(TimeSpan.Zero, StoreOpenOptions.TimeoutFrom("0"));
        Assert.All(new string?[] { null, "", "-1", "soon" }, v => Assert.Equal(TimeSpan.FromSeconds(60), StoreOpenOptions.TimeoutFrom(v)));
    }

    [Fact]
    public void A_store_written_by_a_newer_trainplat_is_refused_and_left_untouched()
    {
        using var dir = WithFixture();
        using (var raw = new LiteDatabase(new ConnectionString { Filename = dir.Store, Connection = ConnectionType.Direct }))
        {
            var meta = raw.GetCollection("meta").FindById("schema");
            meta["version"] = 99;
            meta["tool"] = "9.9.0";
            raw.GetCollection("meta").Update(meta);
        }

        Assert.Equal(["lineage.db"], dir.Files());
        var mtime = new DateTime(2025, 6, 1, 12, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(dir.Store, mtime);
        var bytes = File.ReadAllBytes(dir.Store);

        for (var attempt = 0; attempt < 2; attempt++)
        {
            // No wait: a refused open releases the lock.
            var ex = Assert.Throws<UserErrorException>(() => TestStores.Open(dir.Store, "0.2.0", TimeSpan.Zero));
            Assert.Contains("written by trainplat 9.9.0", ex.Message, StringComparison.Ordinal);
            Assert.Contains("upgrade", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("busy", ex.Message, StringComparison.Ordinal);
        }

        Assert.Equal(bytes, File.ReadAllBytes(dir.Store));
        Assert.Equal(mtime, File.GetLastWriteTimeUtc(dir.Store));
        Assert.Equal(["lineage.db", "lineage.db.lock"], dir.Files()); // no -log.db, no backup
    }
}
