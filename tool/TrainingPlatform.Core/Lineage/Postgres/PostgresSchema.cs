using System.Globalization;
using Npgsql;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Lineage;

/// <summary>What <c>trainplat store migrate</c> did: the schema version before (0: none) and after, and the migrations it applied.</summary>
public sealed record MigrationResult(string Location, int From, int To, IReadOnlyList<int> Applied);

/// <summary>
/// The PostgreSQL store's schema and its history. Each migration runs in its own transaction under an advisory lock (two
/// <c>store migrate</c> runs at once apply each step once) and is recorded in <c>schema_migrations</c> with the tool
/// that applied it. Tables are created unqualified, so a connection's <c>search_path</c> picks the schema they live in.
/// </summary>
internal static class PostgresSchema
{
    /// <summary>Schema history: 1 = recipe versions, configs, dataset versions and manifests, jobs, metric batches, follow positions.</summary>
    public const int Version = 1;

    /// <summary>The key of the advisory lock <c>store migrate</c> holds (any fixed number: "trainplat" in ASCII, folded).</summary>
    private const long MigrationLock = 0x747261696E706C61;

    private const string VersionTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version integer PRIMARY KEY,
            tool    text        NOT NULL,
            applied timestamptz NOT NULL
        )
        """;

    /// <summary>
    /// Jobs: the export's job line (<see cref="LineageExchange.JobJson"/>) as <c>record</c>; the fields that listing and
    /// filtering read as columns (indexed where a query starts from them), the metric summaries as JSON and the imported
    /// sources as an array, both written in the same transaction as the points. Metric points: one row per batch of one
    /// metric of one job (up to 8,192 points, packed little-endian columns, as the LiteDB store keeps them), written
    /// with binary COPY; the batch id orders them.
    /// </summary>
    private static readonly string[][] Migrations =
    [
        [
            """
            CREATE TABLE recipe_versions (
                hash        text PRIMARY KEY,
                recipe_id   text   NOT NULL,
                version     text   NOT NULL,
                task        text   NOT NULL,
                algorithm   text   NOT NULL,
                text        text   NOT NULL,
                recorded_ms bigint NOT NULL,
                derived     boolean NOT NULL,
                extends     text,
                copied_from text
            )
            """,
            "CREATE INDEX recipe_versions_recipe ON recipe_versions (recipe_id)",
            "CREATE TABLE configs (hash text PRIMARY KEY, json text NOT NULL)",
            """
            CREATE TABLE dataset_versions (
                name       text    NOT NULL,
                algorithm  text    NOT NULL,
                hash       text    NOT NULL,
                path       text    NOT NULL,
                is_folder  boolean NOT NULL,
                format     text    NOT NULL,
                size       bigint  NOT NULL,
                samples    bigint,
                fields     text[]  NOT NULL,
                created_ms bigint  NOT NULL,
                files      integer NOT NULL,
                PRIMARY KEY (name, algorithm, hash)
            )
            """,
            "CREATE TABLE dataset_manifests (algorithm text NOT NULL, hash text NOT NULL, files text NOT NULL, PRIMARY KEY (algorithm, hash))",
            """
            CREATE TABLE jobs (
                id             text PRIMARY KEY,
                name           text,
                tags           text[]  NOT NULL,
                status         text    NOT NULL,
                recipe_id      text    NOT NULL,
                recipe_version text    NOT NULL,
                recipe_hash    text    NOT NULL,
                chain          text[]  NOT NULL,
                task           text    NOT NULL,
                algorithm      text    NOT NULL,
                model          text,
                model_size     text    NOT NULL,
                parameters     double precision NOT NULL,
                gpus           integer NOT NULL,
                nodes          integer NOT NULL,
                config_hash    text    NOT NULL,
                sets           text[]  NOT NULL,
                dataset_names  text[]  NOT NULL,
                dataset_hashes text[]  NOT NULL,
                parent_id      text,
                created_ticks  bigint  NOT NULL,
                updated_ms     bigint  NOT NULL,
                record         text    NOT NULL,
                summaries      text    NOT NULL,
                sources        text[]  NOT NULL
            )
            """,
            "CREATE INDEX jobs_newest ON jobs (created_ticks DESC, id COLLATE \"C\")",
            "CREATE INDEX jobs_recipe ON jobs (recipe_id, created_ticks DESC, id COLLATE \"C\")",
            "CREATE INDEX jobs_task ON jobs (task, created_ticks DESC, id COLLATE \"C\")",
            "CREATE INDEX jobs_status ON jobs (status)",
            "CREATE INDEX jobs_algorithm ON jobs (algorithm)",
            "CREATE INDEX jobs_recipe_version ON jobs (recipe_id, recipe_version)",
            "CREATE INDEX jobs_parameters ON jobs (parameters)",
            "CREATE INDEX jobs_parent ON jobs (parent_id)",
            "CREATE INDEX jobs_tags ON jobs USING gin (tags)",
            "CREATE INDEX jobs_chain ON jobs USING gin (chain)",
            "CREATE INDEX jobs_dataset_names ON jobs USING gin (dataset_names)",
            """
            CREATE TABLE metric_batches (
                id     text PRIMARY KEY,
                job_id text    NOT NULL REFERENCES jobs (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
                name   text    NOT NULL,
                n      integer NOT NULL,
                steps  bytea   NOT NULL,
                vals   bytea   NOT NULL,
                times  bytea   NOT NULL,
                source text
            )
            """,
            "CREATE INDEX metric_batches_job ON metric_batches (job_id, name, id COLLATE \"C\")",

            // pglz, the default compression of large values, made a 1,000,000-point import take 3-5 s instead of 0.9 s (lz4)
            // or 0.2 s (none, 3 times the size): lz4 where the server has it (PostgreSQL 14+ built with it, as Debian's
            // and the Docker images are), else no compression.
            """
            DO $$
            BEGIN
                EXECUTE 'ALTER TABLE metric_batches ALTER COLUMN steps SET COMPRESSION lz4, ALTER COLUMN vals SET COMPRESSION lz4, ALTER COLUMN times SET COMPRESSION lz4';
            EXCEPTION WHEN OTHERS THEN
                EXECUTE 'ALTER TABLE metric_batches ALTER COLUMN steps SET STORAGE EXTERNAL, ALTER COLUMN vals SET STORAGE EXTERNAL, ALTER COLUMN times SET STORAGE EXTERNAL';
            END
            $$
            """,
            """
            CREATE TABLE follow_positions (
                job_id      text    NOT NULL REFERENCES jobs (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
                path        text    NOT NULL,
                "offset"    bigint  NOT NULL,
                lines       bigint  NOT NULL,
                head_length integer NOT NULL,
                head        text    NOT NULL,
                PRIMARY KEY (job_id, path)
            )
            """,
        ],
    ];

    /// <summary>The schema version of the database and the tool that last migrated it; (0, null) when it has none.</summary>
    public static (int Version, string? Tool) Read(NpgsqlConnection connection, NpgsqlTransaction? transaction = null)
    {
        using (var exists = new NpgsqlCommand("SELECT to_regclass('schema_migrations') IS NOT NULL", connection, transaction))
        {
            if (exists.ExecuteScalar() is not true)
            {
                return (0, null);
            }
        }

        using var command = new NpgsqlCommand("SELECT version, tool FROM schema_migrations ORDER BY version DESC LIMIT 1", connection, transaction);
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt32(0), reader.GetString(1)) : (0, null);
    }

    /// <summary>Creates or upgrades the schema up to <paramref name="target"/>, one transaction per migration.</summary>
    public static MigrationResult Migrate(NpgsqlConnection connection, string location, string toolVersion, DateTimeOffset now, int target = Version)
    {
        var applied = new List<int>();
        var from = -1;
        while (true)
        {
            using var transaction = connection.BeginTransaction();
            Execute(connection, transaction, "SELECT pg_advisory_xact_lock(" + MigrationLock.ToString(CultureInfo.InvariantCulture) + ")");
            var (version, tool) = Read(connection, transaction);
            if (from < 0)
            {
                from = version;
            }

            if (version > target)
            {
                throw Newer(location, version, tool, toolVersion);
            }

            if (version == target)
            {
                transaction.Commit();
                return new MigrationResult(location, from, version, applied);
            }

            Execute(connection, transaction, VersionTable);
            foreach (var statement in Migrations[version])
            {
                Execute(connection, transaction, statement);
            }

            using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (version, tool, applied) VALUES (@version, @tool, @applied)", connection, transaction))
            {
                record.Parameters.Add(new NpgsqlParameter<int>("version", version + 1));
                record.Parameters.Add(new NpgsqlParameter<string>("tool", toolVersion));
                record.Parameters.Add(new NpgsqlParameter<DateTime>("applied", now.UtcDateTime));
                record.ExecuteNonQuery();
            }

            transaction.Commit();
            applied.Add(version + 1);
        }
    }

    public static UserErrorException Newer(string location, int version, string? tool, string toolVersion) => new(
        $"{location}: written by {(tool is null ? "a newer trainplat" : "trainplat " + tool)} (store schema {version}; this trainplat {toolVersion} reads up to {Version}); upgrade trainplat",
        "the database was left untouched: `dotnet tool update -g TrainingPlatform.Tool`");

    public static UserErrorException Missing(string location) => new(
        $"{location}: the database has no trainplat store schema",
        $"run `trainplat store migrate --store {location}` once to create it (the password comes from PGPASSWORD or ~/.pgpass)");

    public static UserErrorException Older(string location, int version, int expected) => new(
        $"{location}: the store schema is version {version}, and this trainplat needs version {expected}",
        $"run `trainplat store migrate --store {location}` to upgrade it (every trainplat using this server must then be this version or newer)");

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        command.ExecuteNonQuery();
    }
}
