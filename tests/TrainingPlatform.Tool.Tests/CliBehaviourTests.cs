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
