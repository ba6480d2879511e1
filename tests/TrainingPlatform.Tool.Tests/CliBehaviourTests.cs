using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

public sealed class CliBehaviourTests
{
    [Fact]
    public void Version_prints_the_version()
    {
        var r = CliRun.InProcess(Repo.Examples, "--version");
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", r.Out);
    }

    [Theory]
    [InlineData("recipe", "list")]
    [InlineData("recipe", "show")]
    [InlineData("recipe", "new")]
    [InlineData("validate")]
    public void Every_command_has_help(params string[] command)
    {
        var r = CliRun.InProcess(Repo.Examples, [.. command, "--help"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Usage:", r.Out);
    }

    [Fact]
    public void An_unknown_command_exits_2_with_a_pointer_to_help()
    {
        var r = CliRun.InProcess(Repo.Examples, "recipes", "lst");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("trainplat: error:", r.Error);
        Assert.Contains("--help", r.Error);
    }

    [Theory]
    [InlineData("job lst", "trainplat: error: unknown command 'lst' for 'trainplat job'", "  hint: did you mean 'list'? Run 'trainplat job --help' for usage.")]
    [InlineData("job lst x", "trainplat: error: unknown command 'lst' for 'trainplat job'", "  hint: did you mean 'list'? Run 'trainplat job --help' for usage.")]
    [InlineData("rendr grpo_basic -s 7B", "trainplat: error: unknown command 'rendr'", "  hint: did you mean 'render'? Run 'trainplat --help' for usage.")]
    [InlineData("recipe shw grpo_basic", "trainplat: error: unknown command 'shw' for 'trainplat recipe'", "  hint: did you mean 'show'? Run 'trainplat recipe --help' for usage.")]
    [InlineData("job list --stauts running", "trainplat: error: unknown option '--stauts' for 'trainplat job list'", "  hint: did you mean '--status'? Run 'trainplat job list --help' for usage.")]
    [InlineData("job list --status runing", "trainplat: error: unknown status 'runing'", "  hint: did you mean 'running'? statuses: pending, running, succeeded, failed, cancelled")]
    [InlineData("job update abc123 --status suceeded", "trainplat: error: unknown status 'suceeded'", "  hint: did you mean 'succeeded'? statuses: pending, running, succeeded, failed, cancelled")]
    public void A_typo_in_a_command_option_or_status_gets_one_error_line_and_a_did_you_mean(string line, string error, string hint)
    {
        using var temp = new TempDir();
        var r = CliRun.InProcess(temp.Path, line.Split(' '));
        Assert.Equal(ExitCodes.UsageError, r.ExitCode);
        Assert.Equal("", r.Out);
        Assert.Equal(error + "\n" + hint + "\n", r.Error);
    }

    [Theory]
    [InlineData("job", "trainplat: error: 'trainplat job' needs a command: ")]
    [InlineData("data", "trainplat: error: 'trainplat data' needs a command: ")]
    [InlineData("", "trainplat: error: no command given; trainplat's commands: recipe, model, validate, render, ")]
    public void A_missing_command_is_said_once_with_the_commands_to_choose_from(string line, string error)
    {
        var r = CliRun.InProcess(Repo.Examples, line.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(ExitCodes.UsageError, r.ExitCode);
        Assert.Equal("", r.Out);
        var lines = r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith(error, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("Required command was not provided", r.Error, StringComparison.Ordinal);
        Assert.Equal($"  hint: Run 'trainplat {(line.Length > 0 ? line + " " : "")}--help' for usage.", lines[1]);
    }

    [Fact]
    public void A_word_close_to_nothing_gets_the_pointer_to_help_without_a_guess()
    {
        var r = CliRun.InProcess(Repo.Examples, "job", "xyzzyplugh");
        Assert.Equal(ExitCodes.UsageError, r.ExitCode);
        Assert.Equal("trainplat: error: unknown command 'xyzzyplugh' for 'trainplat job'\n  hint: Run 'trainplat job --help' for usage.\n", r.Error);
    }

    [Fact]
    public void A_missing_required_option_exits_2()
    {
        var r = CliRun.InProcess(Repo.Examples, "recipe", "new", "x");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--from", r.Error);
    }

    [Fact]
    public void The_suggest_directive_completes_subcommands()
    {
        var r = CliRun.InProcess(Repo.Examples, "[suggest:11]", "trainplat r");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("recipe", r.Out.Split('\n'));
    }
}
