using TrainingPlatform.Core.Remote;

namespace TrainingPlatform.Core.Tests.Remote;

public sealed class SshArgumentsTests
{
    [Fact]
    public void Every_option_is_its_own_argument_and_strict_checking_is_the_default()
    {
        var location = RemoteLocation.Parse("ssh://alice@host:2222/x");
        var options = new SshOptions { KnownHostsFile = "/k h/known_hosts", IdentityFile = "/keys/id_%u", ConfigFile = "/c/config" };

        var arguments = SshArguments.Common(location, options);

        Assert.Equal(
            [
                "-T", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "ForwardX11=no", "-o", "ForwardAgent=no",
                "-o", "PermitLocalCommand=no", "-o", "ClearAllForwardings=yes",
                "-o", "UserKnownHostsFile=\"/k h/known_hosts\"",
                "-i", "/keys/id_%%u", "-F", "/c/config", "-p", "2222", "-l", "alice",
            ],
            arguments);
    }

    [Fact]
    public void Accept_new_is_asked_for_and_nothing_else_is_added()
    {
        var arguments = SshArguments.Common(RemoteLocation.Parse("host:x"), new SshOptions { AcceptNewHostKey = true });

        Assert.Contains("StrictHostKeyChecking=accept-new", arguments);
        Assert.DoesNotContain("-p", arguments);
        Assert.DoesNotContain("-l", arguments);
    }

    [Fact]
    public void Aes_gcm_goes_first_among_the_ciphers_the_config_allows_and_nothing_is_added()
    {
        const string Default = "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com";
        Assert.Equal("aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr",
            SshConfig.PreferGcm(Default, aesInstructions: true));

        // A user's policy: only these two; the order changes, the set does not.
        Assert.Equal("aes256-gcm@openssh.com,aes256-ctr", SshConfig.PreferGcm("aes256-ctr,aes256-gcm@openssh.com", aesInstructions: true));

        Assert.Null(SshConfig.PreferGcm("aes256-ctr,chacha20-poly1305@openssh.com", aesInstructions: true)); // no AES-GCM allowed: left alone
        Assert.Null(SshConfig.PreferGcm("aes128-gcm@openssh.com,aes128-ctr", aesInstructions: true)); // already first
        Assert.Null(SshConfig.PreferGcm(Default, aesInstructions: false)); // no AES-NI: chacha20 is the faster one

        var resolved = new SshConfig("host", 22, null, "~/.ssh/known_hosts", null) { PreferredCiphers = "aes128-gcm@openssh.com,aes128-ctr" };
        var arguments = SshArguments.Common(RemoteLocation.Parse("host:x"), new SshOptions(), resolved);
        Assert.Equal(["-o", "Ciphers=aes128-gcm@openssh.com,aes128-ctr"], arguments[^2..]);
    }

    [Fact]
    public void Keepalive_and_connect_timeout_are_added_only_where_the_users_ssh_config_sets_none()
    {
        using var folder = new TempFolder();
        var plain = Path.Combine(folder.Path, "plain");
        var own = Path.Combine(folder.Path, "own");
        File.WriteAllText(plain, "Host *\n  User someone\n");
        File.WriteAllText(own, "Host *\n  ServerAliveInterval 7\n  ConnectTimeout 9\n");
        var location = RemoteLocation.Parse("ssh://data.example/x");

        var defaults = SshConfig.Resolve(location, new SshOptions { ConfigFile = plain });
        var users = SshConfig.Resolve(location, new SshOptions { ConfigFile = own, KeepAliveSeconds = 4 });

        Assert.Equal(15, defaults.KeepAliveSeconds);
        Assert.Equal(30, defaults.ConnectTimeoutSeconds);
        Assert.Equal(["-o", "ServerAliveInterval=15", "-o", "ConnectTimeout=30"], SshArguments.Common(location, new SshOptions(), defaults)[^4..]);
        Assert.Null(users.KeepAliveSeconds); // the user's own 7 s holds (ssh reads it from their config), not ours
        Assert.Null(users.ConnectTimeoutSeconds);
        Assert.DoesNotContain(SshArguments.Common(location, new SshOptions(), users), a => a.StartsWith("ServerAliveInterval", StringComparison.Ordinal));
    }

    [Fact]
    public void The_reason_given_for_a_failure_is_ssh_s_last_line_not_its_transfer_statistics()
    {
        const string Stderr = "debug1: channel 0: free\nConnection to localhost closed by remote host.\n"
            + "Transferred: sent 2848, received 2512 bytes, in 0.1 seconds\nBytes per second: sent 28012.8, received 24707.1\ndebug1: Exit status -1\n";
        Assert.Equal(": Connection to localhost closed by remote host.", SshFailure.LastLine(Stderr));
    }

    [Theory]
    [InlineData("/plain/file", "/plain/file")]
    [InlineData("/with space/f", "\"/with space/f\"")]
    [InlineData("/q\"uote\\s", "\"/q\\\"uote\\\\s\"")]
    public void Config_words_are_quoted_as_ssh_splits_them(string value, string word) =>
        Assert.Equal(word, SshArguments.ConfigWord(value));
}
