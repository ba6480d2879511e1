namespace TrainingPlatform.Core.Remote;

/// <summary>How to reach a host: each option maps to one <c>ssh</c> option; everything else comes from the user's ssh config.</summary>
public sealed record SshOptions
{
    /// <summary><c>--known-hosts FILE</c>: <c>-o UserKnownHostsFile=FILE</c> (default: ssh's own, <c>~/.ssh/known_hosts</c>).</summary>
    public string? KnownHostsFile { get; init; }

    /// <summary><c>--accept-new-host-key</c>: <c>StrictHostKeyChecking=accept-new</c> (else <c>yes</c>); a changed key is refused either way.</summary>
    public bool AcceptNewHostKey { get; init; }

    /// <summary><c>--identity FILE</c>: <c>-i FILE</c>.</summary>
    public string? IdentityFile { get; init; }

    /// <summary><c>--ssh-config FILE</c>: <c>-F FILE</c> (default: ssh's own, <c>~/.ssh/config</c>).</summary>
    public string? ConfigFile { get; init; }

    /// <summary>The ssh client to run (<c>TRAINPLAT_SSH</c> overrides it in the CLI).</summary>
    public string Program { get; init; } = "ssh";

    /// <summary>
    /// Variables set (a value) or removed (null) for the ssh child process on top of the inherited environment,
    /// e.g. <c>SSH_AUTH_SOCK</c> for an agent; Core reads no environment of its own.
    /// </summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>
    /// <c>ServerAliveInterval</c> when the user's ssh config sets none (ssh's default is 0: never): a host or network that
    /// goes silent ends the command after this many seconds times <c>ServerAliveCountMax</c> (3 unless the config says
    /// otherwise) instead of waiting for TCP to give up, which takes hours. Tests shorten it.
    /// </summary>
    internal int KeepAliveSeconds { get; init; } = 15;

    /// <summary><c>ConnectTimeout</c> when the user's ssh config sets none: for the TCP connection and ssh's banner exchange.</summary>
    internal int ConnectTimeoutSeconds { get; init; } = 30;
}
