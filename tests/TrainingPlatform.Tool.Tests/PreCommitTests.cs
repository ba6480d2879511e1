using System.Diagnostics;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>
/// Real pre-commit (Debian's 3.0.4 on CI) with this repository as the hook repository, given by path
/// and tag: the first commit builds the tool with `dotnet pack` (language: dotnet), later ones reuse it.
/// </summary>
// pre-commit builds and installs its own tool from the source (language: dotnet): not the build under test.
[Trait(ToolBuild.Trait, ToolBuild.JitOnly)]
[Collection(SourceTreeTests.Name)]
public sealed class PreCommitTests(SourceTreeCopy source)
{
    [Fact]
    public void Pre_commit_blocks_an_invalid_recipe_and_an_unbumped_change_and_lets_valid_ones_through()
    {
        using var home = new TempDir();
        using var repo = new GitWorkTree();
        repo.Write("trainplat.yaml", "apiVersion: trainplat/v1\nname: hooks\n");
        repo.Write(".pre-commit-config.yaml",
            $"""
            repos:
              - repo: {source.Path}
                rev: {SourceTreeCopy.Tag}
                hooks:
                  - id: trainplat-validate
                  - id: trainplat-check

            """);
        repo.Commit("setup");
        var install = Run(repo.Path, home.Path, "pre-commit", "install");
        Assert.True(install.ExitCode == 0, install.ToString());

        // An invalid recipe: the commit is refused and nothing is committed.
        repo.Write("recipes/lr_test.yaml", GitWorkTree.Recipe("lr_test", "1.0.0").Replace("learning_rate: 2.0e-4", "learning_rate: fast", StringComparison.Ordinal));
        repo.Git("add", "-A");
        var blocked = Commit(repo.Path, home.Path, "invalid recipe");
        Assert.True(blocked.ExitCode != 0, blocked.ToString());
        Assert.Contains("trainplat validate", blocked.Out + blocked.Error);
        Assert.Contains("recipes/lr_test.yaml:12:20: error TP0102", blocked.Out + blocked.Error);
        Assert.Equal("setup", repo.Git("log", "-1", "--format=%s").Trim());

        // Fixed: both hooks pass and the commit goes through.
        repo.Write("recipes/lr_test.yaml", GitWorkTree.Recipe("lr_test", "1.0.0"));
        repo.Git("add", "-A");
        var passed = Commit(repo.Path, home.Path, "valid recipe");
        Assert.True(passed.ExitCode == 0, passed.ToString());
        Assert.Equal("valid recipe", repo.Git("log", "-1", "--format=%s").Trim());

        // A learning-rate change without a version bump: trainplat-check refuses it.
        repo.Write("recipes/lr_test.yaml", GitWorkTree.Recipe("lr_test", "1.0.0", "1.0e-4"));
        repo.Git("add", "-A");
        var unbumped = Commit(repo.Path, home.Path, "unbumped");
        Assert.True(unbumped.ExitCode != 0, unbumped.ToString());
        Assert.Contains("recipes/lr_test.yaml:3:10: error TP0400: content changed but version 1.0.0 was not bumped", unbumped.Out + unbumped.Error);
        Assert.Equal("valid recipe", repo.Git("log", "-1", "--format=%s").Trim());
    }

    private static CliResult Commit(string cwd, string home, string message) =>
        Run(cwd, home, "git", "-c", "user.name=Test Author", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false", "commit", "-q", "-m", message);

    private static CliResult Run(string cwd, string home, string file, params string[] args)
    {
        var start = CliRun.StartInfo(file, cwd, args);
        GitWorkTree.Isolate(start);
        start.Environment["PRE_COMMIT_HOME"] = home;
        start.Environment["PRE_COMMIT_COLOR"] = "never";
        return CliRun.Exec(start, TimeSpan.FromMinutes(6));
    }
}
