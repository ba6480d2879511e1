using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>Issue 13 item 12 (part): messages that say what is wrong instead of what .NET happened to throw.</summary>
public sealed class MessageTests
{
    private static string Tool => ToolUnderTest.ShellCommand;

    [Fact]
    public void A_closed_standard_output_is_named_as_such_with_exit_2()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);

        var closed = CliRun.Program("sh", temp.Path, "-c", $"{Tool} recipe list >&-");

        Assert.Equal(ExitCodes.UsageError, closed.ExitCode);
        Assert.Equal("trainplat: error: cannot write to standard output: it is closed (or open only for reading)\n" +
            "  hint: run the command with standard output open, or redirect it (> FILE, or > /dev/null to discard it)\n", closed.Error);
    }

    [Fact]
    public void A_command_that_writes_nothing_to_standard_output_still_runs_with_it_closed()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);

        var closed = CliRun.Program("sh", temp.Path, "-c", $"{Tool} render grpo_math_small -s 7B -o out.yaml >&-");

        Assert.True(closed.ExitCode == ExitCodes.Ok, closed.ToString());
        Assert.True(File.Exists(Path.Combine(temp.Path, "out.yaml")));
    }

    [Fact]
    public void A_file_name_that_is_not_utf8_is_reported_as_such_not_as_missing()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        Assert.Equal(0, CliRun.Program("sh", temp.Path, "-c", "cp recipes/sft_chat.yaml \"$(printf 'bad\\377.yaml')\" && printf '{\"a\":1}\\n' > \"data/$(printf 'x\\376.jsonl')\"").ExitCode);
        const string Why = "cannot be opened: its name is not valid UTF-8 (\uFFFD stands for the bytes that are not), and trainplat reads only UTF-8 file names";

        var validate = CliRun.Program("sh", temp.Path, "-c", $"{Tool} validate \"$(printf 'bad\\377.yaml')\"");
        Assert.Equal(ExitCodes.UsageError, validate.ExitCode);
        Assert.StartsWith($"trainplat: error: 'bad\uFFFD.yaml' {Why}\n  hint: rename it to a UTF-8 name", validate.Error, StringComparison.Ordinal);

        // Inside a dataset folder, an entry that cannot be read is a finding about the folder (exit 1), as a FIFO there is.
        var snapshot = CliRun.Program("sh", temp.Path, "-c", $"{Tool} data snapshot data");
        Assert.Equal(ExitCodes.Findings, snapshot.ExitCode);
        Assert.Contains($"x\uFFFD.jsonl: {Why}", snapshot.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("no such file", snapshot.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stat_cache_path_that_is_a_folder_is_an_error_naming_it_and_leaves_no_temporary_file()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var cache = Path.Combine(temp.Path, ".trainplat", "stat-cache.json");
        Directory.CreateDirectory(cache);

        var snapshot = CliRun.InProcess(temp.Path, "data", "snapshot", "data/train.jsonl");

        Assert.Equal(ExitCodes.UsageError, snapshot.ExitCode);
        Assert.Contains($"trainplat: error: the stat cache {cache} is a folder, not a file\n", snapshot.Error, StringComparison.Ordinal);
        Assert.Equal(["stat-cache.json"], Directory.EnumerateFileSystemEntries(Path.Combine(temp.Path, ".trainplat")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(ExitCodes.Ok, CliRun.InProcess(temp.Path, "data", "snapshot", "data/train.jsonl", "--no-cache").ExitCode);
        Assert.Empty(Directory.GetFiles(Path.Combine(temp.Path, ".trainplat"), "*.tmp"));
    }
}
