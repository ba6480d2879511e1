using System.Diagnostics;

namespace TrainingPlatform.Core.Tests.Support;

/// <summary>
/// A private sshd started for a test by tests/ssh/sshd.sh (Debian's openssh-server; ./test.sh installs it): 127.0.0.1
/// on a free port, its own host key and config, one login with one authorized key, stopped and deleted on dispose.
/// <see cref="Home"/> is a folder on the "remote" side (the same machine) that the login can read and write.
/// TrainingPlatform.Tool.Tests compiles this file too (a link in its project file).
/// </summary>
internal sealed class TestSshd : IDisposable
{
    private static readonly string Script = Path.Combine(RepoRoot(), "tests", "ssh", "sshd.sh");

    private TestSshd(string folder, IReadOnlyDictionary<string, string> settings)
    {
        Folder = folder;
        Port = int.Parse(settings["PORT"], System.Globalization.CultureInfo.InvariantCulture);
        User = settings["USER"];
        Home = settings["HOME"];
        Identity = settings["IDENTITY"];
        KnownHosts = settings["KNOWN_HOSTS"];
        HostKeyFingerprint = settings["HOST_KEY_FINGERPRINT"];
    }

    /// <summary>The folder holding the daemon's config, keys and log.</summary>
    public string Folder { get; }

    public int Port { get; }

    /// <summary>The login: <c>trainplat-ssh</c> when the tests run as root, else the user running them.</summary>
    public string User { get; }

    /// <summary>A folder the login can read and write (mode 1777): put the "remote" test data here.</summary>
    public string Home { get; }

    /// <summary>The client's private key, authorized by the daemon.</summary>
    public string Identity { get; }

    /// <summary>A known_hosts file that trusts the daemon as [127.0.0.1]:PORT and [localhost]:PORT.</summary>
    public string KnownHosts { get; }

    /// <summary>The host key's fingerprint, <c>SHA256:…</c> (changes with <see cref="Rekey"/>).</summary>
    public string HostKeyFingerprint { get; private set; }

    /// <summary><c>ssh://USER@localhost:PORT</c> followed by <paramref name="path"/> (absolute).</summary>
    public string Url(string path) => $"ssh://{User}@localhost:{Port}{path}";

    public static TestSshd Start()
    {
        var folder = Directory.CreateTempSubdirectory("trainplat-sshd.").FullName;
        var output = Run("start", folder);
        var settings = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1], StringComparer.Ordinal);
        return new TestSshd(folder, settings);
    }

    /// <summary>Ends every open connection; the daemon keeps listening (a dropped network link).</summary>
    public void Drop() => Run("drop", Folder);

    /// <summary>Stops the daemon and its connections without closing anything (a host gone silent) until <see cref="Thaw"/>.</summary>
    public void Freeze() => Run("freeze", Folder);

    public void Thaw() => Run("thaw", Folder);

    /// <summary>Restarts the daemon on the same port with a new host key (<see cref="KnownHosts"/> still names the old one).</summary>
    public void Rekey()
    {
        var output = Run("rekey", Folder);
        HostKeyFingerprint = output.Split('\n').Single(l => l.StartsWith("HOST_KEY_FINGERPRINT=", StringComparison.Ordinal))["HOST_KEY_FINGERPRINT=".Length..];
    }

    public void Dispose() => Run("stop", Folder);

    private static string RepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "TrainingPlatform.Tool.sln")))
        {
            dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("repository root not found");
        }

        return dir;
    }

    private static string Run(string command, string folder)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Script);
        start.ArgumentList.Add(command);
        start.ArgumentList.Add(folder);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"tests/ssh/sshd.sh {command} failed (exit {process.ExitCode}): {stderr.Result.Trim()} — the remote-dataset tests need Debian's openssh-server; ./test.sh installs it");
        }

        return stdout;
    }
}
