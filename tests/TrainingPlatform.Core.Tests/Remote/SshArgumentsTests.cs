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

        var arguments = SshArguments.Common(RemoteLocation.Parse("host:x"), new SshOptions(), "aes128-gcm@openssh.com,aes128-ctr");
        Assert.Equal(["-o", "Ciphers=aes128-gcm@openssh.com,aes128-ctr"], arguments[^2..]);
    }

    [Theory]
    [InlineData("/plain/file", "/plain/file")]
    [InlineData("/with space/f", "\"/with space/f\"")]
    [InlineData("/q\"uote\\s", "\"/q\\\"uote\\\\s\"")]
    public void Config_words_are_quoted_as_ssh_splits_them(string value, string word) =>
        Assert.Equal(word, SshArguments.ConfigWord(value));
}
