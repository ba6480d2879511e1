using System.Globalization;
using LiteDB;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Recipes;

namespace TrainingPlatform.Core.Lineage;

/// <summary>
/// The project's lineage store: one LiteDB file (default <c>.trainplat/lineage.db</c>).
/// <para>
/// Concurrency: LiteDB's <c>direct</c> mode has no cross-process locking on Linux (two writers lose
/// acknowledged writes) and <c>shared</c> mode reopens the file for every query and relies on a named mutex
/// that a killed process abandons. So the store holds an OS file lock (<see cref="StoreLock"/>) from open to
/// dispose and uses direct mode inside it: one writer or reader at a time, one file open per command, and the
/// kernel releases the lock when a process dies. Commands open the store only after their slow work (hashing,
/// parsing) is done, so the lock is held for milliseconds, or for the seconds of one large import.
/// </para>
/// <para>
/// Crashes: every public method is one LiteDB transaction; after a <c>kill -9</c>, LiteDB's write-ahead log
/// replays committed transactions only, so an import is all there or not at all.
/// </para>
/// <para>
/// Documents are mapped by hand (no reflection mapper: trimming and AOT keep every field). Dates are UTC.
/// Metric points are stored in batches of one metric of one job, columnar (steps, values and times as packed
/// little-endian arrays), so a million points are a few hundred documents and ~24 MB rather than a million
/// documents; the job record keeps a per-metric summary, updated in the same transaction.
/// </para>
/// </summary>
public sealed class LineageStore : ILineageStore
{
    /// <summary>
    /// Schema history: 1 = dataset versions (trainplat 0.1); 2 = recipe versions, configs, jobs, metrics, tool version in
    /// meta; 3 = follow positions (<c>metrics import --follow</c>).
    /// </summary>
    public const int SchemaVersion = 3;
    public const int BatchSize = 8192;
    private const int ManifestChunk = 5000;

    private readonly LiteDatabase _db;
    private readonly StoreLock? _lock;
    private readonly MemoryStream? _memory;
    private readonly TimeProvider _clock;
    private readonly ILiteCollection<BsonDocument> _versions;
    private readonly ILiteCollection<BsonDocument> _manifests;
    private readonly ILiteCollection<BsonDocument> _recipes;
    private readonly ILiteCollection<BsonDocument> _configs;
    private readonly ILiteCollection<BsonDocument> _jobs;
    private readonly ILiteCollection<BsonDocument> _facts;
    private readonly ILiteCollection<BsonDocument> _metrics;
    private readonly ILiteCollection<BsonDocument> _follow;
    private bool _readOnly;
    private bool _failed;

    private LineageStore(LiteDatabase db, StoreLock? storeLock, StoreInfo info, TimeProvider clock, MemoryStream? memory = null)
    {
        _clock = clock;
        _db = db;
        _lock = storeLock;
        _memory = memory;
        Info = info;
        _versions = db.GetCollection("dataset_versions");
        _manifests = db.GetCollection("dataset_manifests");
        _recipes = db.GetCollection("recipe_versions");
        _configs = db.GetCollection("configs");
        _jobs = db.GetCollection("jobs");
        _facts = db.GetCollection("job_facts");
        _metrics = db.GetCollection("metrics");
        _follow = db.GetCollection(FollowCollection);
    }

    /// <summary>Where <c>--follow</c> keeps its positions (schema 3).</summary>
    internal const string FollowCollection = "follow_positions";

    public StoreInfo Info { get; }

    /// <summary>
    /// For commands that only read: the store when its file exists, opened read-only (nothing is created, extended,
    /// repaired or upgraded; an older schema is read as it is), under a shared lock when its lock file exists; else an
    /// empty store in memory, so that a listing on a project that has recorded nothing creates no file, folder or
    /// lock (<see cref="StoreInfo.Exists"/> is false). A damaged file is refused before anything opens it.
    /// </summary>
    public static LineageStore OpenForReading(string path, StoreOpenOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        path = System.IO.Path.GetFullPath(path);
        RefuseFolder(path);
        if (!File.Exists(path))
        {
            var memory = new MemoryStream();
            var empty = new LiteDatabase(memory) { UtcDate = true };
            var store = new LineageStore(empty, null, new StoreInfo(path, SchemaVersion, options.ToolVersion, null, null) { Exists = false }, options.Clock, memory);
            store.EnsureIndexes();
            return store;
        }

        CheckHeaderBeforeLock(path);
        var storeLock = StoreLock.AcquireShared(path, options.Timeout);
        LiteDatabase? db = null;
        try
        {
            CheckHeader(path);
            db = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct, ReadOnly = true }) { UtcDate = true };
            var schema = ReadMeta(db);
            if (schema is null && db.GetCollectionNames().Any())
            {
                throw StoreFile.Damaged(path, "a LiteDB database without trainplat's meta record: not a lineage store");
            }

            var version = schema is null ? SchemaVersion : SchemaOf(schema, path);
            RefuseNewer(schema, version, path, options.ToolVersion);
            return new LineageStore(db, storeLock, new StoreInfo(path, version, schema?["tool"] is { IsString: true } t ? t.AsString : null, null, null), options.Clock) { _readOnly = true };
        }
        catch (Exception ex)
        {
            db?.Dispose();
            storeLock?.Dispose();
            throw Translate(ex, path);
        }
    }

    /// <summary>
    /// Opens the store at <paramref name="path"/> for writing, creating it when missing; migrates an older schema
    /// after a backup copy. An existing file that is not a sound LiteDB 5 store is refused before anything (a lock
    /// file, a log) is written; a location that cannot be written is refused at once.
    /// </summary>
    public static LineageStore Open(string path, StoreOpenOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (toolVersion, clock) = (options.ToolVersion, options.Clock);
        path = System.IO.Path.GetFullPath(path);
        RefuseFolder(path);
        if (File.Exists(path))
        {
            CheckHeaderBeforeLock(path);
        }

        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        }
        catch (Exception ex) when (StoreFile.IsReadOnly(ex))
        {
            throw StoreFile.ReadOnly(path, ex);
        }

        var storeLock = StoreLock.Acquire(path, options.Timeout);
        LiteDatabase? db = null;
        try
        {
            if (File.Exists(path))
            {
                // Under the lock: another process may have written it since the first look.
                CheckHeader(path);
                CheckWritable(path);
            }

            db = OpenDatabase(path);
            var meta = db.GetCollection("meta");
            var schema = meta.FindById("schema");
            string? migratedFrom = null;
            string? backup = null;
            var fresh = schema is null;
            if (schema is null)
            {
                if (db.GetCollectionNames().Any())
                {
                    throw StoreFile.Damaged(path, "a LiteDB database without trainplat's meta record: not a lineage store");
                }

                schema = new BsonDocument { ["_id"] = "schema", ["version"] = SchemaVersion, ["tool"] = toolVersion, ["created"] = clock.GetUtcNow().UtcDateTime };
                meta.Upsert(schema);
            }
            else
            {
                var version = SchemaOf(schema, path);
                RefuseNewer(schema, version, path, toolVersion);
                if (version < SchemaVersion)
                {
                    migratedFrom = version.ToString(CultureInfo.InvariantCulture);
                    (db, backup) = StoreMigrations.Migrate(db, path, version, SchemaVersion, toolVersion, clock.GetUtcNow().UtcDateTime);
                    schema = ReadMeta(db)!;
                }
            }

            var store = new LineageStore(db, storeLock, new StoreInfo(path, SchemaVersion, schema["tool"].IsString ? schema["tool"].AsString : null, migratedFrom, backup), clock);
            if (fresh || migratedFrom is not null)
            {
                // Each EnsureIndex is a write transaction even when the index exists: only on creation and upgrade.
                store.EnsureIndexes();
            }

            return store;
        }
        catch (Exception ex)
        {
            DisposeQuietly(db);
            storeLock.Dispose();
            throw Translate(ex, path);
        }
    }

    private static void RefuseFolder(string path)
    {
        if (Directory.Exists(path))
        {
            throw StoreFile.Damaged(path, "it is a folder, not a store file");
        }
    }

    /// <summary>
    /// The look before the lock, so a damaged store is refused before a lock file is written. While another process uses
    /// the store (its lock file exists) the file may be mid-write, its header already counting pages still being written:
    /// then only the check under the lock decides, never this one.
    /// </summary>
    private static void CheckHeaderBeforeLock(string path)
    {
        if (!File.Exists(path + ".lock"))
        {
            CheckHeader(path);
        }
    }

    private static void CheckHeader(string path)
    {
        if (StoreFile.Damage(path) is { } damage)
        {
            throw StoreFile.Damaged(path, damage);
        }
    }

    /// <summary>A read-only file (or file system) is said at once, before LiteDB tries to write it.</summary>
    private static void CheckWritable(string path)
    {
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1, FileOptions.None);
        }
        catch (Exception ex) when (StoreFile.IsReadOnly(ex))
        {
            throw StoreFile.ReadOnly(path, ex);
        }
    }

    private static int SchemaOf(BsonDocument schema, string path) =>
        schema["version"].IsInt32 ? schema["version"].AsInt32 : throw StoreFile.Damaged(path, "its meta record has no schema version");

    private static void RefuseNewer(BsonDocument? schema, int version, string path, string toolVersion)
    {
        if (schema is not null && version > SchemaVersion)
        {
            var writer = schema["tool"].IsString ? "trainplat " + schema["tool"].AsString : "a newer trainplat";
            throw new UserErrorException(
                $"{path}: written by {writer} (store schema {version}; this trainplat {toolVersion} reads up to {SchemaVersion}); upgrade trainplat",
                "the file was left untouched: `dotnet tool update -g TrainingPlatform.Tool`");
        }
    }

    /// <summary>
    /// What LiteDB (or a document that does not read as a record) throws when the file is damaged, as the one
    /// "damaged" message; a failed write (a full disk) as one line that says nothing was recorded.
    /// </summary>
    internal static Exception Translate(Exception ex, string path) => ex switch
    {
        UserErrorException => ex,
        _ when StoreFile.IsReadOnly(ex) => StoreFile.ReadOnly(path, ex),
        IOException => WriteFailed(path, ex),
        _ when IsFileTooLarge(ex) => WriteFailed(path, ex),
        _ when IsDamage(ex) => StoreFile.Damaged(path, Describe(ex), ex),
        _ => ex,
    };

    private static UserErrorException WriteFailed(string path, Exception ex) => new(
        $"could not write the lineage store {path} ({ex.Message.TrimEnd('.')}); nothing of this command was recorded",
        "free some space (or fix the disk) and run the command again; the store is as it was before it", ex);

    /// <summary>
    /// EFBIG (a file-size limit, or a file system's largest file): .NET reports it from a write or SetLength as an
    /// argument error on <c>value</c>, thrown in System.IO.
    /// </summary>
    private static bool IsFileTooLarge(Exception ex) =>
        ex is ArgumentOutOfRangeException { ParamName: "value" } && ex.StackTrace?.Contains("at System.IO.", StringComparison.Ordinal) == true;

    private static bool IsDamage(Exception ex) =>
        ex is LiteException or InvalidCastException or NullReferenceException or ArgumentException or IndexOutOfRangeException
            or InvalidOperationException or OverflowException or FormatException or EndOfStreamException or KeyNotFoundException;

    private static string Describe(Exception ex) => ex is LiteException ? "LiteDB: " + ex.Message.TrimEnd('.') : "a record does not read: " + ex.GetType().Name + ": " + ex.Message.TrimEnd('.');

    private static void DisposeQuietly(LiteDatabase? db)
    {
        try
        {
            db?.Dispose();
        }
#pragma warning disable CA1031 // The first failure is the one to report; closing a broken database may fail again.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>
    /// Compiles LiteDB's open, write and query paths (~90 ms of JIT on first use) on an in-memory database, so a
    /// command can do it on another core while it reads files, without taking the store's lock early.
    /// </summary>
    public static void Warm()
    {
        using var memory = new MemoryStream();
        using var db = new LiteDatabase(memory) { UtcDate = true };
        var collection = db.GetCollection("warm");
        collection.EnsureIndex("name");
        db.BeginTrans();
        collection.Insert(new BsonDocument { ["_id"] = "x", ["name"] = "x", ["at"] = DateTime.UnixEpoch }); // any date: only the code paths are warmed
        db.Commit();
        _ = collection.Find(Query.EQ("name", "x")).ToList();
        _ = collection.FindById("x");
    }

    internal static LiteDatabase OpenDatabase(string path) =>
        new(new ConnectionString { Filename = path, Connection = ConnectionType.Direct }) { UtcDate = true };

    private void EnsureIndexes()
    {
        _versions.EnsureIndex("name");
        _recipes.EnsureIndex("recipe");
        _facts.EnsureIndex("ord", Order);
        _facts.EnsureIndex("recipe_ord", RecipeOrder);
        _facts.EnsureIndex("task_ord", TaskOrder);
        _jobs.EnsureIndex("parent");
        _jobs.EnsureIndex("ds_name", "$.datasets[*].name");
        _jobs.EnsureIndex("ds_hash", "$.datasets[*].hash");
        _jobs.EnsureIndex("chain", "$.chain[*]");
        _metrics.EnsureIndex("job");
        _follow.EnsureIndex("job");
    }

    public void Dispose()
    {
        try
        {
            if (_failed)
            {
                // After a failed write LiteDB may fail again while closing; the first failure was reported.
                DisposeQuietly(_db);
            }
            else
            {
                _db.Dispose();
            }
        }
        finally
        {
            _lock?.Dispose();
            _memory?.Dispose();
        }
    }

    // ---- transactions -------------------------------------------------------------------------

    private T InTransaction<T>(Func<T> work) => Guard(() =>
    {
        if (_readOnly)
        {
            throw new InvalidOperationException("a store opened for reading was asked to write");
        }

        _db.BeginTrans();
        try
        {
            var result = work();
            _db.Commit();
            return result;
        }
        catch (Exception ex) when (ex is not UserErrorException)
        {
            _failed = true;
            try
            {
                _db.Rollback();
            }
#pragma warning disable CA1031 // The write's own failure is the one to report.
            catch (Exception)
#pragma warning restore CA1031
            {
            }

            throw;
        }
        catch
        {
            _db.Rollback();
            throw;
        }
    });

    /// <summary>Every read and write goes through here: damage in the file becomes the one "damaged" message.</summary>
    private T Guard<T>(Func<T> work)
    {
        try
        {
            return work();
        }
        catch (Exception ex) when (ex is not UserErrorException)
        {
            var translated = Translate(ex, Info.Path);
            if (ReferenceEquals(translated, ex))
            {
                throw;
            }

            throw translated;
        }
    }

    /// <summary>A lazy read, guarded item by item.</summary>
    private IEnumerable<T> Guarded<T>(IEnumerable<T> source)
    {
        using var items = Guard(source.GetEnumerator);
        while (Guard(items.MoveNext))
        {
            yield return items.Current;
        }
    }

    // ---- dataset versions ---------------------------------------------------------------------

    public (DatasetVersion Version, bool Added) Add(DatasetVersion version) => InTransaction(() => AddDataset(version));

    private (DatasetVersion Version, bool Added) AddDataset(DatasetVersion version)
    {
        var id = DatasetId(version.Name, version.Algorithm, version.Hash);
        if (_versions.FindById(id) is { } existing)
        {
            // Same name and content hash: the manifest is the one given (not read back: 100,000 entries cost seconds).
            return (LineageDocuments.ReadDataset(existing, version.Files), false);
        }

        if (version.IsFolder)
        {
            SaveManifest(version);
        }

        _versions.Insert(LineageDocuments.Write(version, id));
        return (version, true);
    }

    public IReadOnlyList<DatasetVersion> Find(string name, string hashPrefix) => Guard<IReadOnlyList<DatasetVersion>>(() =>
        [.. _versions.Find(Query.EQ("name", name)).ToList().Select(ReadDataset)
            .Where(v => v.Hash.StartsWith(hashPrefix, StringComparison.Ordinal))
            .OrderByDescending(v => v.Created).ThenBy(v => v.Hash, StringComparer.Ordinal)]);

    public IReadOnlyList<DatasetVersion> List(string? name) => Guard<IReadOnlyList<DatasetVersion>>(() =>
        [.. (name is null ? _versions.FindAll() : _versions.Find(Query.EQ("name", name))).ToList().Select(ReadDataset)
            .OrderBy(v => v.Name, StringComparer.Ordinal).ThenByDescending(v => v.Created).ThenBy(v => v.Hash, StringComparer.Ordinal)]);

    public IReadOnlyList<DatasetVersion> Summaries(string? name) =>
        [.. (name is null ? _versions.FindAll() : _versions.Find(Query.EQ("name", name))).ToList().Select(ReadSummary)
            .OrderBy(v => v.Name, StringComparer.Ordinal).ThenByDescending(v => v.Created).ThenBy(v => v.Hash, StringComparer.Ordinal)];

    /// <summary>A version without its manifest: the file count from the version record (or the manifest, for a record without one).</summary>
    private DatasetVersion ReadSummary(BsonDocument d) =>
        d["kind"].AsString == "folder" && !d["files"].IsNumber
            ? ReadDataset(d)
            : LineageDocuments.ReadDataset(d, []) with { FileCount = d["kind"].AsString == "folder" ? d["files"].AsInt32 : 0 };

    private static string DatasetId(string name, string algorithm, string hash) => $"{name}\n{algorithm}:{hash}";

    private DatasetVersion ReadDataset(BsonDocument d) =>
        LineageDocuments.ReadDataset(d, d["kind"].AsString == "folder" ? LoadManifest(d["algorithm"].AsString, d["hash"].AsString) : []);

    private void SaveManifest(DatasetVersion v)
    {
        var chunks = v.Files.Chunk(ManifestChunk).ToArray();
        for (var i = 0; i < Math.Max(1, chunks.Length); i++)
        {
            _manifests.Upsert(LineageDocuments.WriteManifestChunk($"{v.Algorithm}:{v.Hash}:{i}", Math.Max(1, chunks.Length), i < chunks.Length ? chunks[i] : []));
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

            files.AddRange(LineageDocuments.ReadManifestChunk(chunk));
            if (i + 1 >= chunk["chunks"].AsInt32)
            {
                return files;
            }
        }
    }

    // ---- recipe versions and configs ----------------------------------------------------------

    public RecipeVersionRecord? GetRecipeVersion(string hash) => Guard(() =>
        _recipes.FindById(hash) is { } d ? LineageDocuments.ReadRecipe(d) : null);

    public IReadOnlyList<RecipeVersionRecord> FindRecipeVersions(string recipeId, string? version) => Guard<IReadOnlyList<RecipeVersionRecord>>(() =>
        [.. _recipes.Find(Query.EQ("recipe", recipeId)).ToList().Select(LineageDocuments.ReadRecipe)
            .Where(r => version is null || r.Version == version)
            .OrderByDescending(r => r.Recorded).ThenBy(r => r.Hash, StringComparer.Ordinal)]);

    public IReadOnlyList<RecipeVersionRecord> ListRecipeVersions() => Guard<IReadOnlyList<RecipeVersionRecord>>(() =>
        [.. _recipes.FindAll().ToList().Select(LineageDocuments.ReadRecipe)
            .OrderBy(r => r.RecipeId, StringComparer.Ordinal).ThenBy(r => r.Recorded).ThenBy(r => r.Hash, StringComparer.Ordinal)]);

    public string? GetConfig(string hash) => Guard(() => _configs.FindById(hash) is { } d ? d["json"].AsString : null);

    private bool AddRecipe(RecipeVersionRecord r)
    {
        if (_recipes.FindById(r.Hash) is not null)
        {
            return false;
        }

        _recipes.Insert(LineageDocuments.Write(r));
        return true;
    }

    private bool AddConfig(string hash, string json)
    {
        if (_configs.FindById(hash) is not null)
        {
            return false;
        }

        _configs.Insert(new BsonDocument { ["_id"] = hash, ["json"] = json });
        return true;
    }

    // ---- jobs ---------------------------------------------------------------------------------

    public void CreateJob(NewJob job, Action? beforeCommit = null) => InTransaction(() =>
    {
        if (_jobs.FindById(job.Job.Id) is not null)
        {
            throw new UserErrorException($"{Info.Path}: a job with id {job.Job.Id} exists already");
        }

        foreach (var r in job.Recipes)
        {
            AddRecipe(r);
        }

        AddConfig(job.Job.ConfigHash, job.ConfigJson);
        foreach (var d in job.Datasets)
        {
            AddDataset(d);
        }

        PutJob(job.Job, [], insert: true);
        beforeCommit?.Invoke();
        return 0;
    });

    public JobRecord? GetJob(string id) => Guard(() => _jobs.FindById(id) is { } d ? LineageDocuments.ReadJob(d) : null);

    public IReadOnlyList<string> FindJobIds(string prefix, int limit) => Guard<IReadOnlyList<string>>(() =>
        [.. (prefix.Length == 0 ? _jobs.Query() : _jobs.Query().Where(Query.StartsWith("_id", prefix))).Select(BsonExpression.Create("$._id")).Limit(limit).ToList().Select(d => d["_id"].AsString)]);

    /// <summary>Writes a job and its row in the job index (<c>job_facts</c>) together.</summary>
    private void PutJob(JobRecord job, IReadOnlyList<string> sources, bool insert)
    {
        if (insert)
        {
            _jobs.Insert(LineageDocuments.Write(job, sources));
            _facts.Insert(LineageDocuments.WriteFacts(job));
        }
        else
        {
            _jobs.Update(LineageDocuments.Write(job, sources));
            _facts.Upsert(LineageDocuments.WriteFacts(job));
        }
    }

    public IEnumerable<JobRecord> ListJobs(JobQuery query) => Guarded(Guard(() => ListJobsUnguarded(query)));

    private IEnumerable<JobRecord> ListJobsUnguarded(JobQuery query)
    {
        var q = query;
        if (q.ParentId is not null || q.UsesRecipeHash is not null || q.DatasetName is not null || q.DatasetHashPrefix is { Length: > 0 })
        {
            return FindJobsUnguarded(query);
        }

        // Each index ends in `ord` (inverted creation ticks, then the id), so an ascending scan is newest first and
        // a caller that wants the newest N stops after N documents. (LiteDB 5 returns nothing for a descending
        // prefix scan, hence the inverted key.) LiteDB costs ~20 µs per document read, so this is what keeps
        // `job list` and `suggest` fast with 100,000 jobs.
        var (expression, prefix) =
            q.RecipeId is not null ? (RecipeOrder, q.RecipeId + "|")
            : q.Task is not null ? (TaskOrder, q.Task + "|")
            : (Order, "");
        var scan = prefix.Length == 0
            ? _facts.Query().OrderBy(BsonExpression.Create(expression))
            : _facts.Query().Where(Query.StartsWith(expression, prefix)).OrderBy(BsonExpression.Create(expression));
        return scan.ToEnumerable().Select(ReadFacts).Where(j => Matches(j, q));
    }

    /// <summary>An index row as a job; a row written before the index carried the overrides takes them from the job document.</summary>
    private JobRecord ReadFacts(BsonDocument facts)
    {
        var job = LineageDocuments.ReadFacts(facts);
        return LineageDocuments.HasSets(facts) || _jobs.FindById(job.Id) is not { } full
            ? job
            : job with { Sets = LineageDocuments.ReadJob(full).Sets };
    }

    private const string Order = "$.ord";
    private const string RecipeOrder = "$.recipe + '|' + $.ord";
    private const string TaskOrder = "$.task + '|' + $.ord";

    public IReadOnlyList<JobRecord> FindJobs(JobQuery query) => Guard(() => FindJobsUnguarded(query));

    private IReadOnlyList<JobRecord> FindJobsUnguarded(JobQuery query)
    {
        var q = query;
        IEnumerable<BsonDocument>? docs =
            q.ParentId is not null ? _jobs.Find(Query.EQ("parent", q.ParentId))
            : q.UsesRecipeHash is not null ? _jobs.Find(Query.EQ("$.chain[*] ANY", q.UsesRecipeHash))
            : q.DatasetName is not null ? _jobs.Find(Query.EQ("$.datasets[*].name ANY", q.DatasetName))
            : q.DatasetHashPrefix is { Length: > 0 } ? _jobs.Find(Query.StartsWith("$.datasets[*].hash ANY", q.DatasetHashPrefix))
            : null;
        if (docs is null)
        {
            // The job index finds the ids; the full records are read one by one.
            return [.. ListJobsUnguarded(query).Select(j => LineageDocuments.ReadJob(_jobs.FindById(j.Id)))]; // newest first already
        }

        return Filter(docs.ToList().Select(LineageDocuments.ReadJob), q);
    }

    private static JobRecord[] Filter(IEnumerable<JobRecord> jobs, JobQuery q) =>
        [.. jobs.Where(j => Matches(j, q)).OrderByDescending(j => j.Created).ThenBy(j => j.Id, StringComparer.Ordinal)];

    private static bool Matches(JobRecord j, JobQuery q) =>
        (q.RecipeId is null || j.RecipeId == q.RecipeId)
        && (q.RecipeVersion is null || j.RecipeVersion == q.RecipeVersion)
        && (q.Status is null || j.Status == q.Status)
        && (q.Task is null || j.Task == q.Task)
        && (q.Algorithm is null || j.Algorithm == q.Algorithm)
        && (q.Parameters is null || ModelSize.Matches(q.Parameters.Value, j.Parameters, j.Model))
        && (q.Since is null || j.Created >= q.Since)
        && (q.DatasetName is null || j.Datasets.Any(d => d.Name == q.DatasetName))
        && (q.DatasetHashPrefix is null || j.Datasets.Any(d => d.Hash.StartsWith(q.DatasetHashPrefix, StringComparison.Ordinal)))
        && (q.Tag is null || j.Tags.Contains(q.Tag))
        && (q.ParentId is null || j.ParentId == q.ParentId)
        && (q.UsesRecipeHash is null || j.Chain.Contains(q.UsesRecipeHash));

    public void UpdateJob(JobRecord job) => InTransaction(() =>
    {
        var existing = _jobs.FindById(job.Id) ?? throw new UserErrorException($"no job {job.Id} in {Info.Path}");
        // Metric summaries belong to the points: keep the stored ones, whatever the caller's copy says.
        PutJob(job with { Metrics = LineageDocuments.ReadJob(existing).Metrics }, LineageDocuments.ReadSources(existing), insert: false);
        return 0;
    });

    public long DeleteJob(string id) => InTransaction(() =>
    {
        if (_jobs.FindById(id) is null)
        {
            return -1L;
        }

        var points = _metrics.Find(OfJob(id)).ToList().Sum(b => (long)b["n"].AsInt32);
        _metrics.DeleteMany(OfJob(id));
        _follow.DeleteMany(OfJob(id));
        _jobs.Delete(id);
        _facts.Delete(id);
        return points;
    });

    // ---- metrics ------------------------------------------------------------------------------

    public MetricWriteResult AppendMetrics(string jobId, IReadOnlyList<MetricPoint> points, string? source, DateTimeOffset now, Func<JobRecord, JobRecord>? admit = null) =>
        InTransaction(() => Append(jobId, points, source, now, admit).Written);

    public (MetricWriteResult Written, JobRecord Job) AppendFollowed(string jobId, IReadOnlyList<MetricPoint> points, IReadOnlyList<FollowPosition> positions, DateTimeOffset now) => InTransaction(() =>
    {
        var written = points.Count == 0
            ? (new MetricWriteResult(0, [], AlreadyImported: false), GetJob(jobId) ?? throw new UserErrorException($"no job {jobId} in {Info.Path}"))
            : Append(jobId, points, null, now, null);
        foreach (var p in positions)
        {
            _follow.Upsert(LineageDocuments.Write(p));
        }

        return written;
    });

    public IReadOnlyList<FollowPosition> FollowPositions(string jobId) => Guard<IReadOnlyList<FollowPosition>>(() =>
        [.. _follow.Find(OfJob(jobId)).ToList().Select(LineageDocuments.ReadFollowPosition).OrderBy(p => p.Path, StringComparer.Ordinal)]);

    private (MetricWriteResult Written, JobRecord Job) Append(string jobId, IReadOnlyList<MetricPoint> points, string? source, DateTimeOffset now, Func<JobRecord, JobRecord>? admit)
    {
        var doc = _jobs.FindById(jobId) ?? throw new UserErrorException($"no job {jobId} in {Info.Path}");
        var read = LineageDocuments.ReadJob(doc);
        var job = admit?.Invoke(read) ?? read;
        var sources = LineageDocuments.ReadSources(doc);
        if (source is not null && sources.Contains(source))
        {
            var names = MetricColumns.Names(points);
            if (!ReferenceEquals(job, read))
            {
                PutJob(job, sources, insert: false);
            }

            return (new MetricWriteResult(0, names, AlreadyImported: true), job);
        }

        var columns = MetricColumns.Split(points, BatchSize);
        var ticks = _clock.GetUtcNow().UtcTicks;
        var sequence = 0;
        foreach (var (name, batches) in columns)
        {
            foreach (var batch in batches)
            {
                _metrics.Insert(LineageDocuments.WriteBatch(NewBatchId(jobId, ticks, sequence++), jobId, name, batch, source));
            }
        }

        job = job with { Metrics = MetricSummaries.Merge(job.Metrics, points), Updated = now };
        PutJob(job, source is null ? sources : [.. sources, source], insert: false);
        return (new MetricWriteResult(points.Count, [.. columns.Select(c => c.Name).Order(StringComparer.Ordinal)], AlreadyImported: false), job);
    }

    public IReadOnlyList<MetricPoint> ReadMetrics(string jobId, string? name) => Guard<IReadOnlyList<MetricPoint>>(() =>
        [.. Batches(jobId)
            .Where(b => name is null || b.Name == name)
            .SelectMany(b => b.Points.Select(p => new MetricPoint(p.Step, b.Name, p.Value, p.Time)))
            .OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Step)]); // stable: write order within a step

    public IReadOnlyList<MetricSeries> ReadSeries(string jobId, IReadOnlySet<string>? names) => Guard<IReadOnlyList<MetricSeries>>(() =>
    {
        // Batches of other metrics are skipped before their arrays are decoded.
        var byName = new Dictionary<string, List<BsonDocument>>(StringComparer.Ordinal);
        foreach (var doc in _metrics.Find(OfJob(jobId)))
        {
            var name = doc["name"].AsString;
            if (names is null || names.Contains(name))
            {
                if (!byName.TryGetValue(name, out var list))
                {
                    byName[name] = list = [];
                }

                list.Add(doc);
            }
        }

        var result = new List<MetricSeries>(byName.Count);
        foreach (var (name, docs) in byName.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            docs.Sort((a, b) => string.CompareOrdinal(a["_id"].AsString, b["_id"].AsString)); // write order
            var total = docs.Sum(d => d["n"].AsInt32);
            var steps = new long[total];
            var values = new double[total];
            var times = new long[total];
            var at = 0;
            foreach (var doc in docs)
            {
                at += LineageDocuments.ReadBatchColumns(doc, steps.AsSpan(at), values.AsSpan(at), times.AsSpan(at));
            }

            result.Add(MetricSeries.FromWriteOrder(name, steps, values, times));
        }

        return result;
    });

    public StoreCounts Counts() => Guard(() => new StoreCounts(
        _jobs.LongCount(), _recipes.LongCount(), _configs.LongCount(), _versions.LongCount(),
        _metrics.FindAll().Sum(b => (long)b["n"].AsInt32)));

    public long CountPoints(string? jobId) => Guard(() =>
        (jobId is null ? _metrics.FindAll() : _metrics.Find(OfJob(jobId))).Sum(b => (long)b["n"].AsInt32));

    /// <summary>
    /// <c>JOB:TICKS-RANDOM</c>: UTC ticks as 16 hex digits, so that ids sort in write order (writers are serialised by
    /// the lock), plus random digits so that batches written on two machines never collide. Summaries and reads use
    /// this order: of two values logged for one step, the one written last wins, in every copy of the store.
    /// The random digits need to be unique, not secret: <see cref="Random.Shared"/> (seeded from the OS per process), not
    /// <c>RandomNumberGenerator</c>, whose first use loads OpenSSL (~5 ms of a 20 ms <c>metrics log</c> in the native build).
    /// </summary>
    internal static string NewBatchId(string jobId, long ticks, int sequence) =>
        jobId + ":" + ticks.ToString("x16", CultureInfo.InvariantCulture) + "-" + sequence.ToString("x6", CultureInfo.InvariantCulture) + "-" +
        Random.Shared.NextInt64(1L << 32).ToString("x8", CultureInfo.InvariantCulture);

    /// <summary>
    /// <c>job = @0</c> as a parameter: LiteDB 5 compiles and caches every distinct query text, so <c>Query.EQ("job", id)</c>
    /// per job made an import of 100,000 jobs spend half its time compiling (litedb-org/LiteDB#2807).
    /// </summary>
    private static BsonExpression OfJob(string jobId) => BsonExpression.Create("job = @0", new BsonValue(jobId));

    /// <summary>A job's batches in write order, each point in its batch's order.</summary>
    private IEnumerable<MetricBatch> Batches(string jobId) =>
        _metrics.Find(OfJob(jobId)).ToList().Select(LineageDocuments.ReadBatch).OrderBy(b => b.Id, StringComparer.Ordinal);

    // ---- export / import ----------------------------------------------------------------------

    public LineageBundle Export(IReadOnlyList<string>? jobIds) => Guard(() => ExportUnguarded(jobIds));

    private LineageBundle ExportUnguarded(IReadOnlyList<string>? jobIds)
    {
        var jobs = jobIds is null
            ? _jobs.FindAll().ToList().Select(LineageDocuments.ReadJob).ToList()
            : jobIds.Select(id => (_jobs.FindById(id) is { } d ? LineageDocuments.ReadJob(d) : null) ?? throw new UserErrorException($"no job {id} in {Info.Path}")).ToList();
        jobs = [.. jobs.OrderBy(j => j.Created).ThenBy(j => j.Id, StringComparer.Ordinal)];

        List<RecipeVersionRecord> recipes;
        List<(string, string)> configs;
        List<DatasetVersion> datasets;
        if (jobIds is null)
        {
            recipes = [.. _recipes.FindAll().ToList().Select(LineageDocuments.ReadRecipe)];
            configs = [.. _configs.FindAll().ToList().Select(d => (d["_id"].AsString, d["json"].AsString))];
            datasets = [.. _versions.FindAll().ToList().Select(ReadDataset)];
        }
        else
        {
            recipes = [.. jobs.SelectMany(j => j.Chain.Append(j.RecipeHash)).Distinct().Select(GetRecipeVersion).OfType<RecipeVersionRecord>()];
            configs = [.. jobs.Select(j => j.ConfigHash).Distinct().Select(h => (h, GetConfig(h))).Where(c => c.Item2 is not null).Select(c => (c.h, c.Item2!))];
            datasets = [.. jobs.SelectMany(j => j.Datasets).Select(d => DatasetId(d.Name, d.Algorithm, d.Hash)).Distinct()
                .Select(id => _versions.FindById(id)).OfType<BsonDocument>().Select(ReadDataset)];
        }

        var batches = jobs.SelectMany(j => _metrics.Find(OfJob(j.Id)).ToList()).Select(LineageDocuments.ReadBatch).ToList();
        return new LineageBundle(
            [.. recipes.OrderBy(r => r.Recorded).ThenBy(r => r.Hash, StringComparer.Ordinal)],
            [.. configs.OrderBy(c => c.Item1, StringComparer.Ordinal)],
            [.. datasets.OrderBy(d => d.Created).ThenBy(d => d.Name, StringComparer.Ordinal).ThenBy(d => d.Hash, StringComparer.Ordinal)],
            jobs,
            [.. batches.OrderBy(b => b.JobId, StringComparer.Ordinal).ThenBy(b => b.Name, StringComparer.Ordinal).ThenBy(b => b.Id, StringComparer.Ordinal)]);
    }

    public ImportCounts Import(LineageBundle bundle) => InTransaction(() =>
    {
        var recipes = bundle.Recipes.Count(AddRecipe);
        var configs = bundle.Configs.Count(c => AddConfig(c.Hash, c.Json));
        var datasets = bundle.Datasets.Count(d => AddDataset(d).Added);

        // Each job's batches once, in write order.
        var incoming = bundle.Metrics.GroupBy(b => b.JobId, StringComparer.Ordinal).ToDictionary(
            g => g.Key, g => g.DistinctBy(b => b.Id).OrderBy(b => b.Id, StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
        var bundled = bundle.Jobs.Select(j => j.Id).ToHashSet(StringComparer.Ordinal);
        if (incoming.Keys.FirstOrDefault(id => !bundled.Contains(id) && _jobs.FindById(id) is null) is { } orphan)
        {
            throw new UserErrorException($"the export has metrics for job {orphan} but not the job");
        }

        long points = 0;
        var withNewPoints = new HashSet<string>(StringComparer.Ordinal);
        foreach (var batch in incoming.Values.SelectMany(b => b).Where(b => _metrics.FindById(b.Id) is null))
        {
            _metrics.Insert(LineageDocuments.WriteBatch(batch));
            points += batch.Points.Count;
            withNewPoints.Add(batch.JobId);
        }

        // Every job is written once. Summaries follow from the points in the store, whichever copy of the job won:
        // a job new here has exactly this import's points; any other is read back after its new batches went in.
        int added = 0, updated = 0, unchanged = 0;
        foreach (var job in bundle.Jobs)
        {
            var batches = incoming.GetValueOrDefault(job.Id) ?? [];
            var existing = _jobs.FindById(job.Id);
            if (existing is null)
            {
                PutJob(job with { Metrics = Summaries(batches) }, [.. SourcesOf(batches).Order(StringComparer.Ordinal)], insert: true);
                added++;
            }
            else if (job.Updated > LineageDocuments.ReadJob(existing).Updated)
            {
                Rewrite(job, existing, batches);
                updated++;
            }
            else
            {
                if (withNewPoints.Contains(job.Id))
                {
                    Rewrite(LineageDocuments.ReadJob(existing), existing, batches);
                }

                unchanged++;
            }
        }

        foreach (var id in withNewPoints.Where(id => !bundled.Contains(id)))
        {
            var existing = _jobs.FindById(id);
            Rewrite(LineageDocuments.ReadJob(existing), existing, incoming[id]);
        }

        return new ImportCounts(added, updated, unchanged, recipes, configs, datasets, points);

        void Rewrite(JobRecord job, BsonDocument existing, IEnumerable<MetricBatch> batches) =>
            PutJob(job with { Metrics = Summaries(Batches(job.Id)) },
                [.. LineageDocuments.ReadSources(existing).Union(SourcesOf(batches)).Order(StringComparer.Ordinal)], insert: false);
    });

    private static IReadOnlyList<MetricSummary> Summaries(IEnumerable<MetricBatch> batches) =>
        MetricSummaries.Merge([], [.. batches.SelectMany(b => b.Points.Select(p => new MetricPoint(p.Step, b.Name, p.Value, p.Time)))]);

    private static IEnumerable<string> SourcesOf(IEnumerable<MetricBatch> batches) =>
        batches.Select(b => b.Source).OfType<string>().Distinct(StringComparer.Ordinal);

    internal static BsonDocument? ReadMeta(LiteDatabase db) => db.GetCollection("meta").FindById("schema");
}

