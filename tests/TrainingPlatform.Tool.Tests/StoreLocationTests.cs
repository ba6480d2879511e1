using System.Diagnostics;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>
/// Issue 13 items 3 and 4, through the built tool: a write that fails for lack of room leaves the store working for the
/// next command, and a store in a read-only place is read without a lock file and refused for writing at once.
/// </summary>
public sealed class StoreLocationTests
{
    private static string Quote(string s) => ToolUnderTest.Quote(s);

    /// <summary>Runs the built tool under bash with <paramref name="prefix"/> (a ulimit) before it.</summary>
    private static CliResult Shell(string folder, string prefix, params string[] args) =>
        CliRun.Program("bash", folder, "-c",
            // W^X maps code through a memory file that a file-size limit would stop; the limit is meant for the store.
            $"export DOTNET_EnableWriteXorExecute=0; trap '' XFSZ; {prefix} exec {ToolUnderTest.ShellCommand} {string.Join(' ', args.Select(Quote))}");

    private static string NewJob(string folder)
    {
        var create = CliRun.InProcess(folder, "job", "create", "-r", "grpo_math_small", "-s", "7B");
        Assert.True(create.ExitCode == 0, create.ToString());
        return create.Out.Trim();
    }

    [Fact]
    public void A_write_that_runs_out_of_room_records_nothing_says_so_and_the_next_command_works()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var id = NewJob(temp.Path);
        using (var metrics = new StreamWriter(Path.Combine(temp.Path, "big.jsonl")))
        {
            for (var step = 0; step < 60_000; step++)
            {
                metrics.Write($"{{\"step\":{step},\"loss\":{1.0 / (step + 1):R},\"reward\":{step * 0.001:R}}}\n");
            }
        }

        // A 1 MiB file-size limit: the import's write-ahead log cannot grow past it (EFBIG, as on a full disk).
        var full = Shell(temp.Path, "ulimit -f 2048;", "metrics", "import", id, "big.jsonl", "--start");
        Assert.True(full.ExitCode == ExitCodes.UsageError, full.ToString());
        Assert.Contains("could not write the lineage store", full.Error, StringComparison.Ordinal);
        Assert.Contains("nothing of this command was recorded", full.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("damaged", full.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", full.Error, StringComparison.Ordinal);

        // Still out of room: the same clear message, never "discarded page must be writable".
        var stillFull = Shell(temp.Path, "ulimit -f 2048;", "job", "update", id, "--status", "running");
        Assert.DoesNotContain("internal error", stillFull.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("discarded page", stillFull.Error, StringComparison.Ordinal);

        // Room again: the next commands work and nothing of the failed import is there.
        var update = CliRun.Process(temp.Path, null, "job", "update", id, "--note", "after the full disk");
        Assert.True(update.ExitCode == 0, update.ToString());
        Assert.Equal(ExitCodes.Ok, CliRun.Process(temp.Path, null, "store", "check").ExitCode);
        var show = CliRun.Process(temp.Path, null, "metrics", "show", id);
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.DoesNotContain("loss", show.Out, StringComparison.Ordinal);
        var again = CliRun.Process(temp.Path, null, "metrics", "import", id, "big.jsonl", "--start");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("120,000", again.Out + again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_store_on_a_read_only_file_system_is_read_without_a_lock_and_refused_for_writing_at_once()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var id = NewJob(temp.Path);
        var ro = Path.Combine(temp.Path, "ro");
        Directory.CreateDirectory(ro);
        using var readOnly = ReadOnlyFolder.Make(ro, Path.Combine(temp.Path, ".trainplat", "lineage.db"));
        var store = Path.Combine("ro", "lineage.db");

        var list = CliRun.InProcess(temp.Path, "job", "list", "--store", store);
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains(id, list.Out, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Ok, CliRun.InProcess(temp.Path, "job", "show", id, "--store", store).ExitCode);
        Assert.Equal(ExitCodes.Ok, CliRun.InProcess(temp.Path, "store", "check", "--store", store).ExitCode);

        var clock = Stopwatch.StartNew();
        var update = CliRun.InProcess(temp.Path, "job", "update", id, "--status", "running", "--store", store);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Equal(ExitCodes.UsageError, update.ExitCode);
        Assert.Contains($"the lineage store {Path.Combine(temp.Path, store)} is read-only here", update.Error, StringComparison.Ordinal);
        Assert.Contains("hint: commands that only read", update.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("another trainplat process", update.Error, StringComparison.Ordinal);
        Assert.Equal(["lineage.db"], Directory.EnumerateFileSystemEntries(ro).Select(Path.GetFileName));
    }

    [Fact]
    public void Job_create_with_standard_output_full_records_no_job_whose_id_nobody_saw()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var full = CliRun.Program("bash", temp.Path, "-c", $"exec {ToolUnderTest.ShellCommand} job create -r grpo_math_small -s 7B > /dev/full");
        Assert.True(full.ExitCode == ExitCodes.UsageError, full.ToString());
        Assert.Contains("could not write the new job's id to standard output", full.Error, StringComparison.Ordinal);
        Assert.Contains("the job was not recorded", full.Error, StringComparison.Ordinal);
        Assert.Equal("No jobs match.\n", CliRun.InProcess(temp.Path, "job", "list").Out);

        var written = CliRun.Process(temp.Path, null, "job", "create", "-r", "grpo_math_small", "-s", "7B");
        Assert.True(written.ExitCode == 0, written.ToString());
        Assert.Contains(written.Out.Trim(), CliRun.InProcess(temp.Path, "job", "list").Out, StringComparison.Ordinal);
    }

    /// <summary>
    /// A folder that cannot be written, holding a copy of a store (without its lock file): a read-only tmpfs when the
    /// tests run as root (permissions do not stop root), else the folder's write permission taken away.
    /// </summary>
    private sealed class ReadOnlyFolder : IDisposable
    {
        private readonly string _path;
        private readonly bool _mounted;

        private ReadOnlyFolder(string path, bool mounted)
        {
            _path = path;
            _mounted = mounted;
        }

        public static ReadOnlyFolder Make(string path, string storeToCopy)
        {
            var root = CliRun.Program("id", path, "-u").Out.Trim() == "0";
            if (root)
            {
                Run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", path);
                File.Copy(storeToCopy, Path.Combine(path, "lineage.db"));
                Run("mount", "-o", "remount,ro", path);
            }
            else
            {
                File.Copy(storeToCopy, Path.Combine(path, "lineage.db"));
                Run("chmod", "a-w", Path.Combine(path, "lineage.db"), path);
            }

            return new ReadOnlyFolder(path, root);
        }

        public void Dispose()
        {
            if (_mounted)
            {
                Run("umount", _path);
            }
            else
            {
                Run("chmod", "u+w", _path);
            }
        }

        private static void Run(string program, params string[] args)
        {
            var r = CliRun.Program(program, "/", args);
            Assert.True(r.ExitCode == 0, $"{program} {string.Join(' ', args)}: {r}");
        }
    }
}
