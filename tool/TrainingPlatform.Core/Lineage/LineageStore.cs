using LiteDB;
using TrainingPlatform.Core.Datasets;

namespace TrainingPlatform.Core.Lineage;

/// <summary>
/// The project's lineage store: one LiteDB file (default <c>.trainplat/lineage.db</c>). Opened in shared
/// mode, because LiteDB's direct mode loses writes when two processes write on Linux; dates in UTC; documents
/// mapped by hand (no reflection mapper, so trimming and AOT keep every field). A <c>meta</c> record holds the
/// store's schema version; a newer store than this tool knows is refused rather than misread.
/// Collections: <c>dataset_versions</c> (one document per name + algorithm + hash) and
/// <c>dataset_manifests</c> (folder manifests, content-addressed and chunked, shared by versions).
/// </summary>
public sealed class LineageStore : IDatasetVersionStore
{
    public const int SchemaVersion = 1;
    private const int ManifestChunk = 5000;

    private readonly LiteDatabase _db;
    private readonly ILiteCollection<BsonDocument> _versions;
    private readonly ILiteCollection<BsonDocument> _manifests;

    private LineageStore(LiteDatabase db)
    {
        _db = db;
        _versions = db.GetCollection("dataset_versions");
        _manifests = db.GetCollection("dataset_manifests");
    }

    /// <summary>Opens (creating when needed) the store at <paramref name="path"/>.</summary>
    public static LineageStore Open(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        LiteDatabase? db = null;
        try
        {
            db = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Shared }) { UtcDate = true };
            var meta = db.GetCollection("meta");
            var schema = meta.FindById("schema");
            if (schema is null)
            {
                meta.Upsert(new BsonDocument { ["_id"] = "schema", ["version"] = SchemaVersion });
            }
            else if (schema["version"].AsInt32 > SchemaVersion)
            {
                throw new LineageStoreException($"{path}: lineage store schema {schema["version"].AsInt32} is newer than this trainplat understands ({SchemaVersion}); update trainplat");
            }

            var store = new LineageStore(db);
            store._versions.EnsureIndex("name");
            db = null;
            return store;
        }
        catch (LiteException ex)
        {
            throw new LineageStoreException($"{path}: cannot open the lineage store ({ex.Message.TrimEnd('.')})", ex);
        }
        finally
        {
            db?.Dispose();
        }
    }

    public (DatasetVersion Version, bool Added) Add(DatasetVersion version)
    {
        var id = Id(version.Name, version.Algorithm, version.Hash);
        if (_versions.FindById(id) is { } existing)
        {
            return (Read(existing), false);
        }

        if (version.IsFolder)
        {
            SaveManifest(version);
        }

        try
        {
            _versions.Insert(Write(version, id));
            return (version, true);
        }
        catch (LiteException ex) when (ex.ErrorCode == LiteException.INDEX_DUPLICATE_KEY)
        {
            return (Read(_versions.FindById(id)), false); // another process recorded it a moment ago
        }
    }

    public IReadOnlyList<DatasetVersion> Find(string name, string hashPrefix) =>
        [.. _versions.Find(Query.EQ("name", name)).ToList().Select(Read)
            .Where(v => v.Hash.StartsWith(hashPrefix, StringComparison.Ordinal))
            .OrderByDescending(v => v.Created).ThenBy(v => v.Hash, StringComparer.Ordinal)];

    public IReadOnlyList<DatasetVersion> List(string? name) =>
        [.. (name is null ? _versions.FindAll() : _versions.Find(Query.EQ("name", name))).ToList().Select(Read)
            .OrderBy(v => v.Name, StringComparer.Ordinal).ThenByDescending(v => v.Created).ThenBy(v => v.Hash, StringComparer.Ordinal)];

    public void Dispose() => _db.Dispose();

    private static string Id(string name, string algorithm, string hash) => $"{name}\n{algorithm}:{hash}";

    private static BsonDocument Write(DatasetVersion v, string id) => new()
    {
        ["_id"] = id,
        ["name"] = v.Name,
        ["path"] = v.Path,
        ["kind"] = v.IsFolder ? "folder" : "file",
        ["format"] = v.Format,
        ["size"] = v.Size,
        ["algorithm"] = v.Algorithm,
        ["hash"] = v.Hash,
        ["samples"] = v.Samples is { } s ? new BsonValue(s) : BsonValue.Null,
        ["fields"] = new BsonArray(v.Fields.Select(f => new BsonValue(f))),
        ["created"] = v.Created.UtcDateTime,
        ["files"] = v.Files.Count,
    };

    /// <summary>Maps a document; call it on materialised results only (shared mode closes the file after each query, so nested queries inside an open enumeration fail).</summary>
    private DatasetVersion Read(BsonDocument d)
    {
        var isFolder = d["kind"].AsString == "folder";
        var algorithm = d["algorithm"].AsString;
        var hash = d["hash"].AsString;
        return new DatasetVersion(
            d["name"].AsString,
            d["path"].AsString,
            isFolder,
            d["format"].AsString,
            d["size"].AsInt64,
            algorithm,
            hash,
            d["samples"].IsNull ? null : d["samples"].AsInt64,
            [.. d["fields"].AsArray.Select(f => f.AsString)],
            new DateTimeOffset(DateTime.SpecifyKind(d["created"].AsDateTime, DateTimeKind.Utc)),
            isFolder ? LoadManifest(algorithm, hash) : []);
    }

    private void SaveManifest(DatasetVersion v)
    {
        var chunks = v.Files.Chunk(ManifestChunk).ToArray();
        for (var i = 0; i < Math.Max(1, chunks.Length); i++)
        {
            var files = i < chunks.Length ? chunks[i] : [];
            _manifests.Upsert(new BsonDocument
            {
                ["_id"] = $"{v.Algorithm}:{v.Hash}:{i}",
                ["chunks"] = Math.Max(1, chunks.Length),
                ["files"] = new BsonArray(files.Select(f => (BsonValue)new BsonDocument
                {
                    ["path"] = f.Path,
                    ["size"] = f.Size,
                    ["hash"] = f.Hash,
                    ["format"] = f.Format,
                    ["samples"] = f.Samples is { } s ? new BsonValue(s) : BsonValue.Null,
                    ["fields"] = new BsonArray(f.Fields.Select(x => new BsonValue(x))),
                })),
            });
        }
    }

    private List<FileEntry> LoadManifest(string algorithm, string hash)
    {
        var files = new List<FileEntry>();
        for (var i = 0; ; i++)
        {
            var chunk = _manifests.FindById($"{algorithm}:{hash}:{i}");
            if (chunk is null)
            {
                return files;
            }

            files.AddRange(chunk["files"].AsArray.Select(b => b.AsDocument).Select(f => new FileEntry(
                f["path"].AsString, f["size"].AsInt64, f["hash"].AsString, f["format"].AsString,
                f["samples"].IsNull ? null : f["samples"].AsInt64, [.. f["fields"].AsArray.Select(x => x.AsString)])));
            if (i + 1 >= chunk["chunks"].AsInt32)
            {
                return files;
            }
        }
    }
}

/// <summary>The lineage store cannot be opened or is from a newer trainplat.</summary>
public sealed class LineageStoreException : Exception
{
    public LineageStoreException()
    {
    }

    public LineageStoreException(string message)
        : base(message)
    {
    }

    public LineageStoreException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
