using System.Globalization;
using System.Net.Sockets;
using Npgsql;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Lineage;

/// <summary>
/// A PostgreSQL store's location: a <c>postgresql://user@host:port/db?sslmode=…</c> URL or an Npgsql connection string,
/// read into Npgsql's settings; how it is shown (never with its password); and what a failed connection means to a user.
/// </summary>
internal static class PostgresConnection
{
    /// <summary>URL query keys (libpq's names) and the Npgsql settings they are; any other key is given to Npgsql as it is.</summary>
    private static readonly Dictionary<string, string> UrlKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sslmode"] = "SSL Mode",
        ["sslrootcert"] = "Root Certificate",
        ["sslcert"] = "SSL Certificate",
        ["sslkey"] = "SSL Key",
        ["sslpassword"] = "SSL Password",
        ["passfile"] = "Passfile",
        ["connect_timeout"] = "Timeout",
        ["application_name"] = "Application Name",
        ["target_session_attrs"] = "Target Session Attributes",
        ["options"] = "Options",
        ["user"] = "Username",
        ["password"] = "Password",
        ["dbname"] = "Database",
        ["host"] = "Host",
        ["port"] = "Port",
    };

    public static bool IsUrl(string location) =>
        location.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase);

    /// <summary>The settings of a URL or connection string; a malformed one is a <see cref="UserErrorException"/> that does not repeat it.</summary>
    public static NpgsqlConnectionStringBuilder Parse(string location)
    {
        try
        {
            return IsUrl(location) ? FromUrl(location) : new NpgsqlConnectionStringBuilder(location);
        }
        catch (ArgumentException ex)
        {
            throw new UserErrorException(
                $"the PostgreSQL store location is not a valid URL or connection string ({ex.Message.Split(" (Parameter")[0].TrimEnd('.')})",
                "write it as postgresql://USER@HOST:PORT/DATABASE?sslmode=… (the password in PGPASSWORD or ~/.pgpass) or as an Npgsql connection string");
        }
    }

    private static NpgsqlConnectionStringBuilder FromUrl(string url)
    {
        var rest = url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..];
        var query = "";
        if (rest.IndexOf('?', StringComparison.Ordinal) is var q and >= 0)
        {
            query = rest[(q + 1)..];
            rest = rest[..q];
        }

        var database = "";
        if (rest.IndexOf('/', StringComparison.Ordinal) is var slash and >= 0)
        {
            database = Uri.UnescapeDataString(rest[(slash + 1)..]);
            rest = rest[..slash];
        }

        var builder = new NpgsqlConnectionStringBuilder();
        if (rest.LastIndexOf('@') is var at and >= 0)
        {
            var user = rest[..at];
            rest = rest[(at + 1)..];
            if (user.IndexOf(':', StringComparison.Ordinal) is var colon and >= 0)
            {
                builder.Password = Uri.UnescapeDataString(user[(colon + 1)..]);
                user = user[..colon];
            }

            builder.Username = Uri.UnescapeDataString(user);
        }

        // host, host:port, [v6]:port, or several of them separated by commas (Npgsql's Host takes the same list).
        var hosts = new List<string>();
        foreach (var part in rest.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var host = part;
            string? port = null;
            if (host.StartsWith('['))
            {
                var close = host.IndexOf(']', StringComparison.Ordinal);
                port = close + 1 < host.Length && host[close + 1] == ':' ? host[(close + 2)..] : null;
                host = host[1..close];
            }
            else if (host.LastIndexOf(':') is var colon and >= 0)
            {
                port = host[(colon + 1)..];
                host = host[..colon];
            }

            hosts.Add(Uri.UnescapeDataString(host) + (port is { Length: > 0 } ? ":" + port : ""));
        }

        if (hosts.Count == 1 && hosts[0].LastIndexOf(':') is var p and >= 0 && !hosts[0].Contains("::", StringComparison.Ordinal))
        {
            builder.Host = hosts[0][..p];
            builder.Port = int.Parse(hosts[0][(p + 1)..], NumberStyles.None, CultureInfo.InvariantCulture);
        }
        else if (hosts.Count > 0)
        {
            builder.Host = string.Join(',', hosts);
        }

        if (database.Length > 0)
        {
            builder.Database = database;
        }

        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
            var setting = UrlKeys.GetValueOrDefault(key, key);

            // libpq's verify-ca and verify-full are Npgsql's VerifyCA and VerifyFull.
            builder[setting] = setting == "SSL Mode" ? value.Replace("-", "", StringComparison.Ordinal) : value;
        }

        return builder;
    }

    /// <summary>How the location is shown in every message: <c>postgresql://user@host:port/database</c>, never with a password.</summary>
    public static string Display(NpgsqlConnectionStringBuilder settings)
    {
        var user = string.IsNullOrEmpty(settings.Username) ? "" : Uri.EscapeDataString(settings.Username) + "@";
        var host = string.IsNullOrEmpty(settings.Host) ? "localhost" : settings.Host;
        var database = string.IsNullOrEmpty(settings.Database) ? "" : "/" + Uri.EscapeDataString(settings.Database);
        var port = settings.Port == NpgsqlConnection.DefaultPort || host.Contains(',', StringComparison.Ordinal) ? "" : ":" + settings.Port.ToString(CultureInfo.InvariantCulture);
        return $"postgresql://{user}{host}{port}{database}";
    }

    /// <summary>
    /// A failure to connect or to run a statement as the one line a user reads (<see cref="UserErrorException"/>): a wrong
    /// password, an unreachable server, a missing database, a busy job; anything else from the server keeps its message.
    /// </summary>
    public static Exception Translate(Exception ex, string location, NpgsqlConnectionStringBuilder settings) => ex switch
    {
        UserErrorException => ex,
        PostgresException { SqlState: PostgresErrorCodes.InvalidPassword } => new UserErrorException(
            $"{location}: the server refused the password of user {settings.Username}",
            "give the password in PGPASSWORD, a ~/.pgpass line or a passfile (never in the URL); check it with psql", ex),
        PostgresException { SqlState: PostgresErrorCodes.InvalidAuthorizationSpecification } pg => new UserErrorException(
            $"{location}: the server refused the connection ({pg.MessageText.TrimEnd('.')})",
            "ask the server's administrator for a pg_hba.conf entry for this user, host and database", ex),
        PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName } => new UserErrorException(
            $"{location}: the server has no database {settings.Database}",
            $"create it (createdb {settings.Database}) or fix the database in the location, then run `trainplat store migrate --store {location}`", ex),
        PostgresException { SqlState: PostgresErrorCodes.LockNotAvailable } => new UserErrorException(
            $"{location}: the store is busy (another trainplat is writing the same job)",
            "try again when it is done, or wait longer with TRAINPLAT_STORE_TIMEOUT=SECONDS", ex),
        PostgresException { SqlState: PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.UndefinedColumn } => PostgresSchema.Missing(location),
        PostgresException pg => new UserErrorException(
            $"{location}: PostgreSQL: {pg.MessageText.TrimEnd('.')} ({pg.SqlState}); nothing of this command was recorded", null, ex),
        _ when Unreachable(ex) => new UserErrorException(
            $"{location}: cannot reach the PostgreSQL server ({Reason(ex)})",
            "check the host and port, that the server runs and accepts TCP connections (listen_addresses, pg_hba.conf), and any firewall between", ex),
        NpgsqlException npgsql => new UserErrorException(
            $"{location}: PostgreSQL: {npgsql.Message.TrimEnd('.')}; nothing of this command was recorded", null, ex),
        _ => ex,
    };

    private static bool Unreachable(Exception ex) =>
        ex is TimeoutException || (ex is NpgsqlException && (ex.InnerException is SocketException or TimeoutException or IOException));

    private static string Reason(Exception ex) => (ex.InnerException ?? ex) switch
    {
        SocketException socket => socket.Message.TrimEnd('.'),
        TimeoutException => "no answer before the connect timeout",
        var inner => inner.Message.TrimEnd('.'),
    };
}
