using TrainingPlatform.Core.Remote;
using TrainingPlatform.Core.Tests.Support;

namespace TrainingPlatform.Core.Tests.Remote;

/// <summary>One private sshd shared by a test class, and the options that reach it with the test key.</summary>
public sealed class SshdFixture : IDisposable
{
    internal TestSshd Sshd { get; } = TestSshd.Start();

    /// <summary>The daemon's known_hosts and key; no ssh config of the machine, no agent of the user running the tests.</summary>
    internal SshOptions Options => new()
    {
        KnownHostsFile = Sshd.KnownHosts,
        IdentityFile = Sshd.Identity,
        ConfigFile = "/dev/null",
        Environment = new Dictionary<string, string?> { ["SSH_AUTH_SOCK"] = null },
    };

    internal RemoteLocation At(string path) => RemoteLocation.Parse(Sshd.Url(path));

    /// <summary>A new file in the daemon's home folder with <paramref name="bytes"/> (readable by the login).</summary>
    internal string NewFile(byte[] bytes, string? name = null)
    {
        var path = Path.Combine(Sshd.Home, name ?? Guid.NewGuid().ToString("N") + ".bin");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>A new folder in the home folder the login can write to.</summary>
    internal string NewFolder()
    {
        var path = Path.Combine(Sshd.Home, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead
            | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute
            | UnixFileMode.StickyBit);
        }

        return path;
    }

    internal static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public void Dispose() => Sshd.Dispose();
}
