using System.Diagnostics;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>The built tool as a separate process, in temporary folders, as a user runs it.</summary>
public sealed class EndToEndTests
{
    [Fact]
    public void The_built_tool_validates_the_example_project()
    {
        using var project = TempDir.CopyOf(Repo.Examples);
        var r = CliRun.Process(project.Path, null, "validate");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("Checked 3 files: no problems found.\n", r.Out);
        Assert.Equal("", r.Error);
    }

    [Fact]
    public void Hostile_files_give_diagnostics_and_never_a_stack_trace()
    {
        using var project = TempDir.CopyOf(Repo.Examples);
        var depth = 100_000;
        project.Write("recipes/deep.yaml", "a: " + new string('[', depth) + new string(']', depth) + "\n");
        project.Write("recipes/tag.yaml", "a: !!python/object/apply:os.system [\"touch pwned\"]\n");
        project.Write("recipes/list.yaml", "- 1\n");
        File.WriteAllBytes(Path.Combine(project.Path, "recipes", "latin1.yaml"), [(byte)'a', (byte)':', (byte)' ', 0xE9, (byte)'\n']);
        Directory.CreateDirectory(Path.Combine(project.Path, "recipes", "folder.yaml"));

        var r = CliRun.Process(project.Path, null, "validate");
        Assert.Equal(1, r.ExitCode);
        Assert.DoesNotContain("   at ", r.Out + r.Error);
        Assert.Contains("recipes/deep.yaml:1:", r.Out);
        Assert.Contains("TP0006", r.Out);
        Assert.Contains("recipes/tag.yaml:1:4: error TP0007", r.Out);
        Assert.Contains("recipes/list.yaml:1:1: error TP0011", r.Out);
        Assert.Contains("recipes/latin1.yaml:1:4: error TP0002", r.Out);
        Assert.False(File.Exists(Path.Combine(project.Path, "pwned")));
    }

    [Fact]
    public void No_colour_when_the_output_is_redirected()
    {
        using var dir = new TempDir();
        dir.Write("bad.yaml", "apiVersion: trainplat/v2\n");
        var redirected = CliRun.Process(dir.Path, null, "validate", "bad.yaml");
        Assert.Contains("error", redirected.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", redirected.Out + redirected.Error, StringComparison.Ordinal);
    }

    // A terminal that a redirected process cannot have: in-process only.
    [Fact]
    [Trait(ToolBuild.Trait, ToolBuild.InProcessOnly)]
    public void Colour_on_a_terminal()
    {
        using var dir = new TempDir();
        dir.Write("bad.yaml", "apiVersion: trainplat/v2\n");
        using var output = new StringWriter();
        using var error = new StringWriter();
        Cli.Run(["validate", "bad.yaml"], new CliContext(output, error, dir.Path, Color: true, ErrorIsTerminal: true));
        Assert.Contains("\u001b[31merror\u001b[0m", output.ToString());
    }

}

public sealed class CompletionScriptTests
{
    [Fact]
    public void The_bash_script_completes_subcommands_and_options()
    {
        if (!File.Exists("/bin/bash"))
        {
            Assert.Fail("bash is required for this test");
        }

        var script = Path.Combine(Repo.Root, "completions", "trainplat.bash");
        var start = new ProcessStartInfo("/bin/bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Repo.Examples,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($$"""
            trainplat() { {{ToolUnderTest.ShellCommand}} "$@"; }
            source '{{script}}'
            COMP_LINE='trainplat recipe li'; COMP_POINT=${#COMP_LINE}; _trainplat_complete; printf '%s\n' "${COMPREPLY[@]}"
            COMP_LINE='trainplat validate --for'; COMP_POINT=${#COMP_LINE}; _trainplat_complete; printf '%s\n' "${COMPREPLY[@]}"
            """);
        var r = CliRun.Exec(start, TimeSpan.FromMinutes(1));
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("list", lines);
        Assert.Contains("--format", lines);
        Assert.DoesNotContain("show", lines);
    }
}
