using Npgsql;

namespace TrainingPlatform.Tool.Tests.Support;

/// <summary>
/// The PostgreSQL server of the CLI tests: <c>TRAINPLAT_TEST_PG</c>, as for the store contract suite (test.sh starts a
/// throwaway cluster with tests/pg/start.sh and sets it). Without it the tests that need a server fail and say how to
/// start one. Each test works in a schema of its own, dropped afterwards.
/// </summary>
internal static class ToolPostgres
{
    public const string Variable = "TRAINPLAT_TEST_PG";

    public static string ConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{Variable} is not set: the team store tests need a PostgreSQL server. Start a throwaway one with "
                + $"`export {Variable}=\"$(tests/pg/start.sh \"$(mktemp -d)\")\"` (Debian's postgresql), or set {Variable} to an "
                + "Npgsql connection string of a database you can create schemas in; ./test.sh does this itself.");

    /// <summary>A new empty schema (no trainplat tables: <c>store migrate</c> makes them) and a connection string that uses it.</summary>
    public static Schema NewSchema()
    {
        var name = "cli_" + Guid.NewGuid().ToString("N");
        Execute($"CREATE SCHEMA {name}");
        return new Schema(name, new NpgsqlConnectionStringBuilder(ConnectionString) { SearchPath = name }.ConnectionString);
    }

    public static void Execute(string sql)
    {
        using var connection = new NpgsqlConnection(ConnectionString);
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
