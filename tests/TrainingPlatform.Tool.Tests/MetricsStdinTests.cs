using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>
/// <c>metrics log</c> once per step and <c>metrics log JOB --stdin</c> as a trainer uses them: real processes, a pipe into
/// the tool, a second process reading while the first streams, Ctrl-C, SIGTERM and <c>kill -9</c> in the middle.
/// </summary>
public sealed class MetricsStdinTests
{
    /// <summary>A job as a trainer logs into it: created, then running (a pending job's metrics are refused).</summary>
    private static string CreateJob(TempDir temp, bool start = true)
    {
        var create = CliRun.Process(temp.Path, null, "job", "create", "-r", "grpo_math_small", "-s", "7B", "-d", "train=data/train.jsonl");
        Assert.True(create.ExitCode == 0, create.ToString());
        var id = create.Out.Trim();
        if (start)
        {
            var running = CliRun.Process(temp.Path, null, "job", "update", id, "--status", "running");
            Assert.True(running.ExitCode == 0, running.ToString());
        }

        return id;
    }

    [Fact]
    public void A_stream_into_a_pending_job_is_refused_before_reading_unless_start_moves_it_to_running()
    {
        // Issue 17, B6: `metrics log` recorded into a pending job silently, as `metrics import` did.
        using var temp = TempDir.CopyOf(Repo.Examples);
        var job = CreateJob(temp, start: false);
        var refused = Pipe(temp.Path, "1 loss=1\n2 loss=0.5\n", "metrics", "log", job, "--stdin");
        Assert.Equal(2, refused.ExitCode);
        Assert.StartsWith($"trainplat: error: job {job} is still pending;", refused.Error, StringComparison.Ordinal);
        Assert.Contains("add --start to `trainplat metrics log`", refused.Error, StringComparison.Ordinal);
        Assert.Equal(0, Count(Show(temp, job), "loss"));

        var started = Pipe(temp.Path, "1 loss=1\n2 loss=0.5\n", "metrics", "log", job, "--stdin", "--start");
        Assert.True(started.ExitCode == 0, started.ToString());
        Assert.Equal(2, Count(Show(temp, job), "loss"));
        var show = JsonNode.Parse(CliRun.Process(temp.Path, null, "job", "show", job, "--format", "json").Out)!;
        Assert.Equal("running", show["status"]!.GetValue<string>());
    }

    /// <summary>The tool under test (<see cref="ToolUnderTest"/>) with standard input a pipe.</summary>
    private static Process Start(string workingDirectory, params string[] args)
    {
        var start = ToolUnderTest.StartInfo(workingDirectory);
        start.RedirectStandardInput = true;
        start.StandardInputEncoding = new UTF8Encoding(false);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        return Process.Start(start)!;
    }

    /// <summary>
    /// As <see cref="Start"/>, with SIGINT's default action restored in the tool, as a terminal gives it. A test run started
    /// in the background (`nohup`, `cmd &amp;` in a script: what a CI runner may do) inherits SIGINT ignored, and a process
    /// keeps an ignore it inherits, as the shell does, so Ctrl-C could not reach the tool; Debian's python3 (which
    /// test.sh installs) resets it and then becomes the tool (exec), so the signal goes to the tool itself.
    /// </summary>
    private static Process StartWithDefaultSignals(string workingDirectory, params string[] args)
    {
        var tool = ToolUnderTest.StartInfo(workingDirectory);
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            WorkingDirectory = tool.WorkingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
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

    /// <summary>Pipes <paramref name="input"/> into the tool, closes it, and waits for the end.</summary>
    private static CliResult Pipe(string workingDirectory, string input, params string[] args)
    {
        using var process = Start(workingDirectory, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        return Finish(process, stdout, stderr);
    }

    private static CliResult Finish(Process process, Task<string> stdout, Task<string> stderr)
    {
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("trainplat metrics log --stdin did not end");
        }

        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    private static JsonNode Show(TempDir temp, string job)
    {
        var show = CliRun.Process(temp.Path, null, "metrics", "show", job, "--format", "json");
        Assert.True(show.ExitCode == 0, show.ToString());
        return JsonNode.Parse(show.Out)!;
    }

    private static long Count(JsonNode show, string metric) =>
        show["metrics"]!.AsArray().Where(m => (string)m!["name"]! == metric).Select(m => (long)m!["count"]!).SingleOrDefault();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Signal(int pid, int signal);

    [Fact]
    public void A_training_loop_piped_in_is_recorded_to_the_last_line_with_a_summary_on_stderr()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var job = CreateJob(temp);
        var lines = new StringBuilder("# step loss reward (written by train.py)\n");
        for (var step = 0; step < 3000; step++)
        {
            lines.Append(step % 2 == 0 ? $"{step}" : $"step={step}").Append($"\tloss={2.0 / (step + 1)} reward={step / 3000.0}\r\n");
        }

        var result = Pipe(temp.Path, lines.ToString(), "metrics", "log", job, "--stdin");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Out);
        Assert.Equal($"trainplat: recorded 6,000 points for 2 metrics (loss, reward) from 3,001 lines into job {job}\n", result.Error);

        var show = Show(temp, job);
        Assert.Equal((3000L, 3000L), (Count(show, "loss"), Count(show, "reward")));
        var loss = show["metrics"]!.AsArray().Single(m => (string)m!["name"]! == "loss")!;
        Assert.Equal((2999L, 2.0 / 3000), ((long)loss["last_step"]!, (double)loss["last"]!));

        var json = Pipe(temp.Path, "3000 loss=nan reward=inf\n", "metrics", "log", job, "--stdin", "--format", "json");
        Assert.True(json.ExitCode == 0, json.ToString());
        Assert.Equal("", json.Error);
        var summary = JsonNode.Parse(json.Out)!;
        Assert.Equal((1L, 2L, 0L, 1, false), ((long)summary["lines"]!, (long)summary["points"]!, (long)summary["bad_lines"]!, (int)summary["transactions"]!, (bool)summary["interrupted"]!));
        Assert.Equal(3001L, Count(Show(temp, job), "loss"));
    }

    [Fact]
    public void A_bad_line_exits_2_with_its_line_and_column_and_keeps_the_lines_before_it_unless_skip_bad()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var job = CreateJob(temp);
        var bad = Pipe(temp.Path, "1 loss=1\n2 loss=0.5\n3 loss=abc\n4 loss=0.2\n", "metrics", "log", job, "--stdin");
        Assert.Equal(2, bad.ExitCode);
        Assert.Equal(
            "trainplat: error: <stdin>:3:8: 'loss=abc': 'abc' is not a number (NaN and inf are accepted); lines 1–2 were recorded, nothing after\n" +
            "  hint: fix what writes the line and send the rest again; --skip-bad records the good lines and reports the bad ones\n",
            bad.Error);
        Assert.Equal(2L, Count(Show(temp, job), "loss"));

        var skipped = Pipe(temp.Path, "5 loss=1\nloss=2\n7 loss=3\n", "metrics", "log", job, "--stdin", "--skip-bad");
        Assert.True(skipped.ExitCode == 0, skipped.ToString());
        Assert.StartsWith("<stdin>:2:1: the line starts with 'loss=2', not the step", skipped.Error, StringComparison.Ordinal);
        Assert.EndsWith($"recorded 2 points for 1 metric (loss) from 3 lines into job {job}; skipped 1 bad line\n", skipped.Error, StringComparison.Ordinal);
        Assert.Equal(4L, Count(Show(temp, job), "loss"));
    }

    [Fact]
    public void Usage_mistakes_and_a_wrong_job_are_refused_before_anything_is_read()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var job = CreateJob(temp);
        var both = Pipe(temp.Path, "1 loss=1\n", "metrics", "log", job, "--stdin", "--step", "3", "loss=1");
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("give neither --step nor name=value pairs with it", both.Error, StringComparison.Ordinal);

        var neither = CliRun.Process(temp.Path, null, "metrics", "log", job);
        Assert.Equal(2, neither.ExitCode);
        Assert.Contains("metrics log needs --step N and name=value pairs, or --stdin", neither.Error, StringComparison.Ordinal);

        var noJob = Pipe(temp.Path, "1 loss=1\n", "metrics", "log", "ffffffffffff", "--stdin");
        Assert.Equal(2, noJob.ExitCode);
        Assert.Contains("ffffffffffff", noJob.Error, StringComparison.Ordinal);
        Assert.Equal(0L, Count(Show(temp, job), "loss"));
    }

    [Fact]
    public void Once_per_step_the_same_step_logged_twice_keeps_both_points_and_the_later_value_counts()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var job = CreateJob(temp);
        foreach (var (step, loss) in new[] { (1, "0.9"), (2, "0.7"), (2, "0.6") })
        {
            var log = CliRun.Process(temp.Path, null, "metrics", "log", job, "--step", step.ToString(System.Globalization.CultureInfo.InvariantCulture), "loss=" + loss);
            Assert.True(log.ExitCode == 0 && log.Out.Length == 0 && log.Error.Length == 0, log.ToString());
        }

        var loss2 = Show(temp, job)["metrics"]!.AsArray().Single()!;
        Assert.Equal((3L, 2L, 0.6), ((long)loss2["count"]!, (long)loss2["last_step"]!, (double)loss2["last"]!));
        var text = CliRun.Process(temp.Path, null, "metrics", "show", job).Out;
        Assert.Contains("loss    3       0.9    0.6", text, StringComparison.Ordinal);
    }

    [Fact]
    public void While_a_trainer_streams_each_second_is_recorded_and_readable_by_another_process()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var job = CreateJob(temp);
        using var process = Start(temp.Path, "metrics", "log", job, "--stdin");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write("1 loss=1 reward=0\n2 loss=0.5 reward=0.1\n");
        process.StandardInput.Flush();

        // A second process sees the two steps within about a second, while the pipe stays open.
        var seen = 0L;
        var clock = Stopwatch.StartNew();
        while (seen < 2 && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            Thread.Sleep(250);
            seen = Count(Show(temp, job), "loss");
        }

        Assert.Equal(2L, seen);
        Assert.False(process.HasExited);

        process.StandardInput.Write("3 loss=0.25 reward=0.2\n");
        process.StandardInput.Close();
        var result = Finish(process, stdout, stderr);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(3L, Count(Show(temp, job), "loss"));
    }

    [Theory]
    [InlineData(2, 130)] // SIGINT, Ctrl-C
    [InlineData(15, 143)] // SIGTERM
    public void A_signal_records_every_complete_line_read_and_exits_128_plus_the_signal(int signal, int exitCode)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            Assert.Fail("signals are a POSIX test");
        }

        using var temp = TempDir.CopyOf(Repo.Examples);
        var job = CreateJob(temp);
        using var process = StartWithDefaultSignals(temp.Path, "metrics", "log", job, "--stdin", "--format", "json");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write("1 loss=1\n2 loss=0.5\n3 loss=0.25\n");
        process.StandardInput.Flush();
        var clock = Stopwatch.StartNew();
        while (Count(Show(temp, job), "loss") < 3 && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            Thread.Sleep(250); // until the tool is reading (its signal handlers are in place before it reads)
        }

        process.StandardInput.Write("4 loss=0.125\n5 loss=0.0625\n6 lo");
        process.StandardInput.Flush();
        Thread.Sleep(300); // read, and (an interval of 1 s) most likely not committed yet
        Assert.Equal(0, Signal(process.Id, signal));
        var result = Finish(process, stdout, stderr);
        Assert.True(result.ExitCode == exitCode, result.ToString());
        var summary = JsonNode.Parse(result.Out)!;
        Assert.True((bool)summary["interrupted"]!);
        Assert.Equal(5L, (long)summary["points"]!); // the partial sixth line is not a step
        Assert.Equal(5L, Count(Show(temp, job), "loss"));
    }

    [Fact]
    public void A_kill_9_in_the_middle_loses_at_most_the_last_second_and_leaves_a_sound_store()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var job = CreateJob(temp);
        using var process = Start(temp.Path, "metrics", "log", job, "--stdin");
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        var step = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(3))
        {
            for (var i = 0; i < 200; i++, step++)
            {
                process.StandardInput.Write($"{step} loss={1.0 / (step + 1)}\n");
            }

            process.StandardInput.Flush();
            Thread.Sleep(20);
        }

        var written = step;
        Thread.Sleep(1500); // more than the second after the last line
        process.Kill(); // SIGKILL: no chance to commit anything more
        process.WaitForExit();

        var check = CliRun.Process(temp.Path, null, "store", "check");
        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Equal((long)written, Count(Show(temp, job), "loss"));
    }
}
