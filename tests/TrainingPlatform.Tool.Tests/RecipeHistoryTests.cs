using System.Text.Json.Nodes;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

public sealed class RecipeHistoryTests
{
    [Fact]
    public void History_of_five_commits_lists_the_versions_and_flags_the_unbumped_change()
    {
        using var repo = new GitWorkTree();
        repo.Write("trainplat.yaml", "apiVersion: trainplat/v1\nname: history\n");
        repo.Write("recipes/lr_test.yaml", GitWorkTree.Recipe("lr_test", "1.0.0"));
        repo.Commit("first");
        repo.Write("recipes/lr_test.yaml", GitWorkTree.Recipe("lr_test", "1.1.0", "1.0e-4"));
        repo.Commit("lower the learning rate");
        repo.Write("recipes/lr_test.yaml", GitWorkTree.Recipe("lr_test", "1.1.0", "5.0e-5"));
        repo.Commit("lower it again, forgetting the version");
        repo.Write("recipes/lr_test.yaml", "# a comment only\n" + GitWorkTree.Recipe("lr_test", "1.1.0", "0.00005"));
        repo.Commit("comment and number spelling");
        repo.Write("recipes/lr_test.yaml", GitWorkTree.Recipe("lr_test", "1.2.0", "3.0e-5"));
        repo.Commit("bump");

        var r = CliRun.InProcess(repo.Path, "recipe", "history", "lr_test");
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("recipes/lr_test.yaml (lr_test): 5 commits, 3 versions", lines[0]);
        Assert.StartsWith("COMMIT   DATE        AUTHOR       VERSION  CONTENT HASH         NOTE", lines[1]);
        Assert.Equal(8, lines.Length);
        Assert.Matches(@"^[0-9a-f]{7}  2026-01-05  Test Author  1\.2\.0    sha256:[0-9a-f]{12}  content changed$", lines[2]);
        Assert.Matches(@"  1\.1\.0    sha256:[0-9a-f]{12}  comments or formatting only$", lines[3]);
        Assert.Matches(@"^[0-9a-f]{7}  2026-01-03  Test Author  1\.1\.0    sha256:[0-9a-f]{12}  ! content changed but version 1\.1\.0 was not bumped$", lines[4]);
        Assert.EndsWith("content changed", lines[5]);
        Assert.Matches(@"1\.0\.0    sha256:[0-9a-f]{12}  first version$", lines[6]);
        Assert.Contains("1 commit changed the content without bumping the version (marked !).", r.Out);

        var json = JsonNode.Parse(CliRun.InProcess(repo.Path, "recipe", "history", "lr_test", "--format", "json").Out)!;
        Assert.Equal(1, json["summary"]!["unbumped"]!.GetValue<int>());
        var revisions = json["revisions"]!.AsArray();
        Assert.Equal(["1.2.0", "1.1.0", "1.1.0", "1.1.0", "1.0.0"], revisions.Select(v => v!["version"]!.GetValue<string>()));
        Assert.Equal([false, false, true, false, false], revisions.Select(v => v!["unbumped"]!.GetValue<bool>()));
        Assert.Equal("lower it again, forgetting the version", revisions[2]!["subject"]!.GetValue<string>());
    }

    [Fact]
    public void History_follows_renames()
    {
        using var repo = new GitWorkTree();
        repo.Write("recipes/old_name.yaml", GitWorkTree.Recipe("old_name", "1.0.0"));
        repo.Commit("first");
        repo.Git("mv", "recipes/old_name.yaml", "recipes/new_name.yaml");
        repo.Write("recipes/new_name.yaml", GitWorkTree.Recipe("new_name", "1.0.1"));
        repo.Commit("rename");

        var json = JsonNode.Parse(CliRun.InProcess(repo.Path, "recipe", "history", "new_name", "--format", "json").Out)!;
        Assert.Equal(["recipes/new_name.yaml", "recipes/old_name.yaml"], json["revisions"]!.AsArray().Select(v => v!["path"]!.GetValue<string>()));
    }

    [Fact]
    public void History_of_a_built_in_or_outside_git_is_a_clear_error()
    {
        using var repo = new GitWorkTree();
        var builtIn = CliRun.InProcess(repo.Path, "recipe", "history", "sft_lora");
        Assert.Equal(2, builtIn.ExitCode);
        Assert.StartsWith("trainplat: error: 'sft_lora' is a built-in recipe", builtIn.Error);

        using var plain = new TempDir();
        plain.Write("recipes/x.yaml", GitWorkTree.Recipe("x", "1.0.0"));
        var outside = CliRun.InProcess(plain.Path, "recipe", "history", "x");
        Assert.Equal(2, outside.ExitCode);
        Assert.Contains("is not inside a git repository", outside.Error);
        Assert.DoesNotContain("   at ", outside.Error);
    }
}
