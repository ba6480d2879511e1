using System.Text.Json.Nodes;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>
/// Issue 17, B6: metrics into a job that is still pending were recorded silently. Now they are refused (exit 2, with the
/// two ways on) unless <c>--start</c> moves the job to running with them; <c>metrics log</c> had the same gap.
/// </summary>
public sealed class MetricsPendingJobTests
{
    private static string Create(TempDir temp)
    {
        var create = CliRun.InProcess(temp.Path, "job", "create", "-r", "grpo_math_small", "-s", "7B", "-d", "train=data/train.jsonl");
        Assert.True(create.ExitCode == ExitCodes.Ok, create.ToString());
        return create.Out.Trim();
    }

    private static string Status(TempDir temp, string id) =>
        JsonNode.Parse(CliRun.InProcess(temp.Path, "job", "show", id, "--format", "json").Out)!["status"]!.GetValue<string>();

    [Fact]
    public void Import_into_a_pending_job_says_it_is_pending_and_records_nothing_unless_start()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var id = Create(temp);
        temp.Write("m.jsonl", "{\"step\": 1, \"loss\": 1.0}\n{\"step\": 2, \"loss\": 0.8}\n");

        var refused = CliRun.InProcess(temp.Path, "metrics", "import", id, "m.jsonl");
        Assert.Equal(ExitCodes.UsageError, refused.ExitCode);
        Assert.Equal("", refused.Out);
        Assert.Equal(
            $"trainplat: error: job {id} is still pending; metrics belong to a job that has started, so nothing was recorded\n" +
            $"  hint: mark it running first (`trainplat job update {id} --status running`), or add --start to `trainplat metrics import` to do both\n",
            refused.Error);
        Assert.Contains("has no metrics yet", CliRun.InProcess(temp.Path, "metrics", "show", id).Out, StringComparison.Ordinal);
        Assert.Equal("pending", Status(temp, id));

        var started = CliRun.InProcess(temp.Path, "metrics", "import", id, "m.jsonl", "--start");
        Assert.True(started.ExitCode == ExitCodes.Ok, started.ToString());
        Assert.Equal($"imported 2 points of 1 metric (loss) from m.jsonl into job {id}; the job is running now (--start)\n", started.Out);
        Assert.Equal("running", Status(temp, id));
        var history = JsonNode.Parse(CliRun.InProcess(temp.Path, "job", "show", id, "--format", "json").Out)!["events"]!.AsArray();
        Assert.Equal("started by metrics import --start", history[^1]!["note"]!.GetValue<string>());

        // A running job takes metrics with or without --start, and --start then changes nothing.
        temp.Write("more.jsonl", "{\"step\": 3, \"loss\": 0.7}\n");
        var json = JsonNode.Parse(CliRun.InProcess(temp.Path, "metrics", "import", id, "more.jsonl", "--start", "--format", "json").Out)!;
        Assert.False(json["started"]!.GetValue<bool>());
        Assert.Equal(1, json["points"]!.GetValue<long>());
    }

    [Fact]
    public void Log_into_a_pending_job_is_refused_the_same_way_and_start_moves_it_to_running()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var id = Create(temp);
        var refused = CliRun.InProcess(temp.Path, "metrics", "log", id, "--step", "1", "loss=0.5");
        Assert.Equal(ExitCodes.UsageError, refused.ExitCode);
        Assert.StartsWith($"trainplat: error: job {id} is still pending;", refused.Error, StringComparison.Ordinal);
        Assert.Contains("add --start to `trainplat metrics log`", refused.Error, StringComparison.Ordinal);
        Assert.Equal("pending", Status(temp, id));

        var started = CliRun.InProcess(temp.Path, "metrics", "log", id, "--step", "1", "loss=0.5", "--start");
        Assert.True(started.ExitCode == ExitCodes.Ok, started.ToString());
        Assert.Equal("running", Status(temp, id));
        Assert.Contains("loss", CliRun.InProcess(temp.Path, "metrics", "show", id).Out, StringComparison.Ordinal);

        // Finished jobs still take metrics (a trainer's file is often imported after the run).
        Assert.Equal(ExitCodes.Ok, CliRun.InProcess(temp.Path, "job", "update", id, "--status", "succeeded").ExitCode);
        Assert.Equal(ExitCodes.Ok, CliRun.InProcess(temp.Path, "metrics", "log", id, "--step", "2", "loss=0.4").ExitCode);
    }
}
