using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>TRAINPLAT_BIN: a run against the native binary never quietly tests another tool.</summary>
public sealed class ToolUnderTestTests
{
    [Fact]
    public void Processes_start_the_binary_in_TRAINPLAT_BIN_when_it_is_set_else_the_dll_under_dotnet()
    {
        var start = ToolUnderTest.StartInfo(Repo.Examples);
        if (ToolUnderTest.Binary is { } binary)
        {
            Assert.Equal(binary, start.FileName);
            Assert.Empty(start.ArgumentList);
        }
        else
        {
            Assert.Equal("dotnet", start.FileName);
            Assert.Equal([ToolUnderTest.Dll], start.ArgumentList);
        }

        var version = CliRun.Process(Repo.Examples, null, "--version");
        Assert.True(version.ExitCode == 0, version.ToString());
        Assert.Matches(@"^\d+\.\d+\.\d+", version.Out);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [Trait(ToolBuild.Trait, ToolBuild.JitOnly)]
    public void Unset_or_empty_means_the_JIT_build(string? value) => Assert.Null(ToolUnderTest.Resolve(value));

    [Fact]
    [Trait(ToolBuild.Trait, ToolBuild.JitOnly)]
    public void A_binary_that_is_missing_relative_a_folder_or_not_executable_fails_loudly_naming_it()
    {
        using var temp = new TempDir();
        var missing = Path.Combine(temp.Path, "trainplat");
        var e = Assert.Throws<InvalidOperationException>(() => ToolUnderTest.Resolve(missing));
        Assert.Equal($"TRAINPLAT_BIN is {missing}, which does not exist, so the end-to-end tests have no tool to run", e.Message.Split('\n')[0]);
        Assert.StartsWith("  hint: publish the native build there", e.Message.Split('\n')[1], StringComparison.Ordinal);

        e = Assert.Throws<InvalidOperationException>(() => ToolUnderTest.Resolve("bin/trainplat"));
        Assert.StartsWith("TRAINPLAT_BIN is 'bin/trainplat', a relative path", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<InvalidOperationException>(() => ToolUnderTest.Resolve(temp.Path));
        Assert.StartsWith($"TRAINPLAT_BIN is {temp.Path}, a folder", e.Message, StringComparison.Ordinal);
        Assert.Contains($"hint: name the executable itself, e.g. {missing}", e.Message, StringComparison.Ordinal);

        var script = temp.Write("trainplat", "#!/bin/sh\necho not the tool\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            e = Assert.Throws<InvalidOperationException>(() => ToolUnderTest.Resolve(script));
            Assert.StartsWith($"TRAINPLAT_BIN is {script}, which is not executable", e.Message, StringComparison.Ordinal);

            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        Assert.Equal(script, ToolUnderTest.Resolve(script));
    }
}
