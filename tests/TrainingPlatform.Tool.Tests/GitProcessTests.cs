using System.Text.Json.Nodes;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>
/// <c>check</c> and <c>recipe history</c> read files at commits through one <c>git cat-file --batch</c>
/// (issue 16): the number of git processes they start does not grow with the changed files or the commits.
/// Counted with a <c>git</c> wrapper first on PATH that logs each call and runs the real git.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // the git wrapper is a shell script
public sealed class GitProcessTests
{
    [Fact]
    public void Check_starts_as_many_git_processes_for_six_changed_recipes_as_for_one()
    {
        using var one = RepositoryWithRecipes(6);
        one.Write("recipes/r0.yaml", GitWorkTree.Recipe("r0", "1.1.0", "1.0e-4"));
        var (first, firstCalls) = CountGit(one.Path, "check", "--base", "main", "--sizes", "7B");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("Checked 1 changed recipe against main", first.Out);

        using var six = RepositoryWithRecipes(7);
        for (var i = 0; i < 4; i++)
        {
            six.Write($"recipes/r{i}.yaml", GitWorkTree.Recipe($"r{i}", "1.1.0", "1.0e-4"));
        }

        six.Delete("recipes/r4.yaml");
        six.Git("mv", "recipes/r5.yaml", "recipes/r5_moved.yaml");
        six.Write("recipes/r5_moved.yaml", GitWorkTree.Recipe("r5_moved", "1.0.0", "6.0e-4"));
        var (second, secondCalls) = CountGit(six.Path, "check", "--base", "main", "--sizes", "7B");
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("Checked 6 changed recipes against main", second.Out);
        Assert.Contains("recipes/r4.yaml: r4 1.0.0 (deleted)", second.Out); // the base file was read: its id and version
        Assert.Contains("r5_moved 1.0.0 → 1.0.0 (renamed from recipes/r5.yaml, content unchanged)", second.Out);

        Assert.Equal(firstCalls.Count, secondCalls.Count);
        Assert.Single(secondCalls, c => c.Contains("cat-file --batch", StringComparison.Ordinal));
        Assert.DoesNotContain(secondCalls, c => c.Contains(" show ", StringComparison.Ordinal));
    }

    [Fact]
    public void Recipe_history_starts_as_many_git_processes_for_eight_commits_as_for_two()
    {
        using var two = History(2);
        var (first, firstCalls) = CountGit(two.Path, "recipe", "history", "lr_test");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.StartsWith("recipes/lr_test.yaml (lr_test): 2 commits, 2 versions\n", first.Out);

        using var eight = History(8);
        var (second, secondCalls) = CountGit(eight.Path, "recipe", "history", "lr_test");
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.StartsWith("recipes/lr_test.yaml (lr_test): 8 commits, 8 versions\n", second.Out);

        Assert.Equal(firstCalls.Count, secondCalls.Count);
        Assert.Single(secondCalls, c => c.Contains("cat-file --batch", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_reads_base_files_in_folders_with_spaces_and_non_ascii_names()
    {
        using var repo = new GitWorkTree();
        repo.Write("trainplat.yaml", "apiVersion: trainplat/v1\nname: checks\n");
        repo.Write("recipes/équipe a/lr_test.yaml", GitWorkTree.Recipe("lr_test", "1.2.0"));
        repo.Write("recipes/équipe a/gone.yaml", GitWorkTree.Recipe("gone", "2.0.0"));
        repo.Write("recipes/old place/moved.yaml", GitWorkTree.Recipe("moved", "1.0.0"));
        repo.Commit("recipes");
        repo.Write("recipes/équipe a/lr_test.yaml", GitWorkTree.Recipe("lr_test", "1.2.0", "1.0e-4"));
        repo.Delete("recipes/équipe a/gone.yaml");
        repo.Git("mv", "recipes/old place", "recipes/nouvelle école");

        var r = CliRun.InProcess(repo.Path, "check", "--base", "main", "--sizes", "7B", "--format", "json");
        Assert.True(r.ExitCode == 1, r.ToString()); // the learning rate changed without a version bump
        var recipes = JsonNode.Parse(r.Out)!["recipes"]!.AsArray();
        var byPath = recipes.ToDictionary(x => x!["path"]!.GetValue<string>(), x => x!);
        Assert.Equal(["recipes/nouvelle école/moved.yaml", "recipes/équipe a/gone.yaml", "recipes/équipe a/lr_test.yaml"], byPath.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("1.2.0", byPath["recipes/équipe a/lr_test.yaml"]["base_version"]!.GetValue<string>());
        Assert.Equal("2.0.0", byPath["recipes/équipe a/gone.yaml"]["base_version"]!.GetValue<string>());
        Assert.Equal("recipes/old place/moved.yaml", byPath["recipes/nouvelle école/moved.yaml"]["old_path"]!.GetValue<string>());
        Assert.Equal("1.0.0", byPath["recipes/nouvelle école/moved.yaml"]["base_version"]!.GetValue<string>());

        var text = CliRun.InProcess(repo.Path, "check", "--base", "main", "--sizes", "7B");
        Assert.Contains("recipes/équipe a/lr_test.yaml:3:10: error TP0400: content changed but version 1.2.0 was not bumped\n", text.Out);
        Assert.Contains("recipes/équipe a/gone.yaml: gone 2.0.0 (deleted)", text.Out);
    }

    [Fact]
    public void History_reads_every_commit_of_a_recipe_in_a_folder_with_spaces_and_non_ascii_names_across_a_rename()
    {
        using var repo = new GitWorkTree();
        repo.Write("recipes/old place/lr_test.yaml", GitWorkTree.Recipe("lr_test", "1.0.0"));
        repo.Commit("first");
        repo.Git("mv", "recipes/old place", "recipes/équipe a");
        repo.Commit("move");
        repo.Write("recipes/équipe a/lr_test.yaml", GitWorkTree.Recipe("lr_test", "1.1.0", "1.0e-4"));
        repo.Commit("lower the learning rate");

        var r = CliRun.InProcess(repo.Path, "recipe", "history", "recipes/équipe a/lr_test.yaml", "--format", "json");
        Assert.True(r.ExitCode == 0, r.ToString());
        var revisions = JsonNode.Parse(r.Out)!["revisions"]!.AsArray();
        Assert.Equal(["recipes/équipe a/lr_test.yaml", "recipes/équipe a/lr_test.yaml", "recipes/old place/lr_test.yaml"],
            revisions.Select(v => v!["path"]!.GetValue<string>()));
        Assert.Equal(["1.1.0", "1.0.0", "1.0.0"], revisions.Select(v => v!["version"]!.GetValue<string>()));
        Assert.Equal(["content changed", "comments or formatting only", "first version"], revisions.Select(v => v!["note"]!.GetValue<string>()));
    }

    [Fact]
    public void The_blob_reader_answers_files_missing_paths_and_folders_in_one_process()
    {
        using var repo = new GitWorkTree();
        repo.Write("a dir/é.yaml", "x: 1\n");
        repo.Write("b.txt", "");
        var first = repo.Commit("first");
        repo.Write("a dir/é.yaml", "x: 2\n");
        var second = repo.Commit("second");

        var git = GitRepository.Open(repo.Path);
        using var reader = git.OpenBlobReader();
        Assert.Equal("x: 1\n", System.Text.Encoding.UTF8.GetString(reader.Read(first, "a dir/é.yaml")!));
        Assert.Equal("x: 2\n", System.Text.Encoding.UTF8.GetString(reader.Read(second, "a dir/é.yaml")!));
        Assert.Empty(reader.Read(second, "b.txt")!);
        Assert.Null(reader.Read(second, "no such file.yaml"));
        Assert.Null(reader.Read(second, "a dir")); // a folder is no file
        Assert.Null(reader.Read(second, "new\nline.yaml")); // a name --batch cannot take: read on its own
        Assert.Equal("x: 1\n", System.Text.Encoding.UTF8.GetString(reader.Read(first, "a dir/é.yaml")!));
    }

    private static GitWorkTree RepositoryWithRecipes(int count)
    {
        var repo = new GitWorkTree();
        repo.Write("trainplat.yaml", "apiVersion: trainplat/v1\nname: checks\n");
        for (var i = 0; i < count; i++)
        {
            repo.Write($"recipes/r{i}.yaml", GitWorkTree.Recipe($"r{i}", "1.0.0", $"{i + 1}.0e-4")); // distinct, so git pairs renames right
        }

        repo.Commit("recipes");
        repo.Git("checkout", "-q", "-b", "feature");
        return repo;
    }

    private static GitWorkTree History(int commits)
    {
        var repo = new GitWorkTree();
        for (var i = 0; i < commits; i++)
        {
            repo.Write("recipes/lr_test.yaml", GitWorkTree.Recipe("lr_test", $"1.{i}.0", $"{i + 1}.0e-5"));
            repo.Commit($"version 1.{i}.0");
        }

        return repo;
    }

    /// <summary>Runs the built tool with a git wrapper first on PATH; returns the result and the git calls (one line of arguments each).</summary>
    private static (CliResult Result, IReadOnlyList<string> Calls) CountGit(string workingDirectory, params string[] args)
    {
        using var bin = new TempDir();
        var realGit = RealGit();
        var log = Path.Combine(bin.Path, "calls.log");
        var wrapper = bin.Write("git", $"#!/bin/sh\necho \"$*\" >> '{log}'\nexec '{realGit}' \"$@\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var path = bin.Path + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        var result = CliRun.Process(workingDirectory, new Dictionary<string, string> { ["PATH"] = path }, args);
        var calls = File.Exists(log) ? File.ReadAllLines(log) : [];
        Assert.NotEmpty(calls); // the wrapper was used
        return (result, calls);
    }

    private static string RealGit() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "git"))
            .First(File.Exists);
}
