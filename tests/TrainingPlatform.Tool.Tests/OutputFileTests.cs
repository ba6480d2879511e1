using System.Security.Cryptography;
using TrainingPlatform.Tool.Output;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>Issue 13 item 2: `-o` never overwrites a command's input, and an output is written whole or not at all.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class OutputFileTests
{
    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    private static string CreateJob(string folder)
    {
        var create = CliRun.InProcess(folder, "job", "create", "-r", "grpo_math_small", "-s", "7B");
        Assert.True(create.ExitCode == ExitCodes.Ok, create.ToString());
        return create.Out.Trim();
    }

    [Theory]
    [InlineData(".trainplat/lineage.db", "the lineage store .trainplat/lineage.db")]
    [InlineData(".trainplat/lineage.db.lock", "the lock file of the lineage store .trainplat/lineage.db.lock")]
    [InlineData("store-link.db", "the lineage store .trainplat/lineage.db")]
    [InlineData("store-hardlink.db", "the lineage store .trainplat/lineage.db")]
    public void Job_export_refuses_an_output_that_is_the_store_or_its_lock_and_leaves_them_untouched(string output, string named)
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var id = CreateJob(temp.Path);
        var store = Path.Combine(temp.Path, ".trainplat", "lineage.db");
        File.CreateSymbolicLink(Path.Combine(temp.Path, "store-link.db"), store);
        Assert.Equal(0, CliRun.Program("ln", temp.Path, store, "store-hardlink.db").ExitCode);
        var before = Hash(store);

        var export = CliRun.InProcess(temp.Path, "job", "export", "--all", "-o", output);

        Assert.True(export.ExitCode == ExitCodes.UsageError, export.ToString());
        Assert.Equal($"trainplat: error: -o {output} would overwrite {named}, which `trainplat job export` reads\n  hint: write the output to another file\n", export.Error);
        Assert.Equal(before, Hash(store));
        Assert.Contains(id, CliRun.InProcess(temp.Path, "job", "list").Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Job_export_to_another_file_still_works_and_replaces_it_atomically()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var id = CreateJob(temp.Path);
        File.WriteAllText(Path.Combine(temp.Path, "jobs.jsonl"), "old");

        var export = CliRun.InProcess(temp.Path, "job", "export", "--all", "-o", "jobs.jsonl");

        Assert.True(export.ExitCode == ExitCodes.Ok, export.ToString());
        Assert.Contains(id, File.ReadAllText(Path.Combine(temp.Path, "jobs.jsonl")), StringComparison.Ordinal);
        Assert.Equal(["jobs.jsonl"], Directory.GetFiles(temp.Path, "*jobs.jsonl*").Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("recipes/grpo_math_small.yaml", "recipes/grpo_math_small.yaml", "the recipe file recipes/grpo_math_small.yaml")]
    [InlineData("recipes/grpo_math_small.yaml", "recipe-link.yaml", "the recipe file recipes/grpo_math_small.yaml")]
    [InlineData("grpo_math_small", "trainplat.yaml", "the project file trainplat.yaml")]
    public void Render_refuses_to_overwrite_the_recipe_it_renders_or_the_project_file(string recipe, string output, string named)
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var source = Path.Combine(temp.Path, "recipes", "grpo_math_small.yaml");
        File.CreateSymbolicLink(Path.Combine(temp.Path, "recipe-link.yaml"), source);
        var before = Hash(source) + Hash(Path.Combine(temp.Path, "trainplat.yaml"));

        var render = CliRun.InProcess(temp.Path, "render", recipe, "-s", "7B", "-o", output);

        Assert.True(render.ExitCode == ExitCodes.UsageError, render.ToString());
        Assert.Contains($"trainplat: error: -o {output} would overwrite {named}, which `trainplat render` reads\n  hint: write the output to another file\n", render.Error, StringComparison.Ordinal);
        Assert.Equal(before, Hash(source) + Hash(Path.Combine(temp.Path, "trainplat.yaml")));
    }

    [Fact]
    public void Render_into_a_link_replaces_the_file_it_points_to_and_keeps_the_link_and_the_mode()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var real = temp.Write("out/config.yaml", "old\n");
        File.SetUnixFileMode(real, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.CreateSymbolicLink(Path.Combine(temp.Path, "config.yaml"), real);

        var render = CliRun.InProcess(temp.Path, "render", "grpo_math_small", "-s", "7B", "-o", "config.yaml");

        Assert.True(render.ExitCode == ExitCodes.Ok, render.ToString());
        Assert.NotNull(new FileInfo(Path.Combine(temp.Path, "config.yaml")).LinkTarget);
        Assert.StartsWith("# Rendered by trainplat", File.ReadAllText(real), StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(real));
        Assert.Equal(["config.yaml"], Directory.GetFiles(Path.Combine(temp.Path, "out")).Select(Path.GetFileName));
    }

    // OutputFile in-process with a failing writer: no build runs.
    [Fact]
    [Trait(ToolBuild.Trait, ToolBuild.JitOnly)]
    public void A_failed_write_leaves_the_old_file_and_no_temporary_file()
    {
        using var temp = new TempDir();
        var path = temp.Write("out.jsonl", "the old content\n");

        Assert.Throws<IOException>(() => OutputFile.Write(path, stream =>
        {
            stream.Write("half of the new"u8);
            throw new IOException("No space left on device");
        }));

        Assert.Equal("the old content\n", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(temp.Path));
    }
}
