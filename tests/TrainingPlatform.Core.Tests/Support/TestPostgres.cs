using Npgsql;
using TrainingPlatform.Core.Lineage;

namespace TrainingPlatform.Core.Tests.Support;

/// <summary>
/// The PostgreSQL server of the tests, named by <c>TRAINPLAT_TEST_PG</c> (an Npgsql connection string): test.sh starts a
/// throwaway cluster and sets it (tests/pg/start.sh). Without it, every test that needs the server fails and says how to
/// start one: the store contract is only shown to hold if it ran. Each test works in a schema of its own, dropped
/// afterwards. One file for both test projects (linked into TrainingPlatform.Tool.Tests, as TestSshd is).
/// </summary>
internal static class TestPostgres
{
    public const string Variable = "TRAINPLAT_TEST_PG";

    public static string ConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{Variable} is not set: the PostgreSQL store tests need a server. Start a throwaway one with "
                + $"`export {Variable}=\"$(tests/pg/start.sh \"$(mktemp -d)\")\"` (Debian's postgresql; stop it with tests/pg/start.sh --stop DIR), "
                + $"or set {Variable} to an Npgsql connection string of a database you can create schemas in; ./test.sh does this itself.");

    /// <summary>
    /// A new schema on the server, dropped with everything in it on dispose; <see cref="Schema.ConnectionString"/> puts it
    /// first on the search path, so the store's tables are made and found there. With <paramref name="migrate"/> false it
    /// stays empty (for the CLI tests, whose <c>store migrate</c> makes the tables).
    /// </summary>
    public static Schema NewSchema(bool migrate = true)
    {
        var name = "t_" + Guid.NewGuid().ToString("N");
        Execute($"CREATE SCHEMA {name}");
        var settings = new NpgsqlConnectionStringBuilder(ConnectionString) { SearchPath = name };
        var schema = new Schema(name, settings.ConnectionString);
        if (migrate)
        {
            PostgresLineageStore.Migrate(schema.ConnectionString, new StoreOpenOptions(TimeProvider.System) { ToolVersion = "0.0.0" });
        }

        return schema;
    }

    public static void Execute(string sql, string? connectionString = null)
    {
        using var connection = new NpgsqlConnection(connectionString ?? ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    public sealed class Schema(string name, string connectionString) : IDisposable
    {
        public string Name { get; } = name;

        /// <summary>An Npgsql connection string with the password and this schema first on the search path.</summary>
        public string ConnectionString { get; } = connectionString;

        public NpgsqlConnectionStringBuilder Settings => new(ConnectionString);

        public void Dispose() => Execute($"DROP SCHEMA IF EXISTS {Name} CASCADE");
    }
}
