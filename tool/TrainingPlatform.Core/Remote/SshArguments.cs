using System.Diagnostics;
using System.Globalization;
using System.Text;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Remote;

/// <summary>The ssh command line: options as separate arguments (no shell), <c>--</c> before the host.</summary>
internal static class SshArguments
{
    /// <summary>The options every ssh process of a session gets, before <c>--</c> and the host.</summary>
    /// <param name="resolved">The host's resolved config (after <c>ssh -G</c>): its <see cref="SshConfig.Extra"/> options are added;
    /// null for the <c>-G</c> call itself.</param>
    /// <param name="printConfig">For <c>ssh -G</c>, which connects nowhere: without <c>BatchMode=yes</c>, which would make it
    /// report a ServerAliveInterval of 300 where the user's config sets none (0), the one way to tell that apart.</param>
    public static List<string> Common(RemoteLocation location, SshOptions options, SshConfig? resolved = null, bool printConfig = false)
    {
        List<string> arguments = ["-T"];
        if (!printConfig)
        {
            arguments.AddRange(["-o", "BatchMode=yes"]); // never a prompt
        }

        arguments.AddRange(
        [
            "-o", "StrictHostKeyChecking=" + (options.AcceptNewHostKey ? "accept-new" : "yes"),
            // What sftp(1) and scp(1) turn off for their own ssh: no forwarding, no local command.
            "-o", "ForwardX11=no",
            "-o", "ForwardAgent=no",
            "-o", "PermitLocalCommand=no",
            "-o", "ClearAllForwardings=yes",
        ]);
        if (resolved is not null)
        {
            arguments.AddRange(resolved.Extra);
        }

        if (options.KnownHostsFile is { } knownHosts)
        {
            arguments.AddRange(["-o", "UserKnownHostsFile=" + ConfigWord(Percent(knownHosts))]);
        }

        if (options.IdentityFile is { } identity)
        {
            arguments.AddRange(["-i", Percent(identity)]);
        }

        if (options.ConfigFile is { } config)
        {
            arguments.AddRange(["-F", config]);
        }

        if (location.Port is { } port)
        {
            arguments.AddRange(["-p", port.ToString(CultureInfo.InvariantCulture)]);
        }

        if (location.User is { } user)
        {
            arguments.AddRange(["-l", user]);
        }

        return arguments;
    }

    /// <summary>
    /// One word as ssh's config parser reads an <c>-o</c> value: in double quotes when it holds a space, a quote or a
    /// backslash, with <c>\</c> and <c>"</c> escaped (an unquoted space would split it into two file names).
    /// </summary>
    public static string ConfigWord(string value)
    {
        if (value.Length > 0 && value.AsSpan().IndexOfAny(" \t\"'\\") < 0)
        {
            return value;
        }

        var sb = new StringBuilder("\"");
        foreach (var c in value)
        {
            if (c is '\\' or '"' or '\'')
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.Append('"').ToString();
    }

    /// <summary>ssh expands <c>%</c> tokens in file names (IdentityFile, UserKnownHostsFile): a literal one is <c>%%</c>.</summary>
    public static string Percent(string path) => path.Replace("%", "%%", StringComparison.Ordinal);

    /// <summary>Starts ssh with every stream redirected, the session's extra environment applied.</summary>
    public static Process Start(SshOptions options, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(options.Program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in options.Environment)
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        try
        {
            return Process.Start(start) ?? throw new InvalidOperationException("ssh did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new UserErrorException(
                $"cannot run the ssh client '{options.Program}': {e.Message}",
                "install OpenSSH's client (Debian: apt-get install openssh-client), or name it with TRAINPLAT_SSH");
        }
    }
}

/// <summary>What <c>ssh -G</c> resolves for a host (aliases, HostName, Port, known_hosts files from the config).</summary>
internal sealed record SshConfig(string HostName, int Port, string? User, string KnownHostsFile, string? HostKeyAlias)
{
    /// <summary>
    /// The ciphers this host's config allows, AES-GCM first, when the CPU has AES instructions and the list has AES-GCM
    /// but does not start with it; else null (ssh's list as it is). With AES-NI, AES-GCM moves bytes about twice as fast as
    /// chacha20-poly1305, OpenSSH's first choice, which decides a 1 GiB read over SFTP. Only the order changes: a cipher
    /// the user's ssh config leaves out is never added, so a policy such as <c>Ciphers aes256-ctr</c> still holds.
    /// </summary>
    public string? PreferredCiphers { get; init; }

    /// <summary><c>ServerAliveInterval</c> to set (<see cref="SshOptions.KeepAliveSeconds"/>), or null when the config sets its own.</summary>
    public int? KeepAliveSeconds { get; init; }

    /// <summary><c>ConnectTimeout</c> to set (<see cref="SshOptions.ConnectTimeoutSeconds"/>), or null when the config sets its own.</summary>
    public int? ConnectTimeoutSeconds { get; init; }

    /// <summary>The <c>-o</c> options this tool adds for the session: only what the user's config leaves at ssh's default.</summary>
    public IEnumerable<string> Extra
    {
        get
        {
            if (PreferredCiphers is { } ciphers)
            {
                yield return "-o";
                yield return "Ciphers=" + ciphers;
            }

            if (KeepAliveSeconds is { } keepAlive)
            {
                yield return "-o";
                yield return "ServerAliveInterval=" + keepAlive.ToString(CultureInfo.InvariantCulture);
            }

            if (ConnectTimeoutSeconds is { } timeout)
            {
                yield return "-o";
                yield return "ConnectTimeout=" + timeout.ToString(CultureInfo.InvariantCulture);
            }
        }
    }

    public static string? PreferGcm(string? resolved, bool aesInstructions)
    {
        if (!aesInstructions || string.IsNullOrEmpty(resolved))
        {
            return null;
        }

        var ciphers = resolved.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var gcm = ciphers.Where(c => c is "aes128-gcm@openssh.com" or "aes256-gcm@openssh.com").OrderBy(c => c, StringComparer.Ordinal).ToArray();
        if (gcm.Length == 0 || gcm.Contains(ciphers[0]))
        {
            return null;
        }

        return string.Join(',', gcm.Concat(ciphers.Except(gcm, StringComparer.Ordinal)));
    }

    public static SshConfig Resolve(RemoteLocation location, SshOptions options)
    {
        List<string> arguments = [.. SshArguments.Common(location, options, printConfig: true), "-G", "--", location.Host];
        using var process = SshArguments.Start(options, arguments);
        process.StandardInput.Close();
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new UserErrorException(
                $"{location.Authority}: ssh cannot read its configuration{SshFailure.LastLine(error.Result)}",
                options.ConfigFile is { } file ? $"check the ssh config file {file}" : "check ~/.ssh/config");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n'))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0)
            {
                values.TryAdd(line[..space], line[(space + 1)..].TrimEnd('\r'));
            }
        }

        var port = values.TryGetValue("port", out var p) && int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : location.Port ?? 22;
        var knownHosts = values.TryGetValue("userknownhostsfile", out var k) ? FirstWord(k) : "~/.ssh/known_hosts";
        return new SshConfig(
            values.GetValueOrDefault("hostname", location.Host),
            port,
            values.GetValueOrDefault("user"),
            knownHosts,
            values.TryGetValue("hostkeyalias", out var alias) && alias != "none" ? alias : null)
        {
            PreferredCiphers = PreferGcm(values.GetValueOrDefault("ciphers"),
                System.Runtime.Intrinsics.X86.Aes.IsSupported || System.Runtime.Intrinsics.Arm.Aes.IsSupported),
            // ssh -G prints "serveraliveinterval 0" and "connecttimeout none" for ssh's defaults (no keepalive, no limit).
            KeepAliveSeconds = values.GetValueOrDefault("serveraliveinterval", "0") == "0" ? options.KeepAliveSeconds : null,
            ConnectTimeoutSeconds = values.GetValueOrDefault("connecttimeout", "none") == "none" ? options.ConnectTimeoutSeconds : null,
        };
    }

    /// <summary>The first file of ssh's list (a quoted one keeps its spaces).</summary>
    private static string FirstWord(string list)
    {
        if (list.StartsWith('"'))
        {
            var end = list.IndexOf('"', 1);
            return end > 0 ? list[1..end] : list[1..];
        }

        var space = list.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? list : list[..space];
    }
}
