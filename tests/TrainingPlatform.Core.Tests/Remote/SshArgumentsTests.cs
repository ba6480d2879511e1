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
                "-o", "Ciphers=^aes128-gcm@openssh.com,aes256-gcm@openssh.com", "-o", "UserKnownHostsFile=\"/k h/known_hosts\"",
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

    [Theory]
    [InlineData("/plain/file", "/plain/file")]
    [InlineData("/with space/f", "\"/with space/f\"")]
    [InlineData("/q\"uote\\s", "\"/q\\\"uote\\\\s\"")]
    public void Config_words_are_quoted_as_ssh_splits_them(string value, string word) =>
        Assert.Equal(word, SshArguments.ConfigWord(value));
}
