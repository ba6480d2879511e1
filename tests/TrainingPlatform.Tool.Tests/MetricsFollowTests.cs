using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>
/// <c>metrics import JOB PATH --follow</c> as a trainer uses it (issue 18, item 2): the tool runs as a real process while
/// the test writes the log in bursts, lines cut in the middle between bursts; it is stopped by SIGTERM, by Ctrl-C, by
/// <c>kill -9</c>, started again, and ends by itself when the job is marked finished. At the end every complete record is
/// stored exactly once.
/// </summary>
public sealed class MetricsFollowTests
{
    private static string CreateRunningJob(TempDir temp)
    {
        var create = CliRun.Process(temp.Path, null, "job", "create", "-r", "grpo_math_small", "-s", "7B", "-d", "train=data/train.jsonl");
        Assert.True(create.ExitCode == 0, create.ToString());
        var id = create.Out.Trim();
        var running = CliRun.Process(temp.Path, null, "job", "update", id, "--status", "running");
        Assert.True(running.ExitCode == 0, running.ToString());
        return id;
    }

    /// <summary>The tool under test with SIGINT's default action restored (see MetricsStdinTests.StartWithDefaultSignals).</summary>
    private static Process Start(string workingDirectory, params string[] args)
    {
        var tool = ToolUnderTest.StartInfo(workingDirectory);
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            WorkingDirectory = tool.WorkingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])");
        start.ArgumentList.Add(tool.FileName);
        foreach (var a in tool.ArgumentList.Concat(args))
        {
            start.ArgumentList.Add(a);
        }

        foreach (var (name, value) in tool.Environment)
        {
            start.Environment[name] = value;
        }

        return Process.Start(start)!;
    }

    private sealed record Follower(Process Process, Task<string> Out, Task<string> Error) : IDisposable
    {
        public CliResult Finish()
        {
            if (!Process.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                Process.Kill(entireProcessTree: true);
                throw new TimeoutException("trainplat metrics import --follow did not end");
            }

            return new CliResult(Process.ExitCode, Out.Result, Error.Result);
        }

        public void Dispose() => Process.Dispose();
    }

    private static Follower Follow(TempDir temp, string job, string path, params string[] more)
    {
        var process = Start(temp.Path, ["metrics", "import", job, path, "--follow", .. more]);
        return new Follower(process, process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Signal(int pid, int signal);

    /// <summary>Appends as a trainer does: bytes on the end of the file, flushed (a line may stop anywhere).</summary>
    private static void Append(string path, string text)
    {
        using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        file.Write(Encoding.UTF8.GetBytes(text));
    }

    private static string Record(int step) =>
        string.Create(CultureInfo.InvariantCulture, $"{{\"step\": {step}, \"loss\": {1.0 / (step + 1)}, \"train\": {{\"reward\": {step * 0.01}}}}}\n");

    /// <summary>A trainer writing records in bursts; each burst stops halfway through its last record, which the next burst completes.</summary>
    private sealed class Trainer(string path)
    {
        private string _tail = "";

        public int Next { get; private set; }

        /// <summary>Writes the records up to <paramref name="to"/> in bursts of <paramref name="burst"/>; all of them complete at the end.</summary>
        public void Write(int to, int burst)
        {
            while (Next < to)
            {
                var text = new StringBuilder(_tail);
                var end = Math.Min(to, Next + burst);
                for (; Next < end; Next++)
                {
                    text.Append(Record(Next));
                }

                var all = text.ToString();
                var keep = Record(end - 1).Length / 2;
                Append(path, all[..^keep]);
                _tail = all[^keep..];
                Thread.Sleep(40);
            }

            Append(path, _tail);
            _tail = "";
        }

        /// <summary>Writes the first <paramref name="length"/> characters of the next record and stops there.</summary>
        public void Cut(int length)
        {
            var record = Record(Next++);
            Append(path, record[..length]);
            _tail = record[length..];
        }
    }

    /// <summary>The stored steps of a metric, in order, as the store returns them (a duplicate shows twice).</summary>
    private static long[] Steps(TempDir temp, string job, string metric)
    {
        using var store = LineageStore.OpenForReading(Path.Combine(temp.Path, ".trainplat", "lineage.db"), new StoreOpenOptions(TimeProvider.System));
        return [.. store.ReadMetrics(job, metric).Select(p => p.Step)];
    }

    private static void WaitFor(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "waited a minute for " + what);
            Thread.Sleep(100);
        }
    }

    [Fact]
    public void Bursts_with_cut_lines_are_stored_exactly_once_through_sigterm_kill_9_a_restart_and_the_job_marked_finished()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            Assert.Fail("signals are a POSIX test");
        }

        using var temp = TempDir.CopyOf(Repo.Examples);
        var job = CreateRunningJob(temp);
        var log = Path.Combine(temp.Path, "train.jsonl");
        File.WriteAllText(log, "");
        var trainer = new Trainer(log);

        // 1. A follower reads the bursts; SIGTERM ends it after it recorded every complete record (exit 143).
        using (var first = Follow(temp, job, "train.jsonl", "--format", "json"))
        {
            trainer.Write(200, 50);
            WaitFor(() => Steps(temp, job, "loss").Length == 200, "the first 200 records");
            trainer.Write(260, 20);
            trainer.Cut(10); // record 260, cut: not a record yet
            Thread.Sleep(300);
            Assert.Equal(0, Signal(first.Process.Id, 15));
            var result = first.Finish();
            Assert.True(result.ExitCode == 143, result.ToString());
            var summary = JsonNode.Parse(result.Out)!;
            Assert.True((bool)summary["interrupted"]!);
            Assert.Equal(520L, (long)summary["points"]!);
            Assert.Equal(Enumerable.Range(0, 260).Select(s => (long)s), Steps(temp, job, "loss"));
        }

        // 2. The trainer goes on while nothing follows; a second follower resumes after the last recorded record and is
        //    killed with SIGKILL in the middle of the bursts: what it committed stays, with its positions.
        trainer.Write(400, 25);
        using (var second = Follow(temp, job, "train.jsonl"))
        {
            WaitFor(() => Steps(temp, job, "loss").Length >= 400, "the records written while nothing followed");
            trainer.Write(700, 30);
            second.Process.Kill(); // SIGKILL: no last transaction
            Assert.Contains("trainplat: train.jsonl: resuming after line 260 (byte ", second.Finish().Error, StringComparison.Ordinal);
        }

        var afterKill = Steps(temp, job, "loss");
        Assert.Equal(Enumerable.Range(0, afterKill.Length).Select(s => (long)s), afterKill);

        // 3. A third follower resumes; the job is marked finished and it ends by itself (exit 0) after the last complete record.
        using (var third = Follow(temp, job, "train.jsonl"))
        {
            trainer.Write(800, 40);
            trainer.Cut(12); // the trainer died mid-line: never a record
            WaitFor(() => Steps(temp, job, "loss").Length == 800, "all 800 records");
            var finish = CliRun.Process(temp.Path, null, "job", "update", job, "--status", "succeeded");
            Assert.True(finish.ExitCode == 0, finish.ToString());
            var result = third.Finish();
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal("", result.Out);
            Assert.Matches($@"trainplat: recorded [\d,]+ points for 2 metrics \(loss, train/reward\) from [\d,]+ new lines of train\.jsonl into job {job}; the job was marked succeeded\n$", result.Error);
        }

        Assert.Equal(Enumerable.Range(0, 800).Select(s => (long)s), Steps(temp, job, "loss"));
        Assert.Equal(Enumerable.Range(0, 800).Select(s => (long)s), Steps(temp, job, "train/reward"));
        var check = CliRun.Process(temp.Path, null, "store", "check");
        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains("1 follow_positions", check.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Ctrl_c_records_what_is_complete_and_exits_130_and_a_finished_job_is_read_once_to_its_last_complete_line()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var job = CreateRunningJob(temp);
        Directory.CreateDirectory(Path.Combine(temp.Path, "logs"));
        var csv = Path.Combine(temp.Path, "logs", "eval.csv");
        File.WriteAllText(csv, "step,eval_loss\n1,0.9\n2,0.8\n3,0.");
        using (var follower = Follow(temp, job, "logs"))
        {
            WaitFor(() => Steps(temp, job, "eval_loss").Length == 2, "two rows");
            Assert.Equal(0, Signal(follower.Process.Id, 2));
            var result = follower.Finish();
            Assert.True(result.ExitCode == 130, result.ToString());
            Assert.Equal($"trainplat: interrupted: recorded 2 points for 1 metric (eval_loss) from 3 new lines of logs into job {job}\n", result.Error);
        }

        Append(csv, "7\n");
        Assert.True(CliRun.Process(temp.Path, null, "job", "update", job, "--status", "failed").ExitCode == 0);
        var again = CliRun.Process(temp.Path, null, "metrics", "import", job, "logs", "--follow");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(
            $"trainplat: logs/eval.csv: resuming after line 3 (byte 27), where the last --follow stopped\n" +
            $"trainplat: recorded 1 point for 1 metric (eval_loss) from 1 new line of logs into job {job}; the job was marked failed\n",
            again.Error);
        Assert.Equal([1L, 2, 3], Steps(temp, job, "eval_loss"));
    }

    [Fact]
    public void A_file_of_a_format_that_cannot_be_followed_or_that_does_not_exist_is_refused_before_anything_runs()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var job = CreateRunningJob(temp);
        var missing = CliRun.InProcess(temp.Path, "metrics", "import", job, "nope.jsonl", "--follow");
        Assert.Equal(ExitCodes.UsageError, missing.ExitCode);
        Assert.StartsWith("trainplat: error: nope.jsonl: no such file or folder", missing.Error, StringComparison.Ordinal);
        temp.Write("metrics.xlsx", "PK");
        var unknown = CliRun.InProcess(temp.Path, "metrics", "import", job, "metrics.xlsx", "--follow");
        Assert.Equal(ExitCodes.UsageError, unknown.ExitCode);
        Assert.Contains("unknown metrics format '.xlsx'", unknown.Error, StringComparison.Ordinal);
    }
}
