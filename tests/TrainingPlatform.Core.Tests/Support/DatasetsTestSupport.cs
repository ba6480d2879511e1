using System.Diagnostics;
using TrainingPlatform.Core.Datasets;

namespace TrainingPlatform.Core.Tests.Support;

/// <summary>A temporary folder for dataset tests, deleted on dispose.</summary>
internal sealed class DatasetsTempDir : IDisposable
{
    public DatasetsTempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "trainplat-datasets-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string relative) => System.IO.Path.Combine(Path, relative);

    public string Write(string relative, string text) => Write(relative, System.Text.Encoding.UTF8.GetBytes(text));

    public string Write(string relative, byte[] bytes)
    {
        var full = File(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        System.IO.File.WriteAllBytes(full, bytes);
        return full;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}

/// <summary>A clock fixed one hour ahead, so files written by a test are outside the stat cache's racy window.</summary>
internal sealed class DatasetsClock(DateTimeOffset now) : TimeProvider
{
    public static DatasetsClock HourAhead() => new(DateTimeOffset.UtcNow.AddHours(1));

    public override DateTimeOffset GetUtcNow() => now;
}

internal static class DatasetsTools
{
    /// <summary>Runs a program and returns its stdout; fails the test on a non-zero exit.</summary>
    public static string Run(string program, IEnumerable<string> args, string? stdin = null, int timeoutSeconds = 120)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish in {timeoutSeconds} s");
        }

        Assert.True(process.ExitCode == 0, $"{program} exited {process.ExitCode}: {stderr.Result}");
        return stdout.Result;
    }

    /// <summary>sha256sum's (or sha512sum's) hash of each file, by full path.</summary>
    public static Dictionary<string, string> Sums(string tool, IReadOnlyList<string> files)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var batch in files.Chunk(100))
        {
            foreach (var line in Run(tool, batch).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var hash = line[..line.IndexOf(' ', StringComparison.Ordinal)];
                result[line[(hash.Length + 2)..]] = hash;
            }
        }

        return result;
    }

    public static DatasetSnapshot Snapshot(string path, string algorithm = SnapshotAlgorithms.Sha256, bool check = false, string? cache = null, TimeProvider? clock = null)
    {
        var snapshotter = new DatasetSnapshotter(clock ?? DatasetsClock.HourAhead(), cache);
        var snapshot = snapshotter.Snapshot(path, algorithm, check);
        snapshotter.SaveCache();
        return snapshot;
    }
}
