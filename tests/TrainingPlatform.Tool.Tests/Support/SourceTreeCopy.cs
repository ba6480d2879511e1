namespace TrainingPlatform.Tool.Tests.Support;

/// <summary>
/// This repository's current source tree (tracked and new files, as `git ls-files` sees them) committed
/// into a temporary git repository with a tag and a GitHub-style origin: a hook repository for
/// pre-commit and a clean place to pack, whatever the working tree holds uncommitted.
/// </summary>
public sealed class SourceTreeCopy : IDisposable
{
    public const string Tag = "v0.0.0-test";
    public const string Origin = "https://github.com/example/TrainingPlatform.Tool.git";

    private readonly TempDir _dir = new();
    private readonly TempDir _packages = new();
    private readonly Lazy<string> _packageFolder;

    public SourceTreeCopy()
    {
        _packageFolder = new(Pack);
        var list = GitWorkTree.Run(Repo.Root, "ls-files", "-z", "--cached", "--others", "--exclude-standard");
        Assert.True(list.ExitCode == 0, list.ToString());
        foreach (var relative in list.Out.Split('\0', StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal))
        {
            var source = System.IO.Path.Combine(Repo.Root, relative);
            if (!File.Exists(source) || relative.EndsWith(".received.txt", StringComparison.Ordinal))
            {
                continue; // deleted in the working tree, or a golden file under review
            }

            var target = System.IO.Path.Combine(Path, relative);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            File.Copy(source, target);
        }

        foreach (var args in new[]
                 {
                     new[] { "init", "-q", "-b", "main" },
                     ["add", "-A"],
                     ["commit", "-q", "--no-verify", "-m", "source tree under test"],
                     ["tag", Tag],
                     ["remote", "add", "origin", Origin],
                 })
        {
            var r = GitWorkTree.Run(Path, args);
            Assert.True(r.ExitCode == 0, $"git {string.Join(' ', args)}\n{r}");
        }

        Commit = GitWorkTree.Run(Path, "rev-parse", "HEAD").Out.Trim();
    }

    public string Path => _dir.Path;

    public string Commit { get; }

    /// <summary>
    /// A package folder outside the copy holding the tool's portable package, packed from the copy on first use (once
    /// per test run: the tests that install the tool share it).
    /// </summary>
    public string PackageFolder => _packageFolder.Value;

    public void Dispose()
    {
        _dir.Dispose();
        _packages.Dispose();
    }

    private string Pack()
    {
        var start = CliRun.StartInfo("dotnet", Path, ["pack", "tool/TrainingPlatform.Tool", "-c", "Release", "-o", _packages.Path, "-p:ContinuousIntegrationBuild=true"]);
        var pack = CliRun.Exec(start, TimeSpan.FromMinutes(10));
        Assert.True(pack.ExitCode == 0, pack.ToString());
        return _packages.Path;
    }
}

/// <summary>Tests that build the tool from <see cref="SourceTreeCopy"/>; they run one after the other.</summary>
[CollectionDefinition(Name)]
public sealed class SourceTreeTests : ICollectionFixture<SourceTreeCopy>
{
    public const string Name = "source tree copy";
}
