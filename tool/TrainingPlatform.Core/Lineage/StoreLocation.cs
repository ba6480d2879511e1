using System.Globalization;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Project;

namespace TrainingPlatform.Core.Lineage;

/// <summary>Which kind of lineage store a location names.</summary>
public enum StoreKind
{
    /// <summary>One LiteDB file (the embedded default, for one person).</summary>
    File,

    /// <summary>A PostgreSQL database (a team's shared store).</summary>
    Postgres,
}

/// <summary>
/// Where the lineage store is: a file path (full) or a PostgreSQL server. For <see cref="StoreKind.Postgres"/>,
/// <see cref="Value"/> is an Npgsql connection string (as Npgsql writes it; a <c>postgresql://</c> URL is converted) and may hold
/// a password: it goes to the driver only. Everything shown to a person — messages, <c>store info</c>, <see cref="ToString"/>
/// — uses <see cref="Display"/>, which never holds one.
/// </summary>
public sealed record StoreLocation(StoreKind Kind, string Value)
{
    /// <summary>The default file under the project root.</summary>
    public static readonly string DefaultRelativePath = Path.Combine(".trainplat", "lineage.db");

    /// <summary>
    /// The location <paramref name="text"/> names: a <c>postgresql://</c> or <c>postgres://</c> URL, an Npgsql
    /// connection string (its first key a connection keyword such as <c>Host=</c>), else a path, relative to
    /// <paramref name="baseDirectory"/>. A malformed server location is refused with a message that does not repeat
    /// the text (it may hold a password).
    /// </summary>
    public static StoreLocation Parse(string text, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            throw new UserErrorException("the lineage store location is empty", "give a file path or a postgresql://user@host:port/database URL");
        }

        if (IsUrl(trimmed))
        {
            return new StoreLocation(StoreKind.Postgres, PostgresConnection.Parse(ConnectionString(FromUrl(trimmed))).ConnectionString);
        }

        if (IsConnectionString(trimmed))
        {
            return new StoreLocation(StoreKind.Postgres, PostgresConnection.Parse(trimmed).ConnectionString);
        }

        return new StoreLocation(StoreKind.File, Path.GetFullPath(Path.Combine(baseDirectory, text)));
    }

    /// <summary>
    /// The project's store: <c>--store</c> (relative to the working directory), else <c>TRAINPLAT_STORE</c> (relative to the
    /// working directory), else <c>store:</c> in trainplat.yaml (relative to it), else <c>.trainplat/lineage.db</c> under the root.
    /// </summary>
    public static StoreLocation Resolve(ProjectContext project, string? option, string? environment)
    {
        ArgumentNullException.ThrowIfNull(project);
        return option is not null ? Parse(option, project.WorkingDirectory)
            : !string.IsNullOrWhiteSpace(environment) ? Parse(environment, project.WorkingDirectory)
            : project.Config.Store is { } configured ? Parse(configured, project.Root)
            : new StoreLocation(StoreKind.File, Path.Combine(project.Root, DefaultRelativePath));
    }

    /// <summary>The full path of a file store.</summary>
    public string FilePath => Kind == StoreKind.File ? Value : throw new InvalidOperationException("not a file store");

    /// <summary>
    /// How the location is shown: a file's full path; a server as <c>postgresql://user@host:port/database</c> (the port
    /// left out when it is 5432), as the server store's own messages show it — never a password, whatever the location
    /// was written as.
    /// </summary>
    public string Display => Kind == StoreKind.File ? Value.Replace('\\', '/') : PostgresConnection.Display(PostgresConnection.Parse(Value));

    /// <summary>A file's path relative to the working directory when inside it; a server as <see cref="Display"/>.</summary>
    public string DisplayFrom(string workingDirectory) =>
        Kind == StoreKind.File ? ProjectContext.DisplayPath(workingDirectory, Value) : Display;

    /// <summary>
    /// Whether two locations are the same store: the same full path, or the same host, port, database and schema (search
    /// path and options, which may choose it) whoever connects.
    /// </summary>
    public bool SameStore(StoreLocation other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Kind != other.Kind)
        {
            return false;
        }

        if (Kind == StoreKind.File)
        {
            return string.Equals(Value, other.Value, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
        }

        var (mine, theirs) = (PostgresConnection.Parse(Value), PostgresConnection.Parse(other.Value));
        return string.Equals(mine.Host ?? "localhost", theirs.Host ?? "localhost", StringComparison.OrdinalIgnoreCase) && mine.Port == theirs.Port
            && string.Equals(mine.Database, theirs.Database, StringComparison.Ordinal) && string.Equals(mine.SearchPath, theirs.SearchPath, StringComparison.Ordinal)
            && string.Equals(mine.Options, theirs.Options, StringComparison.Ordinal);
    }

    /// <summary>The display form: a location printed by mistake still shows no password.</summary>
    public override string ToString() => Display;

    private static bool IsUrl(string text) =>
        text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase);

    /// <summary>Npgsql's keywords (lower case, spaces as written) that a connection string may start with.</summary>
    private static readonly HashSet<string> ConnectionKeywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "host", "server", "port", "database", "db", "username", "user id", "userid", "user", "password", "pwd", "passfile",
        "ssl mode", "sslmode", "timeout", "command timeout", "application name", "search path", "options", "root certificate",
        "ssl certificate", "ssl key", "pooling", "keepalive", "target session attributes",
    };

    private static bool IsConnectionString(string text)
    {
        var first = text.Split(';', 2)[0];
        var equals = first.IndexOf('=', StringComparison.Ordinal);
        return equals > 0 && ConnectionKeywords.Contains(first[..equals].Trim());
    }

    /// <summary>The libpq URL parameters and the Npgsql keywords they become.</summary>
    private static readonly Dictionary<string, string> UrlParameters = new(StringComparer.Ordinal)
    {
        ["sslmode"] = "SSL Mode",
        ["sslrootcert"] = "Root Certificate",
        ["sslcert"] = "SSL Certificate",
        ["sslkey"] = "SSL Key",
        ["passfile"] = "Passfile",
        ["connect_timeout"] = "Timeout",
        ["application_name"] = "Application Name",
        ["options"] = "Options",
        ["target_session_attrs"] = "Target Session Attributes",
        ["sslpassword"] = "SSL Password",
        ["user"] = "Username",
        ["password"] = "Password",
        ["host"] = "Host",
        ["port"] = "Port",
        ["dbname"] = "Database",
    };

    /// <summary><c>postgresql://[user[:password]@][host][:port][/database][?param=value&amp;…]</c>, as libpq reads it.</summary>
    private static List<KeyValuePair<string, string>> FromUrl(string url)
    {
        var rest = url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..];
        var query = "";
        var q = rest.IndexOf('?', StringComparison.Ordinal);
        if (q >= 0)
        {
            query = rest[(q + 1)..];
            rest = rest[..q];
        }

        var database = "";
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            database = Unescape(rest[(slash + 1)..]);
            rest = rest[..slash];
        }

        var pairs = new List<KeyValuePair<string, string>>();
        var at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = rest[..at];
            rest = rest[(at + 1)..];
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            var user = Unescape(colon >= 0 ? userInfo[..colon] : userInfo);
            if (user.Length > 0)
            {
                pairs.Add(new("Username", user));
            }

            if (colon >= 0)
            {
                pairs.Add(new("Password", Unescape(userInfo[(colon + 1)..])));
            }
        }

        var (host, port) = HostAndPort(rest);
        pairs.Insert(0, new("Host", host.Length == 0 ? "localhost" : host));
        if (port is not null)
        {
            if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535)
            {
                throw Malformed($"the port '{port}' is not a number from 1 to 65535");
            }

            pairs.Insert(1, new("Port", p.ToString(CultureInfo.InvariantCulture)));
        }

        if (database.Length > 0)
        {
            pairs.Add(new("Database", database));
        }

        foreach (var parameter in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = parameter.IndexOf('=', StringComparison.Ordinal);
            var name = Unescape(eq >= 0 ? parameter[..eq] : parameter);
            if (eq < 0 || !UrlParameters.TryGetValue(name, out var keyword))
            {
                throw Malformed($"the URL parameter '{name}' is not one trainplat passes on",
                    "known parameters: " + string.Join(", ", UrlParameters.Keys.Order(StringComparer.Ordinal)));
            }

            var value = Unescape(parameter[(eq + 1)..]);
            pairs.RemoveAll(p => string.Equals(p.Key, keyword, StringComparison.OrdinalIgnoreCase));
            // libpq writes verify-full and verify-ca; Npgsql's names are VerifyFull and VerifyCA.
            pairs.Add(new(keyword, name == "sslmode" ? value.Replace("-", "", StringComparison.Ordinal) : value));
        }

        return pairs;
    }

    private static (string Host, string? Port) HostAndPort(string text)
    {
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw Malformed("an IPv6 host in [ ] has no closing ]");
            }

            var after = text[(close + 1)..];
            return (text[1..close], after.StartsWith(':') ? after[1..] : null);
        }

        var colon = text.LastIndexOf(':');
        return colon >= 0 ? (Unescape(text[..colon]), text[(colon + 1)..]) : (Unescape(text), null);
    }

    private static string Unescape(string text)
    {
        try
        {
            return Uri.UnescapeDataString(text);
        }
        catch (UriFormatException)
        {
            throw Malformed("it holds a malformed %-escape");
        }
    }

    private static string ConnectionString(List<KeyValuePair<string, string>> pairs) =>
        string.Join(";", pairs.Select(p => p.Key + "=" + Quote(p.Value)));

    private static string Quote(string value) =>
        value.IndexOfAny([';', '\'', '"', '=']) < 0 && value.Trim() == value ? value : "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static UserErrorException Malformed(string what, string? hint = null) => new(
        $"the lineage store location is not a valid PostgreSQL URL or connection string: {what}",
        hint ?? "write postgresql://USER@HOST:PORT/DATABASE (the password from PGPASSWORD or ~/.pgpass) or Host=…;Port=…;Database=…;Username=…");
}
