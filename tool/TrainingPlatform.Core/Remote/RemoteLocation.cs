using System.Globalization;
using System.Text;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Remote;

/// <summary>
/// A file or folder on another host: <c>ssh://[user@]host[:port]/absolute/path</c> (the path percent-decoded), or scp
/// style <c>[user@]host:path</c> (the path literal, relative to the login folder unless it starts with <c>/</c>).
/// A relative path is kept as <c>~/rest</c> (or <c>~</c>), and a path in another user's home folder as <c>~user/rest</c>,
/// until <see cref="SshSession"/> resolves it. A host or user
/// that starts with <c>-</c> or holds whitespace or control characters is refused: it would be an option to ssh.
/// </summary>
/// <param name="User">The login name, or null for ssh's choice (the config's, or the local user's).</param>
/// <param name="Host">The host name or address as written (an IPv6 address without its brackets).</param>
/// <param name="Port">The port, or null for ssh's choice (the config's, or 22).</param>
/// <param name="Path">An absolute path, <c>~</c> / <c>~/rest</c> relative to the login folder, or <c>~user[/rest]</c> relative to that user's.</param>
public sealed record RemoteLocation(string? User, string Host, int? Port, string Path)
{
    private const string Scheme = "ssh://";
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>True when <see cref="Path"/> is relative to a home folder (not yet resolved).</summary>
    public bool IsRelative => !Path.StartsWith('/');

    /// <summary>The canonical <c>ssh://[user@]host[:port]/path</c> form (a relative path as <c>/~/rest</c>).</summary>
    public string Display => Authority + (IsRelative ? "/" : "") + EncodePath(Path);

    /// <summary><c>ssh://[user@]host[:port]</c>: what error messages about the connection name.</summary>
    public string Authority =>
        Scheme + (User is null ? "" : Encode(User, path: false) + "@") + HostText + (Port is { } p ? ":" + p.ToString(CultureInfo.InvariantCulture) : "");

    /// <summary>The host as ssh's <c>known_hosts</c> and URLs write it (IPv6 in brackets).</summary>
    internal string HostText => Host.Contains(':', StringComparison.Ordinal) ? "[" + Host + "]" : Host;

    /// <summary>True for <c>ssh://…</c>, or scp style: a <c>:</c> before any <c>/</c> (so <c>./a:b</c> and <c>/x:y</c> are local).</summary>
    public static bool IsRemote(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var colon = ScpColon(text);
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        return colon > 0 && (slash < 0 || colon < slash);
    }

    /// <summary>Parses either form; a <see cref="UserErrorException"/> naming the text on bad syntax.</summary>
    public static RemoteLocation Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            var rest = text[Scheme.Length..];
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0)
            {
                throw Bad(text, "no path after the host", "write ssh://host/absolute/path, or ssh://host/~/path for a path in the login folder");
            }

            var (user, host, port) = ParseAuthority(text, rest[..slash], percentEncoded: true);
            var path = Decode(text, rest[slash..]);
            if (path.StartsWith("/~", StringComparison.Ordinal))
            {
                path = path[1..]; // ~/rest in the login folder, ~user/rest in user's
            }

            return new RemoteLocation(user, host, port, NormalizeRelative(path));
        }

        var colon = ScpColon(text);
        if (!IsRemote(text) || colon <= 0)
        {
            throw Bad(text, "not a remote path", "write ssh://[user@]host[:port]/path or [user@]host:path");
        }

        var (scpUser, scpHost, _) = ParseAuthority(text, text[..colon], percentEncoded: false, allowPort: false);
        return new RemoteLocation(scpUser, scpHost, null, NormalizeRelative(text[(colon + 1)..]));
    }

    /// <summary>The same host with another path (absolute, or <c>~/…</c>).</summary>
    public RemoteLocation WithPath(string path) => this with { Path = NormalizeRelative(path) };

    public override string ToString() => Display;

    private static string NormalizeRelative(string path)
    {
        if (path.StartsWith('/'))
        {
            return path;
        }

        if (path.Length == 0 || path == "~" || path == ".")
        {
            return "~";
        }

        if (path.StartsWith("~/", StringComparison.Ordinal))
        {
            return path.Length == 2 ? "~" : path;
        }

        if (path.StartsWith('~'))
        {
            return path; // ~user or ~user/rest, as scp reads it: in that user's home folder
        }

        return "~/" + path;
    }

    /// <summary>The colon that ends an scp-style host (skipping an IPv6 address in brackets), or -1.</summary>
    private static int ScpColon(string text)
    {
        var at = text.IndexOf('@', StringComparison.Ordinal);
        var start = 0;
        if (at >= 0 && at < text.IndexOf(':', StringComparison.Ordinal))
        {
            start = at + 1;
        }

        if (start < text.Length && text[start] == '[')
        {
            var close = text.IndexOf(']', start);
            return close > 0 && close + 1 < text.Length && text[close + 1] == ':' ? close + 1 : -1;
        }

        return text.IndexOf(':', StringComparison.Ordinal);
    }

    private static (string? User, string Host, int? Port) ParseAuthority(string text, string authority, bool percentEncoded, bool allowPort = true)
    {
        string? user = null;
        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            user = percentEncoded ? Decode(text, authority[..at]) : authority[..at];
            authority = authority[(at + 1)..];
            CheckName(text, user, "user name");
        }

        string host;
        int? port = null;
        string? portText = null;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw Bad(text, "an IPv6 address without its closing ']'", "write the address as [2001:db8::1]");
            }

            host = authority[1..close];
            var after = authority[(close + 1)..];
            if (after.Length > 0)
            {
                if (!after.StartsWith(':'))
                {
                    throw Bad(text, $"unexpected '{after}' after the address", "write ssh://[address]:port/path");
                }

                portText = after[1..];
            }

            if (!host.Contains(':', StringComparison.Ordinal))
            {
                throw Bad(text, $"'[{host}]' is not an IPv6 address", "brackets are for IPv6 addresses only");
            }
        }
        else
        {
            var colon = authority.IndexOf(':', StringComparison.Ordinal);
            host = colon < 0 ? authority : authority[..colon];
            host = percentEncoded ? Decode(text, host) : host;
            portText = colon < 0 ? null : authority[(colon + 1)..];
        }

        if (portText is not null)
        {
            if (!allowPort)
            {
                throw Bad(text, "a port in scp-style form", "write ssh://host:port/path to give a port");
            }

            if (portText.Length is 0 or > 5 || !portText.All(char.IsAsciiDigit)
                || int.Parse(portText, CultureInfo.InvariantCulture) is < 1 or > 65535)
            {
                throw Bad(text, $"port '{portText}' is not a number from 1 to 65535", "write ssh://host:2222/path, or leave the port out for ssh's own (22 or the ssh config's)");
            }

            port = int.Parse(portText, CultureInfo.InvariantCulture);
        }

        if (host.Length == 0)
        {
            throw Bad(text, "no host name", "write ssh://host/path or host:path");
        }

        CheckName(text, host, "host name");
        if (host.AsSpan().IndexOfAny("/@[]") >= 0)
        {
            throw Bad(text, $"'{host}' is not a host name", "write ssh://[user@]host[:port]/path");
        }

        return (user, host, port);
    }

    private static void CheckName(string text, string name, string what)
    {
        if (name.Length == 0)
        {
            throw Bad(text, $"an empty {what}", "leave the user out (ssh uses the config's or yours), or write user@host");
        }

        if (name.StartsWith('-'))
        {
            throw Bad(text, $"the {what} '{name}' starts with '-'", "a name starting with '-' would be read by ssh as an option; check the path");
        }

        if (name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw Bad(text, $"the {what} holds whitespace or a control character", "check the path; host and user names have neither");
        }
    }

    private static string Decode(string text, string encoded)
    {
        if (!encoded.Contains('%', StringComparison.Ordinal))
        {
            return encoded;
        }

        var bytes = new List<byte>(encoded.Length);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < encoded.Length; i++)
        {
            var c = encoded[i];
            if (c == '%')
            {
                if (i + 2 >= encoded.Length || !char.IsAsciiHexDigit(encoded[i + 1]) || !char.IsAsciiHexDigit(encoded[i + 2]))
                {
                    throw Bad(text, "a '%' not followed by two hex digits", "write a literal '%' as %25");
                }

                bytes.Add(byte.Parse(encoded.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                i += 2;
                continue;
            }

            var rune = char.IsHighSurrogate(c) && i + 1 < encoded.Length ? new Rune(c, encoded[++i]) : new Rune(c);
            var n = rune.EncodeToUtf8(utf8);
            for (var k = 0; k < n; k++)
            {
                bytes.Add(utf8[k]);
            }
        }

        try
        {
            return StrictUtf8.GetString([.. bytes]);
        }
        catch (DecoderFallbackException)
        {
            throw Bad(text, "the percent-encoded path is not UTF-8", "encode the path's UTF-8 bytes, e.g. é as %C3%A9");
        }
    }

    private static string EncodePath(string path) => Encode(path, path: true);

    private static string Encode(string text, bool path)
    {
        var sb = new StringBuilder(text.Length);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in text.EnumerateRunes())
        {
            var keep = rune.Value >= 0x80
                ? !Rune.IsControl(rune) && !Rune.IsWhiteSpace(rune)
                : char.IsAsciiLetterOrDigit((char)rune.Value) || "-._~!$&'()*+,;=".Contains((char)rune.Value, StringComparison.Ordinal)
                    || (path && (rune.Value is '/' or ':' or '@'));
            if (keep)
            {
                sb.Append(rune.ToString());
                continue;
            }

            var n = rune.EncodeToUtf8(utf8);
            for (var k = 0; k < n; k++)
            {
                sb.Append('%').Append(utf8[k].ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    private static UserErrorException Bad(string text, string what, string hint) =>
        new($"'{text}': not a valid remote path: {what}", hint);
}
