using System.Text.RegularExpressions;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Remote;

/// <summary>
/// Turns what ssh printed on a failed connection into one line and a hint: an unknown host key (with the fingerprint
/// from <c>-v</c>'s "Server host key" line, which strict checking does not print otherwise), a changed key, failed
/// authentication, a refused connection, an unknown host name.
/// </summary>
internal static partial class SshFailure
{
    public static UserErrorException? Explain(RemoteLocation location, SshOptions options, SshConfig config, string stderr, int exitCode)
    {
        var where = location.Authority;
        var knownHosts = options.KnownHostsFile ?? config.KnownHostsFile;
        if (stderr.Contains("REMOTE HOST IDENTIFICATION HAS CHANGED", StringComparison.Ordinal)
            || stderr.Contains("has changed and you have requested strict checking", StringComparison.Ordinal))
        {
            var entry = KnownHostsName(config);
            var file = options.KnownHostsFile is { } f ? " -f " + ShellQuote.Quote(f) : "";
            return new UserErrorException(
                $"{where}: the host key has CHANGED ({Fingerprint(stderr)}); refusing to connect",
                $"someone may be intercepting the connection; if the host was reinstalled, remove the old key: ssh-keygen{file} -R {ShellQuote.Quote(entry)}");
        }

        if (NoHostKey().IsMatch(stderr) || stderr.Contains("Host key verification failed.", StringComparison.Ordinal))
        {
            return new UserErrorException(
                $"{where}: host key not known ({Fingerprint(stderr)}); nothing was read",
                $"check the fingerprint with the host's owner, then run again with --accept-new-host-key (adds it to {knownHosts})");
        }

        if (PermissionDenied().Match(stderr) is { Success: true } denied)
        {
            var identity = options.IdentityFile is { } id && stderr.Contains("not accessible", StringComparison.Ordinal)
                ? $" (the identity file {id} cannot be read)"
                : "";
            return new UserErrorException(
                $"{where}: authentication failed ({denied.Groups[1].Value}){identity}",
                "load a key into ssh-agent, or give --identity FILE");
        }

        if (stderr.Contains("Too many authentication failures", StringComparison.Ordinal))
        {
            return new UserErrorException(
                $"{where}: authentication failed (too many keys offered)",
                "give the key with --identity FILE (or IdentitiesOnly in the ssh config)");
        }

        if (stderr.Contains("Could not resolve hostname", StringComparison.Ordinal))
        {
            return new UserErrorException(
                $"{where}: unknown host name {config.HostName}",
                "check the host name, or the HostName of its entry in the ssh config");
        }

        if (ConnectFailed().Match(stderr) is { Success: true } connect)
        {
            return new UserErrorException(
                $"{where}: cannot connect to {config.HostName} port {config.Port}: {connect.Groups[1].Value.ToLowerInvariant()}",
                "check the host and port, and that its ssh server runs and is reachable from here");
        }

        if (stderr.Contains("timed out during banner exchange", StringComparison.Ordinal))
        {
            return new UserErrorException(
                $"{where}: {config.HostName} port {config.Port} accepted the connection, but no ssh server answered{Within(config)}",
                "check that an ssh server (not another service) listens on that port and that the host is not overloaded");
        }

        if (stderr.Contains("subsystem request failed", StringComparison.Ordinal))
        {
            return new UserErrorException(
                $"{where}: the host offers no SFTP (subsystem sftp)",
                "ask the host's owner to enable it (Subsystem sftp in sshd_config)");
        }

        return exitCode == 255 && LastLine(stderr) is { Length: > 0 } last
            ? new UserErrorException($"{where}: ssh failed{last}", $"run ssh -v {location.Host} to see why")
            : null;
    }

    private static string Within(SshConfig config) => config.ConnectTimeoutSeconds is { } seconds
        ? $" within {seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)} s"
        : "";

    /// <summary>
    /// True when ssh's last line says an established connection ended under it (closed or reset by the other side, a
    /// broken pipe, keepalives unanswered), not that it could not be made.
    /// </summary>
    public static bool IsConnectionLost(string stderr) => ConnectionLost().IsMatch(LastLine(stderr));

    /// <summary>ssh's last line that is not debug output or <c>-v</c>'s transfer statistics, as ": line" (empty when there is none).</summary>
    public static string LastLine(string stderr)
    {
        var line = stderr.Split('\n').Select(l => l.Trim())
            .LastOrDefault(l => l.Length > 0 && !l.StartsWith("debug", StringComparison.Ordinal) && !l.StartsWith("OpenSSH_", StringComparison.Ordinal)
                && !l.StartsWith("Transferred: ", StringComparison.Ordinal) && !l.StartsWith("Bytes per second: ", StringComparison.Ordinal)); // -v's statistics at exit
        return line is null ? "" : ": " + line.TrimStart('@', ' ');
    }

    /// <summary>"ED25519 SHA256:…" from ssh's output, or "fingerprint not shown by ssh".</summary>
    internal static string Fingerprint(string stderr)
    {
        if (ServerHostKey().Match(stderr) is { Success: true } m)
        {
            return KeyType(m.Groups[1].Value) + " " + m.Groups[2].Value;
        }

        if (ChangedKey().Match(stderr) is { Success: true } c)
        {
            return c.Groups[1].Value + " " + c.Groups[2].Value;
        }

        return "fingerprint not shown by ssh";
    }

    /// <summary>ssh-keygen's name for a key type: ssh-ed25519 → ED25519, ecdsa-sha2-nistp256 → ECDSA, rsa-sha2-512 → RSA.</summary>
    private static string KeyType(string algorithm) => algorithm switch
    {
        "ssh-ed25519" => "ED25519",
        "sk-ssh-ed25519@openssh.com" => "ED25519-SK",
        "sk-ecdsa-sha2-nistp256@openssh.com" => "ECDSA-SK",
        "ssh-dss" => "DSA",
        _ when algorithm.StartsWith("ecdsa-", StringComparison.Ordinal) => "ECDSA",
        _ when algorithm.Contains("rsa", StringComparison.Ordinal) => "RSA",
        _ => algorithm.ToUpperInvariant(),
    };

    /// <summary>How known_hosts names the host: the alias, or the host name, with <c>[…]:port</c> off port 22.</summary>
    private static string KnownHostsName(SshConfig config)
    {
        var name = config.HostKeyAlias ?? config.HostName;
        return config.Port == 22 ? name : $"[{name}]:{config.Port}";
    }

    [GeneratedRegex(@"Server host key: (\S+) (SHA256:[A-Za-z0-9+/=]+)")]
    private static partial Regex ServerHostKey();

    [GeneratedRegex(@"The fingerprint for the (\S+) key sent by the remote host is\s+(SHA256:[A-Za-z0-9+/=]+)")]
    private static partial Regex ChangedKey();

    [GeneratedRegex(@"No \S+ host key is known for")]
    private static partial Regex NoHostKey();

    [GeneratedRegex(@"Permission denied \(([^)]*)\)")]
    private static partial Regex PermissionDenied();

    [GeneratedRegex(@"closed by remote host|^: Connection (closed|reset) by |Connection reset by peer|Broken pipe|server \S+ not responding")]
    private static partial Regex ConnectionLost();

    [GeneratedRegex(@"connect to host \S+ port \d+: (.+)")]
    private static partial Regex ConnectFailed();
}
