using System.Globalization;
using LiteDB;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Lineage;

/// <summary>
/// Upgrades an older store in place, after writing a byte-for-byte backup copy beside it
/// (<c>lineage.db.schema1.bak</c>; an existing backup is never overwritten). Runs under the store lock.
/// Schema 1 → 2: the meta record gains the tool version and a migration log; jobs, metrics, recipe versions
/// and configs are new collections (their indexes are created on open); dataset versions are kept as they are.
/// Schema 2 → 3: follow positions (<c>metrics import --follow</c>) are a new collection; nothing else changes.
/// </summary>
internal static class StoreMigrations
{
    public static (LiteDatabase Db, string Backup) Migrate(LiteDatabase db, string path, int from, int to, string toolVersion, DateTime now)
    {
        // Fold LiteDB's log into the data file so that the copy holds everything.
        db.Checkpoint();
        db.Dispose();
        var backup = BackupPath(path, from, now);
        File.Copy(path, backup, overwrite: false);

        var upgraded = LineageStore.OpenDatabase(path);
        try
        {
            upgraded.BeginTrans();
            var meta = upgraded.GetCollection("meta");
            var schema = meta.FindById("schema");
            for (var version = from; version < to; version++)
            {
                Step(upgraded, version);
            }

            var log = schema["migrations"].IsArray ? schema["migrations"].AsArray : [];
            log.Add(new BsonDocument
            {
                ["from"] = from,
                ["to"] = to,
                ["tool"] = toolVersion,
                ["at"] = now,
                ["backup"] = Path.GetFileName(backup),
            });
            schema["version"] = to;
            schema["tool"] = toolVersion;
            schema["migrations"] = log;
            meta.Upsert(schema);
            upgraded.Commit();
            return (upgraded, backup);
        }
        catch
        {
            upgraded.Dispose();
            throw;
        }
    }

    private static void Step(LiteDatabase db, int from)
    {
        switch (from)
        {
            case 1:
                // Dataset versions and manifests keep their documents; nothing to rewrite.
                _ = db;
                break;
            case 2:
                // A new, empty collection (its index is created on open); the jobs and metrics stay as they are.
                break;
            default:
                throw new UserErrorException($"no migration from store schema {from.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    private static string BackupPath(string path, int from, DateTime now)
    {
        var backup = $"{path}.schema{from.ToString(CultureInfo.InvariantCulture)}.bak";
        return File.Exists(backup)
            ? $"{path}.schema{from.ToString(CultureInfo.InvariantCulture)}.{now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}.bak"
            : backup;
    }
}
