using System.Diagnostics;
using System.Globalization;
using System.Text;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Remote;

/// <summary>The ssh command line: options as separate arguments (no shell), <c>--</c> before the host.</summary>
internal static class SshArguments
{
    /// <summary>The options every ssh process of a session gets, before <c>--</c> and the host.</summary>
    public static List<string> Common(RemoteLocation location, SshOptions options)
    {
        List<string> arguments =
        [
            "-T",
            "-o", "BatchMode=yes",
            "-o", "StrictHostKeyChecking=" + (options.AcceptNewHostKey ? "accept-new" : "yes"),
            // What sftp(1) and scp(1) turn off for their own ssh: no forwarding, no local command.
            "-o", "ForwardX11=no",
            "-o", "ForwardAgent=no",
            "-o", "PermitLocalCommand=no",
            "-o", "ClearAllForwardings=yes",
            // AES-GCM first (the rest of ssh's default list stays, the server still agrees): with AES-NI it moves
            // bytes about twice as fast as chacha20-poly1305, the default, which decides a 1 GiB read over SFTP.
            "-o", "Ciphers=^aes128-gcm@openssh.com,aes256-gcm@openssh.com",
        ];
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
    public static SshConfig Resolve(RemoteLocation location, SshOptions options)
    {
        List<string> arguments = [.. SshArguments.Common(location, options), "-G", "--", location.Host];
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
            values.TryGetValue("hostkeyalias", out var alias) && alias != "none" ? alias : null);
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
