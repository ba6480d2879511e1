using System.Diagnostics;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>
/// Issue 13 acceptance, "no command hangs": every data command and every command that walks the recipe folders,
/// as the built tool in its own process, against a FIFO, a link to /dev/zero, a folder holding a FIFO and link
/// loops (one link to itself; two <c>ln -s . loop</c> entries), each with a 10 s limit, finishing with the
/// documented exit code and a message naming the offending path. Before the fix each of these blocked.
/// </summary>
public sealed class SpecialFileTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    private static CliResult Run(string directory, params string[] args)
    {
        var start = ToolUnderTest.StartInfo(directory);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["TRAINPLAT_STORE_TIMEOUT"] = "5";
        return CliRun.Exec(start, Limit);
    }

    private static void Expect(string directory, int exitCode, string named, params string[] args)
    {
        var r = Run(directory, args);
        Assert.True(r.ExitCode == exitCode, $"trainplat {string.Join(' ', args)}: exit {r.ExitCode}, expected {exitCode}\n{r}");
        Assert.True((r.Out + r.Error).Contains(named, StringComparison.Ordinal), $"trainplat {string.Join(' ', args)} does not name '{named}'\n{r}");
        Assert.DoesNotContain("internal error", r.Error, StringComparison.Ordinal);
    }

    private static void MakeFifo(string path)
    {
        var r = CliRun.Program("mkfifo", Path.GetDirectoryName(path)!, path);
        Assert.True(r.ExitCode == 0, r.ToString());
    }

    private static TempDir Project(string recipes = "[recipes]")
    {
        var dir = new TempDir();
        dir.Write("trainplat.yaml", $"apiVersion: trainplat/v1\nname: special\nrecipes: {recipes}\n");
        Directory.CreateDirectory(Path.Combine(dir.Path, "recipes"));
        return dir;
    }

    [Fact]
    public void Data_commands_refuse_a_FIFO_and_a_dev_zero_link_given_as_PATH_with_exit_2()
    {
        using var project = Project();
        MakeFifo(Path.Combine(project.Path, "pipe.jsonl"));
        File.CreateSymbolicLink(Path.Combine(project.Path, "zero.jsonl"), "/dev/zero");
        File.CreateSymbolicLink(Path.Combine(project.Path, "self.jsonl"), "self.jsonl");
        project.Write("ok.jsonl", "{\"a\":1}\n");
        Expect(project.Path, 0, "ok.jsonl", "data", "snapshot", "ok.jsonl", "--name", "ok");

        foreach (var path in new[] { "pipe.jsonl", "zero.jsonl", "self.jsonl" })
        {
            var kind = path switch { "pipe.jsonl" => "a FIFO", "zero.jsonl" => "a character device", _ => "symbolic link loop" };
            Expect(project.Path, 2, $"{path}: ", "data", "snapshot", path);
            Expect(project.Path, 2, kind, "data", "snapshot", path, "--no-record");
            Expect(project.Path, 2, $"{path}: ", "data", "diff", "ok", path);
            Expect(project.Path, 2, $"{path}: ", "job", "create", "--recipe", "grpo_basic", "--model-size", "7B", "--dataset", "train=" + path);
        }

        Expect(project.Path, 0, "ok    e346432021b0", "data", "list");
        Expect(project.Path, 0, "ok@e346432021b0", "data", "show", "ok");
        Expect(project.Path, 0, "ok", "data", "status");
    }

    [Fact]
    public void Data_commands_name_every_special_entry_of_a_folder_and_exit_1()
    {
        using var project = Project();
        project.Write("data/a.jsonl", "{\"a\":1}\n");
        Expect(project.Path, 0, "data@", "data", "snapshot", "data");
        MakeFifo(Path.Combine(project.Path, "data", "pipe"));
        File.CreateSymbolicLink(Path.Combine(project.Path, "data", "zero"), "/dev/zero");
        File.CreateSymbolicLink(Path.Combine(project.Path, "data", "self"), "self");

        foreach (var named in new[] { "data/pipe: a FIFO (named pipe)", "data/zero: a symbolic link to a character device", "data/self: a symbolic link loop" })
        {
            Expect(project.Path, 1, named, "data", "snapshot", "data");
        }

        Expect(project.Path, 1, "data/pipe", "data", "status");
        Expect(project.Path, 1, "data/pipe", "data", "diff", "data", "data");
        Expect(project.Path, 1, "data/pipe", "job", "create", "--recipe", "grpo_basic", "--model-size", "7B", "--dataset", "train=data");
        Expect(project.Path, 0, "1 version of 1 dataset", "data", "list");
        Expect(project.Path, 0, "a.jsonl", "data", "show", "data");
    }

    [Fact]
    public void Folder_links_including_two_links_to_dot_are_recorded_not_followed()
    {
        using var project = Project();
        project.Write("data/a.jsonl", "{\"a\":1}\n");
        Directory.CreateSymbolicLink(Path.Combine(project.Path, "data", "loop"), ".");
        Directory.CreateSymbolicLink(Path.Combine(project.Path, "data", "loop2"), ".");
        Directory.CreateSymbolicLink(Path.Combine(project.Path, "data", "etc"), "/etc");

        Expect(project.Path, 0, "loop2    link", "data", "snapshot", "data");
        Expect(project.Path, 0, "-> /etc", "data", "show", "data");
        Expect(project.Path, 0, "1 version of 1 dataset", "data", "list");
        Expect(project.Path, 0, "1 unchanged", "data", "status");
        Expect(project.Path, 0, "same", "data", "diff", "data", "data");
        Expect(project.Path, 0, "loop", "data", "snapshot", "data", "--format", "json");

        File.CreateSymbolicLink(Path.Combine(project.Path, "data", "passwd"), "/etc/passwd");
        Expect(project.Path, 1, "data/passwd: a symbolic link to '/etc/passwd', outside the dataset folder", "data", "snapshot", "data");
        Expect(project.Path, 0, "passwd", "data", "snapshot", "data", "--follow-external", "--no-record");
    }

    [Fact]
    public void Recipe_commands_walk_recipe_folders_with_loops_FIFOs_and_dev_zero_without_hanging()
    {
        using var project = Project();
        var recipes = Path.Combine(project.Path, "recipes");
        Directory.CreateSymbolicLink(Path.Combine(recipes, "loop"), ".");
        Directory.CreateSymbolicLink(Path.Combine(recipes, "loop2"), ".");
        MakeFifo(Path.Combine(recipes, "pipe.yaml"));
        File.CreateSymbolicLink(Path.Combine(recipes, "zero.yaml"), "/dev/zero");
        File.CreateSymbolicLink(Path.Combine(recipes, "self.yaml"), "self.yaml");

        Expect(project.Path, 0, "recipes/pipe.yaml", "recipe", "list");
        Expect(project.Path, 0, "recipes/zero.yaml", "recipe", "list");
        Expect(project.Path, 2, "recipes/pipe.yaml:1:1: error TP0012: recipes/pipe.yaml is a FIFO (named pipe), not a regular file", "validate");
        Expect(project.Path, 2, "recipes/zero.yaml is a character device", "validate");
        Expect(project.Path, 2, "recipes/self.yaml cannot be read: it is a symbolic link loop", "validate");
        Expect(project.Path, 2, "recipes/pipe.yaml", "validate", "recipes");
        Expect(project.Path, 2, "recipes/pipe.yaml is a FIFO", "render", "recipes/pipe.yaml", "--model-size", "7B");
        Expect(project.Path, 2, "recipes/zero.yaml is a character device", "render", "recipes/zero.yaml", "--model-size", "7B");
        Expect(project.Path, 0, "grpo", "render", "grpo_basic", "--model-size", "7B");
    }

    [Theory]
    [InlineData("[/]", "'/'")]
    [InlineData("[..]", "'..'")]
    public void Recipe_folders_outside_the_project_are_an_error_naming_trainplat_yaml(string recipes, string entry)
    {
        using var project = Project(recipes);
        foreach (var args in new[] { new[] { "recipe", "list" }, ["validate"], ["render", "grpo_basic", "--model-size", "7B"] })
        {
            Expect(project.Path, 2, $"trainplat.yaml: recipes entry {entry} is outside the project", args);
        }
    }
}
