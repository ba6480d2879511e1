using System.Buffers.Binary;
using System.Data;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Recipes;

namespace TrainingPlatform.Core.Lineage;

/// <summary>
/// The team's lineage store on a PostgreSQL server, with the contract of <see cref="LineageStore"/> (the same records,
/// orders, summaries, idempotent sources and export/import rules; the contract tests run against both).
/// <para>
/// Transactions: every public method is one transaction on the store's one connection (READ COMMITTED). Writers on
/// many machines are safe: a metric write locks its job's row (<c>SELECT … FOR UPDATE</c>), so summaries and sources
/// are read and written by one writer at a time; recipe versions, configs and dataset versions are inserted with
/// <c>ON CONFLICT DO NOTHING</c>; a job id is unique by its primary key (a second job with the same id is refused, as
/// in the file store); an import locks its jobs in id order. A deadlock or serialization failure is retried.
/// </para>
/// <para>
/// Crashes: a killed client's open transaction is rolled back by the server, so an import is all there or not at all.
/// Metric points go in with binary COPY, one row per batch (see <see cref="PostgresSchema"/>).
/// </para>
/// <para>No reflection-based mapping: the data source is Npgsql's slim builder with arrays enabled (Native AOT).</para>
/// </summary>
public sealed class PostgresLineageStore : ILineageStore
{
    private const int Attempts = 5;
    private const int ListPage = 500;

    private readonly NpgsqlDataSource _source;
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlConnectionStringBuilder _settings;
    private readonly TimeProvider _clock;
    private NpgsqlTransaction? _transaction;

    private PostgresLineageStore(NpgsqlDataSource source, NpgsqlConnection connection, NpgsqlConnectionStringBuilder settings, StoreInfo info, TimeProvider clock)
    {
        _source = source;
        _connection = connection;
        _settings = settings;
        _clock = clock;
        Info = info;
    }

    public StoreInfo Info { get; }

    private string Location => Info.Path;

    /// <summary>
    /// Connects to the store at <paramref name="connectionString"/> (a <c>postgresql://</c> URL or an Npgsql connection
    /// string) and checks its schema: a database without it, with an older one (run <c>trainplat store migrate</c>) or a
    /// newer one (upgrade trainplat) is refused with one line; so are a wrong password, an unreachable server and a
    /// missing database. The location is shown without its password in every message.
    /// </summary>
    public static PostgresLineageStore Open(string connectionString, StoreOpenOptions options) => Open(connectionString, options, PostgresSchema.Version);

    /// <summary><see cref="Open(string, StoreOpenOptions)"/> by a trainplat that reads schema <paramref name="expected"/> (tests of the refusals).</summary>
    internal static PostgresLineageStore Open(string connectionString, StoreOpenOptions options, int expected)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (settings, location) = Settings(connectionString);
        var (source, connection) = Connect(settings, location, options);
        try
        {
            var (version, tool) = PostgresSchema.Read(connection);
            if (version == 0)
            {
                throw PostgresSchema.Missing(location);
            }

            if (version > expected)
            {
                throw PostgresSchema.Newer(location, version, tool, options.ToolVersion);
            }

            if (version < expected)
            {
                throw PostgresSchema.Older(location, version, expected);
            }

            SetLockTimeout(connection, options.Timeout);
            return new PostgresLineageStore(source, connection, settings, new StoreInfo(location, version, tool, null, null), options.Clock);
        }
        catch (Exception ex)
        {
            connection.Dispose();
            source.Dispose();
            throw PostgresConnection.Translate(ex, location, settings);
        }
    }

    /// <summary>Creates the schema in an empty database or upgrades an older one; a newer one is refused (upgrade trainplat).</summary>
    public static MigrationResult Migrate(string connectionString, StoreOpenOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (settings, location) = Settings(connectionString);
        var (source, connection) = Connect(settings, location, options);
        using (source)
        using (connection)
        {
            try
            {
                return PostgresSchema.Migrate(connection, location, options.ToolVersion, options.Clock.GetUtcNow());
            }
            catch (Exception ex)
            {
                throw PostgresConnection.Translate(ex, location, settings);
            }
        }
    }

    private static (NpgsqlConnectionStringBuilder Settings, string Location) Settings(string connectionString)
    {
        var settings = PostgresConnection.Parse(connectionString);
        return (settings, PostgresConnection.Display(settings));
    }

    private static (NpgsqlDataSource Source, NpgsqlConnection Connection) Connect(NpgsqlConnectionStringBuilder settings, string location, StoreOpenOptions options)
    {
        // One connection per store: no pool to keep warm between commands.
        settings.Pooling = false;
        var builder = new NpgsqlSlimDataSourceBuilder(settings.ConnectionString);
        builder.EnableArrays();
        var source = builder.Build();
        try
        {
            return (source, source.OpenConnection());
        }
        catch (Exception ex)
        {
            source.Dispose();
            throw PostgresConnection.Translate(ex, location, settings);
        }
    }

    /// <summary>How long a writer waits for another that holds the same job's row (<see cref="StoreOpenOptions.Timeout"/>; 0 waits 1 ms, not forever).</summary>
    private static void SetLockTimeout(NpgsqlConnection connection, TimeSpan timeout)
    {
        var ms = (long)Math.Clamp(timeout.TotalMilliseconds, 1, int.MaxValue);
        using var command = new NpgsqlCommand("SELECT set_config('lock_timeout', @ms, false)", connection);
        command.Parameters.Add(new NpgsqlParameter<string>("ms", ms.ToString(CultureInfo.InvariantCulture)));
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        _transaction?.Dispose();
        _connection.Dispose();
        _source.Dispose();
    }

    // ---- transactions -------------------------------------------------------------------------

    /// <summary>
    /// One transaction; a deadlock or serialization failure runs <paramref name="work"/> again (when <paramref name="retry"/>:
    /// work without effects outside the database).
    /// </summary>
    private T InTransaction<T>(Func<T> work, bool retry = true)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                _transaction = _connection.BeginTransaction(IsolationLevel.ReadCommitted);
                var result = work();
                _transaction.Commit();
                return result;
            }
            catch (PostgresException ex) when (retry && attempt < Attempts && ex.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
            {
                Rollback();
            }
            catch (Exception ex)
            {
                Rollback();
                throw PostgresConnection.Translate(ex, Location, _settings);
            }
            finally
            {
                _transaction?.Dispose();
                _transaction = null;
            }
        }
    }

    private void Rollback()
    {
        try
        {
            _transaction?.Rollback();
        }
#pragma warning disable CA1031 // The write's own failure is the one to report.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>A read: one statement or a few in one transaction, so that they see one state of the store.</summary>
    private T Read<T>(Func<T> work) => InTransaction(work);

    private NpgsqlCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlCommand(sql, _connection, _transaction);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NpgsqlParameter<string> P(string name, string value) => new(name, value);

    private static NpgsqlParameter P(string name, string? value, bool nullable) =>
        nullable && value is null ? new NpgsqlParameter(name, NpgsqlDbType.Text) { Value = DBNull.Value } : new NpgsqlParameter<string>(name, value!);

    private static NpgsqlParameter<long> P(string name, long value) => new(name, value);

    private static NpgsqlParameter<int> P(string name, int value) => new(name, value);

    private static NpgsqlParameter<double> P(string name, double value) => new(name, value);

    private static NpgsqlParameter<bool> P(string name, bool value) => new(name, value);

    private static NpgsqlParameter<string[]> P(string name, IEnumerable<string> values) => new(name, [.. values]);

    private int Execute(string sql, params NpgsqlParameter[] parameters)
    {
        using var command = Command(sql, parameters);
        return command.ExecuteNonQuery();
    }

    private List<T> Rows<T>(string sql, Func<NpgsqlDataReader, T> row, params NpgsqlParameter[] parameters)
    {
        using var command = Command(sql, parameters);
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(row(reader));
        }

        return rows;
    }

    private static string? NullableString(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static DateTimeOffset Ms(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private static long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    // ---- dataset versions ---------------------------------------------------------------------

    private const string DatasetColumns = "name, algorithm, hash, path, is_folder, format, size, samples, fields, created_ms, files";

    public (DatasetVersion Version, bool Added) Add(DatasetVersion version) => InTransaction(() => AddDataset(version));

    private (DatasetVersion Version, bool Added) AddDataset(DatasetVersion v)
    {
        var added = Execute(
            $"INSERT INTO dataset_versions ({DatasetColumns}) VALUES (@name, @algorithm, @hash, @path, @folder, @format, @size, @samples, @fields, @created, @files) ON CONFLICT DO NOTHING",
            P("name", v.Name), P("algorithm", v.Algorithm), P("hash", v.Hash), P("path", v.Path), P("folder", v.IsFolder), P("format", v.Format), P("size", v.Size),
            v.Samples is { } s ? P("samples", s) : new NpgsqlParameter("samples", NpgsqlDbType.Bigint) { Value = DBNull.Value },
            P("fields", v.Fields), P("created", Ms(v.Created)), P("files", v.Files.Count)) == 1;
        if (!added)
        {
            // Same name and content hash: the manifest is the one given (not read back: 100,000 entries cost seconds).
            var existing = Rows($"SELECT {DatasetColumns} FROM dataset_versions WHERE name = @name AND algorithm = @algorithm AND hash = @hash",
                r => ReadDataset(r, v.Files), P("name", v.Name), P("algorithm", v.Algorithm), P("hash", v.Hash));
            return (existing[0], false);
        }

        if (v.IsFolder)
        {
            Execute("INSERT INTO dataset_manifests (algorithm, hash, files) VALUES (@algorithm, @hash, @files) ON CONFLICT DO NOTHING",
                P("algorithm", v.Algorithm), P("hash", v.Hash), P("files", LineageExchange.ManifestJson(v.Files)));
        }

        return (v, true);
    }

    private static DatasetVersion ReadDataset(NpgsqlDataReader r, IReadOnlyList<FileEntry> files) => new(
        r.GetString(0), r.GetString(3), r.GetBoolean(4), r.GetString(5), r.GetInt64(6), r.GetString(1), r.GetString(2),
        r.IsDBNull(7) ? null : r.GetInt64(7), r.GetFieldValue<string[]>(8), Ms(r.GetInt64(9)), files);

    /// <summary>Versions with their manifests (folders), or without them (<paramref name="manifests"/> false: the file count is kept).</summary>
    private List<DatasetVersion> Datasets(string where, bool manifests, params NpgsqlParameter[] parameters)
    {
        var sql = manifests
            ? $"SELECT {Prefixed("d.", DatasetColumns)}, m.files FROM dataset_versions d LEFT JOIN dataset_manifests m ON d.is_folder AND m.algorithm = d.algorithm AND m.hash = d.hash {where}"
            : $"SELECT {DatasetColumns} FROM dataset_versions d {where}";
        return Rows(sql, r => manifests
            ? ReadDataset(r, r.IsDBNull(11) ? [] : LineageExchange.ManifestFromJson(r.GetString(11)))
            : ReadDataset(r, []) with { FileCount = r.GetBoolean(4) ? r.GetInt32(10) : 0 }, parameters);
    }

    private static string Prefixed(string prefix, string columns) => string.Join(", ", columns.Split(", ").Select(c => prefix + c));

    public IReadOnlyList<DatasetVersion> Find(string name, string hashPrefix) => Read<IReadOnlyList<DatasetVersion>>(() =>
        [.. Datasets("WHERE d.name = @name AND starts_with(d.hash, @prefix)", true, P("name", name), P("prefix", hashPrefix))
            .OrderByDescending(v => v.Created).ThenBy(v => v.Hash, StringComparer.Ordinal)]);

    public IReadOnlyList<DatasetVersion> List(string? name) => Read<IReadOnlyList<DatasetVersion>>(() =>
        [.. (name is null ? Datasets("", true) : Datasets("WHERE d.name = @name", true, P("name", name)))
            .OrderBy(v => v.Name, StringComparer.Ordinal).ThenByDescending(v => v.Created).ThenBy(v => v.Hash, StringComparer.Ordinal)]);

    public IReadOnlyList<DatasetVersion> Summaries(string? name) => Read<IReadOnlyList<DatasetVersion>>(() =>
        [.. (name is null ? Datasets("", false) : Datasets("WHERE d.name = @name", false, P("name", name)))
            .OrderBy(v => v.Name, StringComparer.Ordinal).ThenByDescending(v => v.Created).ThenBy(v => v.Hash, StringComparer.Ordinal)]);

    // ---- recipe versions and configs ----------------------------------------------------------

    private const string RecipeColumns = "hash, recipe_id, version, task, algorithm, text, recorded_ms, derived, extends, copied_from";

    private static RecipeVersionRecord ReadRecipe(NpgsqlDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), Ms(r.GetInt64(6)))
        {
            DerivedFrom = r.GetBoolean(7) ? new RecipeDerivation(NullableString(r, 8), NullableString(r, 9)) : null,
        };

    public RecipeVersionRecord? GetRecipeVersion(string hash) => Read(() => RecipeVersion(hash));

    private RecipeVersionRecord? RecipeVersion(string hash) =>
        Rows($"SELECT {RecipeColumns} FROM recipe_versions WHERE hash = @hash", ReadRecipe, P("hash", hash)).FirstOrDefault();

    public IReadOnlyList<RecipeVersionRecord> FindRecipeVersions(string recipeId, string? version) => Read<IReadOnlyList<RecipeVersionRecord>>(() =>
        [.. Rows($"SELECT {RecipeColumns} FROM recipe_versions WHERE recipe_id = @recipe", ReadRecipe, P("recipe", recipeId))
            .Where(r => version is null || r.Version == version)
            .OrderByDescending(r => r.Recorded).ThenBy(r => r.Hash, StringComparer.Ordinal)]);

    public IReadOnlyList<RecipeVersionRecord> ListRecipeVersions() => Read<IReadOnlyList<RecipeVersionRecord>>(() =>
        [.. Rows($"SELECT {RecipeColumns} FROM recipe_versions", ReadRecipe)
            .OrderBy(r => r.RecipeId, StringComparer.Ordinal).ThenBy(r => r.Recorded).ThenBy(r => r.Hash, StringComparer.Ordinal)]);

    public string? GetConfig(string hash) => Read(() => Config(hash));

    private string? Config(string hash) => Rows("SELECT json FROM configs WHERE hash = @hash", r => r.GetString(0), P("hash", hash)).FirstOrDefault();

    private bool AddRecipe(RecipeVersionRecord r) => Execute(
        $"INSERT INTO recipe_versions ({RecipeColumns}) VALUES (@hash, @recipe, @version, @task, @algorithm, @text, @recorded, @derived, @extends, @copied) ON CONFLICT DO NOTHING",
        P("hash", r.Hash), P("recipe", r.RecipeId), P("version", r.Version), P("task", r.Task), P("algorithm", r.Algorithm), P("text", r.Text),
        P("recorded", Ms(r.Recorded)), P("derived", r.DerivedFrom is not null), P("extends", r.DerivedFrom?.Extends, nullable: true),
        P("copied", r.DerivedFrom?.CopiedFrom, nullable: true)) == 1;

    private bool AddConfig(string hash, string json) =>
        Execute("INSERT INTO configs (hash, json) VALUES (@hash, @json) ON CONFLICT DO NOTHING", P("hash", hash), P("json", json)) == 1;

    // ---- jobs ---------------------------------------------------------------------------------

    /// <summary>The columns of the job index, in the order <see cref="ReadFacts"/> reads them.</summary>
    private const string FactColumns =
        "id, name, tags, status, recipe_id, recipe_version, recipe_hash, task, algorithm, model, model_size, parameters, gpus, nodes, config_hash, sets, created_ticks, updated_ms, summaries";

    public void CreateJob(NewJob job, Action? beforeCommit = null) => InTransaction(
        () =>
        {
            // The job first: a second job with this id waits here for the first's commit, then is refused.
            if (!PutJob(job.Job, [], insert: true))
            {
                throw new UserErrorException($"{Location}: a job with id {job.Job.Id} exists already");
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

            beforeCommit?.Invoke();
            return 0;
        },
        retry: false);

    /// <summary>Writes a job with its index columns; an insert of an id that exists writes nothing and returns false.</summary>
    private bool PutJob(JobRecord j, IReadOnlyList<string> sources, bool insert)
    {
        const string Columns =
            "id, name, tags, status, recipe_id, recipe_version, recipe_hash, chain, task, algorithm, model, model_size, parameters, gpus, nodes, config_hash, sets, "
            + "dataset_names, dataset_hashes, parent_id, created_ticks, updated_ms, record, summaries, sources";
        const string Values =
            "@id, @name, @tags, @status, @recipe, @version, @recipe_hash, @chain, @task, @algorithm, @model, @size, @parameters, @gpus, @nodes, @config, @sets, "
            + "@ds_names, @ds_hashes, @parent, @created, @updated, @record, @summaries, @sources";
        var sql = insert
            ? $"INSERT INTO jobs ({Columns}) VALUES ({Values}) ON CONFLICT (id) DO NOTHING"
            : $"UPDATE jobs SET ({Columns}) = ROW({Values}) WHERE id = @id";
        return Execute(sql,
            P("id", j.Id), P("name", j.Name, nullable: true), P("tags", j.Tags), P("status", JobStatuses.Name(j.Status)), P("recipe", j.RecipeId),
            P("version", j.RecipeVersion), P("recipe_hash", j.RecipeHash), P("chain", j.Chain), P("task", j.Task), P("algorithm", j.Algorithm),
            P("model", j.Model, nullable: true), P("size", j.ModelSize), P("parameters", j.Parameters), P("gpus", j.Gpus), P("nodes", j.Nodes),
            P("config", j.ConfigHash), P("sets", j.Sets), P("ds_names", j.Datasets.Select(d => d.Name)), P("ds_hashes", j.Datasets.Select(d => d.Hash)),
            P("parent", j.ParentId, nullable: true), P("created", j.Created.UtcTicks), P("updated", Ms(j.Updated)), P("record", LineageExchange.JobJson(j)),
            P("summaries", WriteSummaries(j.Metrics)), P("sources", sources)) == 1;
    }

    public JobRecord? GetJob(string id) => Read(() => Job(id, lockRow: false)?.Job);

    /// <summary>A job with its sources (its row locked until the transaction ends, when <paramref name="lockRow"/>).</summary>
    private (JobRecord Job, string[] Sources)? Job(string id, bool lockRow)
    {
        var rows = Rows("SELECT record, summaries, sources FROM jobs WHERE id = @id" + (lockRow ? " FOR UPDATE" : ""),
            r => (ReadJob(r.GetString(0), r.GetString(1)), r.GetFieldValue<string[]>(2)), P("id", id));
        return rows.Count == 0 ? null : rows[0];
    }

    private static JobRecord ReadJob(string record, string summaries) => LineageExchange.JobFromJson(record) with { Metrics = ReadSummaries(summaries) };

    public IReadOnlyList<string> FindJobIds(string prefix, int limit) => Read<IReadOnlyList<string>>(() =>
        Rows("SELECT id FROM jobs WHERE starts_with(id, @prefix) ORDER BY id COLLATE \"C\" LIMIT @limit", r => r.GetString(0), P("prefix", prefix), P("limit", (long)limit)));

    public IReadOnlyList<JobRecord> FindJobs(JobQuery query) => Read(() =>
    {
        var (where, parameters) = Where(query);
        return (IReadOnlyList<JobRecord>)[.. Rows($"SELECT record, summaries FROM jobs {where}", r => ReadJob(r.GetString(0), r.GetString(1)), parameters)
            .Where(j => Matches(j, query)).OrderByDescending(j => j.Created).ThenBy(j => j.Id, StringComparer.Ordinal)];
    });

    /// <summary>
    /// Newest first from the job index columns, a page at a time (each page its own statement, keyed by the last row of the
    /// one before), so that a caller who takes the newest N reads about N rows.
    /// </summary>
    public IEnumerable<JobRecord> ListJobs(JobQuery query)
    {
        if (query.ParentId is not null || query.UsesRecipeHash is not null || query.DatasetName is not null || query.DatasetHashPrefix is { Length: > 0 })
        {
            foreach (var job in FindJobs(query))
            {
                yield return job;
            }

            yield break;
        }

        var (where, parameters) = Where(query);
        (long Ticks, string Id)? last = null;
        while (true)
        {
            NpgsqlParameter[] after = last is { } l ? [P("after_ticks", l.Ticks), P("after_id", l.Id)] : [];
            var keyed = last is null ? where : (where.Length == 0 ? "WHERE " : where + " AND ") + "(created_ticks < @after_ticks OR (created_ticks = @after_ticks AND id COLLATE \"C\" > @after_id))";
            var page = Read(() => Rows($"SELECT {FactColumns} FROM jobs {keyed} ORDER BY created_ticks DESC, id COLLATE \"C\" LIMIT {ListPage}",
                r => (Job: ReadFacts(r), Ticks: r.GetInt64(16)), [.. parameters.Select(Clone), .. after]));
            foreach (var (job, _) in page)
            {
                if (Matches(job, query))
                {
                    yield return job;
                }
            }

            if (page.Count < ListPage)
            {
                yield break;
            }

            last = (page[^1].Ticks, page[^1].Job.Id);
        }
    }

    private static NpgsqlParameter Clone(NpgsqlParameter p) => p.Clone();

    private static JobRecord ReadFacts(NpgsqlDataReader r) => new()
    {
        Id = r.GetString(0),
        Name = NullableString(r, 1),
        Tags = r.GetFieldValue<string[]>(2),
        Status = JobStatuses.TryParse(r.GetString(3), out var status) ? status : JobStatus.Pending,
        RecipeId = r.GetString(4),
        RecipeVersion = r.GetString(5),
        RecipeHash = r.GetString(6),
        Task = r.GetString(7),
        Algorithm = r.GetString(8),
        Model = NullableString(r, 9),
        ModelSize = r.GetString(10),
        Parameters = r.GetDouble(11),
        Gpus = r.GetInt32(12),
        Nodes = r.GetInt32(13),
        ConfigHash = r.GetString(14),
        Sets = r.GetFieldValue<string[]>(15),
        User = "",
        Host = "",
        ToolVersion = "",
        Created = JobRules.Truncate(new DateTimeOffset(r.GetInt64(16), TimeSpan.Zero)),
        Updated = Ms(r.GetInt64(17)),
        Metrics = ReadSummaries(r.GetString(18)),
    };

    /// <summary>The query's filters that the columns answer; <see cref="Matches"/> applies all of them again (model sizes, exact semantics).</summary>
    private static (string Where, NpgsqlParameter[] Parameters) Where(JobQuery q)
    {
        var clauses = new List<string>();
        var parameters = new List<NpgsqlParameter>();
        void Add(string clause, NpgsqlParameter parameter)
        {
            clauses.Add(clause);
            parameters.Add(parameter);
        }

        if (q.Status is { } status)
        {
            Add("status = @status", P("status", JobStatuses.Name(status)));
        }

        if (q.RecipeId is not null)
        {
            Add("recipe_id = @recipe", P("recipe", q.RecipeId));
        }

        if (q.RecipeVersion is not null)
        {
            Add("recipe_version = @version", P("version", q.RecipeVersion));
        }

        if (q.Task is not null)
        {
            Add("task = @task", P("task", q.Task));
        }

        if (q.Algorithm is not null)
        {
            Add("algorithm = @algorithm", P("algorithm", q.Algorithm));
        }

        if (q.Since is { } since)
        {
            // Created as kept (milliseconds) is at or after the time given.
            Add("created_ticks - created_ticks % 10000 >= @since", P("since", since.UtcTicks));
        }

        if (q.Tag is not null)
        {
            Add("tags @> ARRAY[@tag]", P("tag", q.Tag));
        }

        if (q.ParentId is not null)
        {
            Add("parent_id = @parent", P("parent", q.ParentId));
        }

        if (q.UsesRecipeHash is not null)
        {
            Add("chain @> ARRAY[@uses]", P("uses", q.UsesRecipeHash));
        }

        if (q.DatasetName is not null)
        {
            Add("dataset_names @> ARRAY[@ds_name]", P("ds_name", q.DatasetName));
        }

        if (q.DatasetHashPrefix is { Length: > 0 })
        {
            Add("EXISTS (SELECT 1 FROM unnest(dataset_hashes) h WHERE starts_with(h, @ds_hash))", P("ds_hash", q.DatasetHashPrefix));
        }

        return (clauses.Count == 0 ? "" : "WHERE " + string.Join(" AND ", clauses), [.. parameters]);
    }

    private static bool Matches(JobRecord j, JobQuery q) =>
        (q.RecipeId is null || j.RecipeId == q.RecipeId)
        && (q.RecipeVersion is null || j.RecipeVersion == q.RecipeVersion)
        && (q.Status is null || j.Status == q.Status)
        && (q.Task is null || j.Task == q.Task)
        && (q.Algorithm is null || j.Algorithm == q.Algorithm)
        && (q.Parameters is null || ModelSize.Matches(q.Parameters.Value, j.Parameters, j.Model))
        && (q.Since is null || j.Created >= q.Since);

    public void UpdateJob(JobRecord job) => InTransaction(() =>
    {
        var (existing, sources) = Job(job.Id, lockRow: true) ?? throw new UserErrorException($"no job {job.Id} in {Location}");

        // Metric summaries belong to the points: keep the stored ones, whatever the caller's copy says.
        PutJob(job with { Metrics = existing.Metrics }, sources, insert: false);
        return 0;
    });

    public long DeleteJob(string id) => InTransaction(() =>
    {
        if (Job(id, lockRow: true) is null)
        {
            return -1L;
        }

        var points = Rows("SELECT coalesce(sum(n), 0)::bigint FROM metric_batches WHERE job_id = @id", r => r.GetInt64(0), P("id", id))[0];
        Execute("DELETE FROM metric_batches WHERE job_id = @id", P("id", id));
        Execute("DELETE FROM follow_positions WHERE job_id = @id", P("id", id));
        Execute("DELETE FROM jobs WHERE id = @id", P("id", id));
        return points;
    });

    // ---- metrics ------------------------------------------------------------------------------

    public MetricWriteResult AppendMetrics(string jobId, IReadOnlyList<MetricPoint> points, string? source, DateTimeOffset now, Func<JobRecord, JobRecord>? admit = null) =>
        InTransaction(() => Append(jobId, points, source, now, admit).Written);

    public (MetricWriteResult Written, JobRecord Job) AppendFollowed(string jobId, IReadOnlyList<MetricPoint> points, IReadOnlyList<FollowPosition> positions, DateTimeOffset now) => InTransaction(() =>
    {
        var written = points.Count == 0
            ? (new MetricWriteResult(0, [], AlreadyImported: false), Job(jobId, lockRow: true)?.Job ?? throw new UserErrorException($"no job {jobId} in {Location}"))
            : Append(jobId, points, null, now, null);
        foreach (var p in positions)
        {
            Execute(
                "INSERT INTO follow_positions (job_id, path, \"offset\", lines, head_length, head) VALUES (@job, @path, @offset, @lines, @head_length, @head) "
                + "ON CONFLICT (job_id, path) DO UPDATE SET \"offset\" = excluded.\"offset\", lines = excluded.lines, head_length = excluded.head_length, head = excluded.head",
                P("job", p.JobId), P("path", p.Path), P("offset", p.Offset), P("lines", p.Lines), P("head_length", p.HeadLength), P("head", p.Head));
        }

        return written;
    });

    public IReadOnlyList<FollowPosition> FollowPositions(string jobId) => Read<IReadOnlyList<FollowPosition>>(() =>
        [.. Rows("SELECT job_id, path, \"offset\", lines, head_length, head FROM follow_positions WHERE job_id = @job",
            r => new FollowPosition(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.GetInt32(4), r.GetString(5)), P("job", jobId))
            .OrderBy(p => p.Path, StringComparer.Ordinal)]);

    private (MetricWriteResult Written, JobRecord Job) Append(string jobId, IReadOnlyList<MetricPoint> points, string? source, DateTimeOffset now, Func<JobRecord, JobRecord>? admit)
    {
        // The job's row stays locked until the commit: writers of one job take turns; summaries and sources stay whole.
        var (read, sources) = Job(jobId, lockRow: true) ?? throw new UserErrorException($"no job {jobId} in {Location}");
        var job = admit?.Invoke(read) ?? read;
        if (source is not null && sources.Contains(source, StringComparer.Ordinal))
        {
            if (!ReferenceEquals(job, read))
            {
                PutJob(job, sources, insert: false);
            }

            return (new MetricWriteResult(0, MetricColumns.Names(points), AlreadyImported: true), job);
        }

        var columns = MetricColumns.Split(points, LineageStore.BatchSize);
        var ticks = _clock.GetUtcNow().UtcTicks;
        var sequence = 0;
        var rows = columns.SelectMany(c => c.Batches.Select(b => (c.Name, Batch: b))).Select(b => (Id: LineageStore.NewBatchId(jobId, ticks, sequence++), b.Name, b.Batch)).ToList();
        if (rows.Count <= FewBatches)
        {
            // A `metrics log` of a few points: one INSERT costs one round trip, a COPY three.
            foreach (var (id, name, batch) in rows)
            {
                Execute("INSERT INTO metric_batches (id, job_id, name, n, steps, vals, times, source) VALUES (@id, @job, @name, @n, @steps, @vals, @times, @source)",
                    P("id", id), P("job", jobId), P("name", name), P("n", batch.Count), new NpgsqlParameter<byte[]>("steps", batch.Steps),
                    new NpgsqlParameter<byte[]>("vals", batch.Values), new NpgsqlParameter<byte[]>("times", batch.Times), P("source", source, nullable: true));
            }
        }
        else
        {
            using var copy = _connection.BeginBinaryImport(CopyBatches);
            foreach (var (id, name, batch) in rows)
            {
                WriteBatch(copy, id, jobId, name, batch, source);
            }

            copy.Complete();
        }

        job = job with { Metrics = MetricSummaries.Merge(job.Metrics, points), Updated = now };
        PutJob(job, source is null ? sources : [.. sources, source], insert: false);
        return (new MetricWriteResult(points.Count, [.. columns.Select(c => c.Name).Order(StringComparer.Ordinal)], AlreadyImported: false), job);
    }

    private const int FewBatches = 4;

    private const string CopyBatches = "COPY metric_batches (id, job_id, name, n, steps, vals, times, source) FROM STDIN (FORMAT BINARY)";

    private static void WriteBatch(NpgsqlBinaryImporter copy, string id, string jobId, string name, MetricColumns batch, string? source)
    {
        copy.StartRow();
        copy.Write(id, NpgsqlDbType.Text);
        copy.Write(jobId, NpgsqlDbType.Text);
        copy.Write(name, NpgsqlDbType.Text);
        copy.Write(batch.Count, NpgsqlDbType.Integer);
        copy.Write(batch.Steps, NpgsqlDbType.Bytea);
        copy.Write(batch.Values, NpgsqlDbType.Bytea);
        copy.Write(batch.Times, NpgsqlDbType.Bytea);
        if (source is null)
        {
            copy.WriteNull();
        }
        else
        {
            copy.Write(source, NpgsqlDbType.Text);
        }
    }

    /// <summary>A job's batches (of one metric, when given) in write order (their ids), as stored.</summary>
    private List<(string Id, string Name, int Count, byte[] Steps, byte[] Values, byte[] Times, string? Source)> StoredBatches(string jobId, IReadOnlySet<string>? names)
    {
        var rows = Rows("SELECT id, name, n, steps, vals, times, source FROM metric_batches WHERE job_id = @job" + (names is null ? "" : " AND name = ANY(@names)"),
            r => (r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetFieldValue<byte[]>(3), r.GetFieldValue<byte[]>(4), r.GetFieldValue<byte[]>(5), NullableString(r, 6)),
            names is null ? [P("job", jobId)] : [P("job", jobId), P("names", names)]);
        rows.Sort((a, b) => string.CompareOrdinal(a.Item1, b.Item1));
        return rows;
    }

    private static MetricBatch ToBatch(string jobId, (string Id, string Name, int Count, byte[] Steps, byte[] Values, byte[] Times, string? Source) b)
        => new(b.Id, jobId, b.Name, new MetricColumns(b.Steps, b.Values, b.Times, b.Count).Points(), b.Source);

    public IReadOnlyList<MetricPoint> ReadMetrics(string jobId, string? name) => Read<IReadOnlyList<MetricPoint>>(() =>
        [.. StoredBatches(jobId, name is null ? null : new HashSet<string>(StringComparer.Ordinal) { name })
            .Select(b => ToBatch(jobId, b))
            .SelectMany(b => b.Points.Select(p => new MetricPoint(p.Step, b.Name, p.Value, p.Time)))
            .OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Step)]); // stable: write order within a step

    public IReadOnlyList<MetricSeries> ReadSeries(string jobId, IReadOnlySet<string>? names) => Read<IReadOnlyList<MetricSeries>>(() =>
    {
        var result = new List<MetricSeries>();
        foreach (var group in StoredBatches(jobId, names).GroupBy(b => b.Name, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var batches = group.ToList(); // write order, kept by GroupBy
            var total = batches.Sum(b => b.Count);
            var steps = new long[total];
            var values = new double[total];
            var times = new long[total];
            var at = 0;
            foreach (var b in batches)
            {
                for (var i = 0; i < b.Count; i++, at++)
                {
                    steps[at] = BinaryPrimitives.ReadInt64LittleEndian(b.Steps.AsSpan(i * 8));
                    values[at] = BinaryPrimitives.ReadDoubleLittleEndian(b.Values.AsSpan(i * 8));
                    times[at] = BinaryPrimitives.ReadInt64LittleEndian(b.Times.AsSpan(i * 8));
                }
            }

            result.Add(MetricSeries.FromWriteOrder(group.Key, steps, values, times));
        }

        return result;
    });

    public long CountPoints(string? jobId) => Read(() => jobId is null
        ? Rows("SELECT coalesce(sum(n), 0)::bigint FROM metric_batches", r => r.GetInt64(0))[0]
        : Rows("SELECT coalesce(sum(n), 0)::bigint FROM metric_batches WHERE job_id = @job", r => r.GetInt64(0), P("job", jobId))[0]);

    // ---- metric summaries as JSON: [[name, count, first_step, first, last_step, last, min_step, min, max_step, max], ...] ----

    private static string WriteSummaries(IReadOnlyList<MetricSummary> summaries)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            foreach (var m in summaries)
            {
                w.WriteStartArray();
                w.WriteStringValue(m.Name);
                w.WriteNumberValue(m.Count);
                w.WriteNumberValue(m.FirstStep);
                ExchangeDoubleConverter.WriteValue(w, m.First);
                w.WriteNumberValue(m.LastStep);
                ExchangeDoubleConverter.WriteValue(w, m.Last);
                w.WriteNumberValue(m.MinStep);
                ExchangeDoubleConverter.WriteValue(w, m.Min);
                w.WriteNumberValue(m.MaxStep);
                ExchangeDoubleConverter.WriteValue(w, m.Max);
                w.WriteEndArray();
            }

            w.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static List<MetricSummary> ReadSummaries(string json)
    {
        var summaries = new List<MetricSummary>();
        var r = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        r.Read(); // [
        while (r.Read() && r.TokenType == JsonTokenType.StartArray)
        {
            r.Read();
            var name = r.GetString()!;
            long Long(ref Utf8JsonReader reader)
            {
                reader.Read();
                return reader.GetInt64();
            }

            double Double(ref Utf8JsonReader reader)
            {
                reader.Read();
                return ExchangeDoubleConverter.ReadValue(ref reader);
            }

            summaries.Add(new MetricSummary(name, Long(ref r), Long(ref r), Double(ref r), Long(ref r), Double(ref r), Long(ref r), Double(ref r), Long(ref r), Double(ref r)));
            r.Read(); // ]
        }

        return summaries;
    }

    // ---- export / import ----------------------------------------------------------------------

    public LineageBundle Export(IReadOnlyList<string>? jobIds) => Read(() =>
    {
        var jobs = jobIds is null
            ? Rows("SELECT record, summaries FROM jobs", r => ReadJob(r.GetString(0), r.GetString(1)))
            : [.. jobIds.Select(id => Job(id, lockRow: false)?.Job ?? throw new UserErrorException($"no job {id} in {Location}"))];
        jobs = [.. jobs.OrderBy(j => j.Created).ThenBy(j => j.Id, StringComparer.Ordinal)];

        List<RecipeVersionRecord> recipes;
        List<(string, string)> configs;
        List<DatasetVersion> datasets;
        if (jobIds is null)
        {
            recipes = Rows($"SELECT {RecipeColumns} FROM recipe_versions", ReadRecipe);
            configs = Rows("SELECT hash, json FROM configs", r => (r.GetString(0), r.GetString(1)));
            datasets = Datasets("", true);
        }
        else
        {
            recipes = [.. jobs.SelectMany(j => j.Chain.Append(j.RecipeHash)).Distinct().Select(RecipeVersion).OfType<RecipeVersionRecord>()];
            configs = [.. jobs.Select(j => j.ConfigHash).Distinct().Select(h => (h, Config(h))).Where(c => c.Item2 is not null).Select(c => (c.h, c.Item2!))];
            datasets = [.. jobs.SelectMany(j => j.Datasets).Select(d => (d.Name, d.Algorithm, d.Hash)).Distinct()
                .SelectMany(d => Datasets("WHERE d.name = @name AND d.algorithm = @algorithm AND d.hash = @hash", true, P("name", d.Name), P("algorithm", d.Algorithm), P("hash", d.Hash)))];
        }

        var batches = jobs.SelectMany(j => StoredBatches(j.Id, null).Select(b => ToBatch(j.Id, b))).ToList();
        return new LineageBundle(
            [.. recipes.OrderBy(r => r.Recorded).ThenBy(r => r.Hash, StringComparer.Ordinal)],
            [.. configs.OrderBy(c => c.Item1, StringComparer.Ordinal)],
            [.. datasets.OrderBy(d => d.Created).ThenBy(d => d.Name, StringComparer.Ordinal).ThenBy(d => d.Hash, StringComparer.Ordinal)],
            jobs,
            [.. batches.OrderBy(b => b.JobId, StringComparer.Ordinal).ThenBy(b => b.Name, StringComparer.Ordinal).ThenBy(b => b.Id, StringComparer.Ordinal)]);
    });

    public ImportCounts Import(LineageBundle bundle) => InTransaction(() =>
    {
        // The bundle's jobs that are here already, locked in id order (two imports at once take turns, without deadlock).
        var bundled = bundle.Jobs.Select(j => j.Id).ToHashSet(StringComparer.Ordinal);
        var incoming = bundle.Metrics.GroupBy(b => b.JobId, StringComparer.Ordinal).ToDictionary(
            g => g.Key, g => g.DistinctBy(b => b.Id).OrderBy(b => b.Id, StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
        var ids = bundled.Union(incoming.Keys).Order(StringComparer.Ordinal).ToArray();
        var here = Rows("SELECT id, record, summaries, sources FROM jobs WHERE id = ANY(@ids) ORDER BY id COLLATE \"C\" FOR UPDATE",
            r => (Id: r.GetString(0), Job: ReadJob(r.GetString(1), r.GetString(2)), Sources: r.GetFieldValue<string[]>(3)), P("ids", ids))
            .ToDictionary(j => j.Id, j => (j.Job, j.Sources), StringComparer.Ordinal);

        var recipes = bundle.Recipes.Count(AddRecipe);
        var configs = bundle.Configs.Count(c => AddConfig(c.Hash, c.Json));
        var datasets = bundle.Datasets.Count(d => AddDataset(d).Added);

        if (incoming.Keys.FirstOrDefault(id => !bundled.Contains(id) && !here.ContainsKey(id)) is { } orphan)
        {
            throw new UserErrorException($"the export has metrics for job {orphan} but not the job");
        }

        // Batches already here (by id) are skipped; the rest go in with one COPY.
        var all = incoming.Values.SelectMany(b => b).ToList();
        var stored = Rows("SELECT id FROM metric_batches WHERE id = ANY(@ids)", r => r.GetString(0), P("ids", all.Select(b => b.Id)))
            .ToHashSet(StringComparer.Ordinal);
        long points = 0;
        var withNewPoints = new HashSet<string>(StringComparer.Ordinal);
        var fresh = all.Where(b => stored.Add(b.Id)).ToList();
        if (fresh.Count > 0)
        {
            using var copy = _connection.BeginBinaryImport(CopyBatches);
            foreach (var batch in fresh)
            {
                WriteBatch(copy, batch.Id, batch.JobId, batch.Name, MetricColumns.Of(batch), batch.Source);
                points += batch.Points.Count;
                withNewPoints.Add(batch.JobId);
            }

            copy.Complete();
        }

        // Every job is written once. Summaries follow from the points in the store, whichever copy of the job won.
        int added = 0, updated = 0, unchanged = 0;
        foreach (var job in bundle.Jobs)
        {
            var batches = incoming.GetValueOrDefault(job.Id) ?? [];
            if (!here.TryGetValue(job.Id, out var existing))
            {
                if (!PutJob(job with { Metrics = Summaries(batches) }, [.. SourcesOf(batches).Order(StringComparer.Ordinal)], insert: true))
                {
                    // Inserted by another writer since this import locked its jobs: import again, against what is there now.
                    throw new PostgresException("a job of the import was created meanwhile", "ERROR", "ERROR", PostgresErrorCodes.SerializationFailure);
                }

                here[job.Id] = (job, [.. SourcesOf(batches)]);
                added++;
            }
            else if (job.Updated > existing.Job.Updated)
            {
                Rewrite(job, existing.Sources, batches);
                updated++;
            }
            else
            {
                if (withNewPoints.Contains(job.Id))
                {
                    Rewrite(existing.Job, existing.Sources, batches);
                }

                unchanged++;
            }
        }

        foreach (var id in withNewPoints.Where(id => !bundled.Contains(id)))
        {
            Rewrite(here[id].Job, here[id].Sources, incoming[id]);
        }

        return new ImportCounts(added, updated, unchanged, recipes, configs, datasets, points);

        void Rewrite(JobRecord job, IEnumerable<string> sources, IEnumerable<MetricBatch> batches) =>
            PutJob(job with { Metrics = Summaries(StoredBatches(job.Id, null).Select(b => ToBatch(job.Id, b))) },
                [.. sources.Union(SourcesOf(batches)).Order(StringComparer.Ordinal)], insert: false);
    });

    private static IReadOnlyList<MetricSummary> Summaries(IEnumerable<MetricBatch> batches) =>
        MetricSummaries.Merge([], [.. batches.SelectMany(b => b.Points.Select(p => new MetricPoint(p.Step, b.Name, p.Value, p.Time)))]);

    private static IEnumerable<string> SourcesOf(IEnumerable<MetricBatch> batches) =>
        batches.Select(b => b.Source).OfType<string>().Distinct(StringComparer.Ordinal);
}
