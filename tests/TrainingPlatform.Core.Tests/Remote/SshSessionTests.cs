using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Remote;
using TrainingPlatform.Core.Tests.Support;

namespace TrainingPlatform.Core.Tests.Remote;

/// <summary>Connecting through the system ssh client: host keys, ways to authenticate, the ssh config, remote scripts.</summary>
public sealed class SshSessionTests(SshdFixture fixture) : IClassFixture<SshdFixture>
{
    private TestSshd Sshd => fixture.Sshd;

    [Fact]
    public void An_unknown_host_key_is_refused_with_its_fingerprint_and_the_known_hosts_file()
    {
        using var folder = new TempFolder();
        var knownHosts = Path.Combine(folder.Path, "known_hosts");
        File.WriteAllText(knownHosts, "");

        var error = Assert.Throws<UserErrorException>(() => SshSession.Open(fixture.At("/"), fixture.Options with { KnownHostsFile = knownHosts }));

        Assert.Equal($"ssh://{Sshd.User}@localhost:{Sshd.Port}: host key not known (ED25519 {Sshd.HostKeyFingerprint}); nothing was read", error.Message);
        Assert.Equal($"check the fingerprint with the host's owner, then run again with --accept-new-host-key (adds it to {knownHosts})", error.Hint);
        Assert.Equal("", File.ReadAllText(knownHosts));
    }

    [Fact]
    public void Accept_new_adds_the_key_to_the_given_file_and_the_next_connection_trusts_it()
    {
        using var folder = new TempFolder("with space ");
        var knownHosts = Path.Combine(folder.Path, "known hosts");

        using (var first = SshSession.Open(fixture.At("/"), fixture.Options with { KnownHostsFile = knownHosts, AcceptNewHostKey = true }))
        {
            Assert.NotNull(first.Sftp.TryStat(Sshd.Home));
        }

        using var second = SshSession.Open(fixture.At("/"), fixture.Options with { KnownHostsFile = knownHosts });
        Assert.NotNull(second.Sftp.TryStat(Sshd.Home));
        Assert.StartsWith($"[localhost]:{Sshd.Port} ssh-ed25519 ", File.ReadAllText(knownHosts), StringComparison.Ordinal);
    }

    [Fact]
    public void The_key_from_an_identity_file_logs_in_and_none_fails_naming_the_methods()
    {
        using var ok = SshSession.Open(fixture.At(Sshd.Home), fixture.Options);
        Assert.True(ok.Sftp.TryStat(Sshd.Home)!.Value.IsDirectory);
        Assert.Equal($"ssh://localhost:{Sshd.Port}", ok.CacheKey);

        using var folder = new TempFolder();
        var otherKey = Path.Combine(folder.Path, "other");
        RunTool("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", otherKey);
        var error = Assert.Throws<UserErrorException>(() => SshSession.Open(fixture.At("/"), fixture.Options with { IdentityFile = otherKey }));

        Assert.Equal($"ssh://{Sshd.User}@localhost:{Sshd.Port}: authentication failed (publickey)", error.Message);
        Assert.Equal("load a key into ssh-agent, or give --identity FILE", error.Hint);
    }

    [Fact]
    public void A_key_in_the_agent_logs_in_without_an_identity_file()
    {
        using var folder = new TempFolder();
        var socket = Path.Combine(folder.Path, "agent.sock");
        using var agent = Process.Start(new ProcessStartInfo("ssh-agent") { ArgumentList = { "-D", "-a", socket }, RedirectStandardOutput = true })!;
        try
        {
            for (var i = 0; i < 100 && !File.Exists(socket); i++)
            {
                Thread.Sleep(20);
            }

            RunTool("ssh-add", new Dictionary<string, string> { ["SSH_AUTH_SOCK"] = socket }, "-q", Sshd.Identity);
            var options = fixture.Options with
            {
                IdentityFile = null,
                Environment = new Dictionary<string, string?> { ["SSH_AUTH_SOCK"] = socket },
            };

            using var session = SshSession.Open(fixture.At(Sshd.Home), options);
            Assert.True(session.Sftp.TryStat(Sshd.Home)!.Value.IsDirectory);
        }
        finally
        {
            agent.Kill();
            agent.WaitForExit();
        }
    }

    [Fact]
    public void An_ssh_config_alias_gives_host_name_user_port_and_key_and_a_relative_path_starts_at_the_login_folder()
    {
        using var folder = new TempFolder();
        var config = Path.Combine(folder.Path, "config");
        File.WriteAllText(config, $"""
            Host datahost
                HostName 127.0.0.1
                User {Sshd.User}
                Port {Sshd.Port}
                IdentityFile {Sshd.Identity}
                UserKnownHostsFile {Sshd.KnownHosts}
            """);
        var options = new SshOptions { ConfigFile = config, Environment = new Dictionary<string, string?> { ["SSH_AUTH_SOCK"] = null } };

        using var session = SshSession.Open(RemoteLocation.Parse("datahost:"), options);

        Assert.Equal($"ssh://127.0.0.1:{Sshd.Port}", session.CacheKey);
        Assert.False(session.Location.IsRelative);
        Assert.Equal(session.Sftp.RealPath("."), session.Location.Path);
        Assert.Equal($"ssh://datahost{session.Location.Path}", session.Location.Display);
        Assert.True(session.Sftp.TryStat(session.Location.Path)!.Value.IsDirectory);
    }

    [Fact]
    public void A_path_under_tilde_user_is_in_that_users_home_folder_as_scp_reads_it()
    {
        string home;
        using (var login = SshSession.Open(fixture.At("/"), fixture.Options))
        {
            home = login.Sftp.RealPath(".");
        }

        using var session = SshSession.Open(RemoteLocation.Parse(Sshd.Url($"/~{Sshd.User}/data/train.jsonl")), fixture.Options);
        var unknown = Assert.Throws<UserErrorException>(() => SshSession.Open(RemoteLocation.Parse(Sshd.Url("/~no-such-user-xyz/d")), fixture.Options));

        Assert.Equal(home.TrimEnd('/') + "/data/train.jsonl", session.Location.Path);
        Assert.Equal($"ssh://{Sshd.User}@localhost:{Sshd.Port}: no user no-such-user-xyz on the host (in ssh://{Sshd.User}@localhost:{Sshd.Port}/~no-such-user-xyz/d)",
            unknown.Message);
        Assert.Equal("check the user name after '~', or give the absolute path", unknown.Hint);
    }

    [Fact]
    public void A_closed_port_is_a_refused_connection()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var error = Assert.Throws<UserErrorException>(() => SshSession.Open(RemoteLocation.Parse($"ssh://127.0.0.1:{port}/x"), fixture.Options));

        Assert.Equal($"ssh://127.0.0.1:{port}: cannot connect to 127.0.0.1 port {port}: connection refused", error.Message);
    }

    [Fact]
    public void An_unknown_host_name_is_named()
    {
        var error = Assert.Throws<UserErrorException>(() => SshSession.Open(RemoteLocation.Parse("ssh://no-such-host.invalid/x"), fixture.Options));

        Assert.Equal("ssh://no-such-host.invalid: unknown host name no-such-host.invalid", error.Message);
        Assert.Equal("check the host name, or the HostName of its entry in the ssh config", error.Hint);
    }

    [Fact]
    public void Hostile_file_names_reach_a_remote_script_as_data_and_nothing_runs()
    {
        var folder = fixture.NewFolder();
        string[] names = ["a;touch pwned.jsonl", "$(touch pwned).jsonl", "`touch pwned`.jsonl", "new\nline 'single' \"double\".jsonl"];
        foreach (var (name, i) in names.Select((n, i) => (n, i)))
        {
            File.WriteAllText(Path.Combine(folder, name), "{\"i\":" + i + "}\n");
        }

        using var session = SshSession.Open(fixture.At(folder), fixture.Options);
        var script = new StringBuilder("cd " + ShellQuote.Quote(folder) + " || exit 3\n");
        foreach (var name in names)
        {
            script.Append("sha256sum < ").Append(ShellQuote.Quote(name)).Append('\n');
        }

        var run = session.Run(script.ToString());

        Assert.Equal(0, run.ExitCode);
        var expected = names.Select((n, i) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("{\"i\":" + i + "}\n"))) + "  -");
        Assert.Equal(expected, Encoding.UTF8.GetString(run.Output).TrimEnd('\n').Split('\n'));
        var home = session.Sftp.RealPath(".");
        foreach (var place in new[] { folder, Sshd.Home, home, Environment.CurrentDirectory })
        {
            Assert.False(File.Exists(Path.Combine(place, "pwned")), $"a command ran: {place}/pwned exists");
        }
    }

    [Fact]
    public void A_script_gets_its_input_and_gives_back_exit_code_and_stderr()
    {
        using var session = SshSession.Open(fixture.At(Sshd.Home), fixture.Options);

        var input = SshdFixture.RandomBytes(300_000, 5);
        var withInput = session.Run("cat\necho done >&2\nexit 7\n", input);
        var plain = session.Run("printf 'x%s' \"$(id -un)\"");

        Assert.Equal(7, withInput.ExitCode);
        Assert.Equal(input, withInput.Output);
        Assert.Equal("done\n", withInput.Error);
        Assert.Equal("x" + Sshd.User, Encoding.UTF8.GetString(plain.Output));
    }

    [Fact]
    public void A_script_whose_connection_ends_under_it_is_a_lost_connection_not_a_failed_ssh()
    {
        using var session = SshSession.Open(fixture.At(Sshd.Home), fixture.Options);

        // The script runs under the login shell (`sh -c 'sh -s'`), whose parent is the sshd process serving this connection:
        // killing that process cuts the connection mid-command.
        var error = Assert.Throws<UserErrorException>(() => session.Run("read -r _ _ _ serving _ < /proc/$PPID/stat\nkill -9 \"$serving\"\nsleep 5\n"));

        Assert.Equal($"ssh://{Sshd.User}@localhost:{Sshd.Port}: connection lost while a command ran on the host: Connection to localhost closed by remote host.", error.Message);
        Assert.Equal("run the same command again", error.Hint);
        Assert.NotNull(session.Sftp.TryStat(Sshd.Home)); // the SFTP connection is another one and still serves
    }

    private static void RunTool(string program, params string[] arguments) => RunTool(program, new Dictionary<string, string>(), arguments);

    private static void RunTool(string program, Dictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        foreach (var (k, v) in environment)
        {
            start.Environment[k] = v;
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} failed: {error}");
    }
}

/// <summary>A temporary folder deleted on dispose.</summary>
internal sealed class TempFolder(string prefix = "remote-") : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    public void Dispose() => Directory.Delete(Path, true);
}
