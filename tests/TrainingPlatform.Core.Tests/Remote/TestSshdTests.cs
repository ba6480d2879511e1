using System.Diagnostics;
using TrainingPlatform.Core.Tests.Support;

namespace TrainingPlatform.Core.Tests.Remote;

/// <summary>The private sshd the remote-dataset tests run against: it takes the test key, and nothing else.</summary>
public sealed class TestSshdTests
{
    [Fact]
    public void The_test_key_logs_in_and_a_root_login_or_an_unknown_key_is_refused()
    {
        using var sshd = TestSshd.Start();
        var ok = Ssh(sshd, sshd.User, sshd.Identity, "id -un");
        Assert.Equal(0, ok.ExitCode);
        Assert.Equal(sshd.User, ok.Output.Trim());

        var root = Ssh(sshd, "root", sshd.Identity, "id -un");
        Assert.Equal(255, root.ExitCode);
        Assert.Contains("Permission denied", root.Error, StringComparison.Ordinal);

        var other = Path.Combine(sshd.Folder, "other_key");
        using (var keygen = Process.Start("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", other]))
        {
            keygen.WaitForExit();
        }

        var stranger = Ssh(sshd, sshd.User, other, "id -un");
        Assert.Equal(255, stranger.ExitCode);
        Assert.Contains("Permission denied", stranger.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Rekey_changes_the_host_key_so_the_old_known_hosts_file_refuses_it()
    {
        using var sshd = TestSshd.Start();
        var before = sshd.HostKeyFingerprint;
        sshd.Rekey();
        Assert.NotEqual(before, sshd.HostKeyFingerprint);
        var refused = Ssh(sshd, sshd.User, sshd.Identity, "true");
        Assert.Equal(255, refused.ExitCode);
        Assert.Contains("REMOTE HOST IDENTIFICATION HAS CHANGED", refused.Error, StringComparison.Ordinal);
    }

    private static (int ExitCode, string Output, string Error) Ssh(TestSshd sshd, string user, string identity, string command)
    {
        var start = new ProcessStartInfo("ssh") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in new[]
        {
            "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + sshd.KnownHosts,
            "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-i", identity, "-p", sshd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-l", user, "--", "localhost", command,
        })
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }
}
