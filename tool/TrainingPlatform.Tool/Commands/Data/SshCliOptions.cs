using System.CommandLine;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Remote;

namespace TrainingPlatform.Tool.Commands.Data;

/// <summary>
/// The options of every command that reaches a remote dataset (<c>ssh://</c> or <c>host:path</c>), declared once and
/// bound to <see cref="SshOptions"/> in one place: host-key checking, identity, ssh config, and <c>--hash-on</c>.
/// Everything else (user, port, ProxyJump, agent) comes from the user's own ssh config, as for their <c>ssh</c>.
/// </summary>
internal sealed class SshCliOptions
{
    /// <summary>The values of <c>--hash-on</c>, in <see cref="RemoteHashMethod"/> order.</summary>
    public static readonly string[] HashOnNames = ["auto", "remote", "stream"];

    public SshCliOptions()
    {
        HashOn.AcceptOnlyFromAmong(HashOnNames);
    }

    public Option<string?> KnownHosts { get; } = new("--known-hosts")
    {
        Description = "The known_hosts file that host keys of remote datasets are checked against (default: ssh's own, ~/.ssh/known_hosts).",
        HelpName = "FILE",
    };

    public Option<bool> AcceptNewHostKey { get; } = new("--accept-new-host-key")
    {
        Description = "Trust a remote host seen for the first time and add its key to known_hosts (StrictHostKeyChecking=accept-new); a changed key is refused anyway.",
    };

    public Option<string?> Identity { get; } = new("--identity")
    {
        Description = "The private key to log in to remote hosts with (ssh -i; default: ssh-agent, ~/.ssh/id_* and the ssh config's IdentityFile).",
        HelpName = "FILE",
    };

    public Option<string?> SshConfig { get; } = new("--ssh-config")
    {
        Description = "The ssh config file to use instead of ~/.ssh/config (ssh -F).",
        HelpName = "FILE",
    };

    public Option<string> HashOn { get; } = new("--hash-on")
    {
        Description = "Where remote files are hashed: auto (on the host when it has sha256sum or shasum, else streamed), remote (on the host), "
            + "stream (read over SFTP and hashed here). CSV, TSV, JSON, .gz files and --check always stream. [default: auto]",
        HelpName = string.Join("|", HashOnNames),
    };

    /// <summary>The connection options (without <c>--hash-on</c>), for commands that copy rather than hash.</summary>
    public IEnumerable<Option> Connection => [KnownHosts, AcceptNewHostKey, Identity, SshConfig];

    /// <summary>Adds the connection options, and <c>--hash-on</c> when <paramref name="hashOn"/>, to a command.</summary>
    public void AddTo(Command command, bool hashOn = true)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var option in Connection)
        {
            command.Options.Add(option);
        }

        if (hashOn)
        {
            command.Options.Add(HashOn);
        }
    }

    /// <summary>
    /// The options as the transport takes them: files relative to the working directory made absolute (an identity or ssh
    /// config that does not exist is a usage error), <c>TRAINPLAT_SSH</c> as the ssh program when set.
    /// </summary>
    public SshOptions Bind(ParseResult parse, CliContext context)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(context);
        return new SshOptions
        {
            KnownHostsFile = FullPath(context, parse.GetValue(KnownHosts), "--known-hosts", mustExist: false),
            AcceptNewHostKey = parse.GetValue(AcceptNewHostKey),
            IdentityFile = FullPath(context, parse.GetValue(Identity), "--identity", mustExist: true),
            ConfigFile = FullPath(context, parse.GetValue(SshConfig), "--ssh-config", mustExist: true),
            Program = Environment.GetEnvironmentVariable("TRAINPLAT_SSH") is { Length: > 0 } program ? program : "ssh",
        };
    }

    /// <summary>The <c>--hash-on</c> given (auto when none was).</summary>
    public RemoteHashMethod HashMethod(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return parse.GetValue(HashOn) is { } name && Array.IndexOf(HashOnNames, name) is var index and >= 0 ? (RemoteHashMethod)index : RemoteHashMethod.Auto;
    }

    private static string? FullPath(CliContext context, string? file, string option, bool mustExist)
    {
        if (file is null)
        {
            return null;
        }

        var full = Path.GetFullPath(Path.Combine(context.WorkingDirectory, file));
        if (mustExist && !File.Exists(full))
        {
            throw new UserErrorException($"{option} {file}: no such file", $"give the path of an existing file (relative to {context.WorkingDirectory} or absolute)");
        }

        return full;
    }
}
