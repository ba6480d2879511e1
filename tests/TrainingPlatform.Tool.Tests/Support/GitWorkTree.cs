using System.Diagnostics;
using System.Globalization;

namespace TrainingPlatform.Tool.Tests.Support;

/// <summary>
/// A temporary git repository for end-to-end tests: a fixed identity and fixed, increasing commit
/// dates (so commit ids are the same on every run), and no global or system git configuration.
/// </summary>
internal sealed class GitWorkTree : IDisposable
{
    private readonly TempDir _dir = new();
    private int _commits;

    public GitWorkTree()
    {
        Git("init", "-q", "-b", "main");
    }

    public string Path => _dir.Path;

    public string Write(string relative, string text) => _dir.Write(relative, text);

    public void Delete(string relative) => File.Delete(System.IO.Path.Combine(Path, relative));

    /// <summary>Runs git here and fails the test when it fails.</summary>
    public string Git(params string[] args)
    {
        var r = RunHere(args);
        Assert.True(r.ExitCode == 0, $"git {string.Join(' ', args)}\n{r}");
        return r.Out;
    }

    /// <summary>Stages everything and commits it; returns the commit id.</summary>
    public string Commit(string message)
    {
        Git("add", "-A");
        Git("commit", "-q", "--no-verify", "-m", message);
        return Git("rev-parse", "HEAD").Trim();
    }

    /// <summary>Runs git in any folder with the test identity and no user configuration.</summary>
    public static CliResult Run(string cwd, params string[] args) => Exec(cwd, "2026-01-01T12:00:00+00:00", args);

    /// <summary>No user or system git configuration.</summary>
    public static void Isolate(ProcessStartInfo start)
    {
        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        start.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
    }

    private CliResult RunHere(string[] args)
    {
        var date = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero).AddDays(_commits).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
        if (args.Contains("commit"))
        {
            _commits++;
        }

        return Exec(Path, date, args);
    }

    private static CliResult Exec(string cwd, string date, string[] args)
    {
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = cwd,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-c", "user.name=Test Author", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false" }.Concat(args))
        {
            start.ArgumentList.Add(a);
        }

        Isolate(start);
        start.Environment["GIT_AUTHOR_DATE"] = date;
        start.Environment["GIT_COMMITTER_DATE"] = date;
        return CliRun.Exec(start, TimeSpan.FromMinutes(1));
    }

    /// <summary>A small valid recipe on top of the built-in sft_lora; <c>version</c> is on line 3.</summary>
    public static string Recipe(string id, string version, string learningRate = "2.0e-4") =>
        $"""
        apiVersion: trainplat/v1
        id: {id}
        version: {version}
        task: sft
        algorithm: lora
        tags: [sft]
        description: A test recipe.
        source: The tests.
        extends: sft_lora
        config:
          optimizer:
            learning_rate: {learningRate}  # a comment

        """;

    public void Dispose() => _dir.Dispose();
}
