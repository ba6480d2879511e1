using System.Buffers.Binary;
using System.Text.Json.Nodes;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>
/// Issue 18: <c>metrics import</c> of TensorBoard event files and log folders, with the files TensorFlow 2 and PyTorch
/// wrote (tests/TrainingPlatform.Core.Tests/Fixtures/tensorboard, origins in its README).
/// </summary>
public sealed class TensorBoardImportTests
{
    private static readonly string Fixtures = Path.Combine(Repo.Root, "tests", "TrainingPlatform.Core.Tests", "Fixtures", "tensorboard");

    private const string Tf2Name = "events.out.tfevents.1585499054.Jaakkos-Mac-mini.local.11684.5.v2";

    private const string TorchName = "events.out.tfevents.1622543341.janoshs-mbp.lan.86862.0";

    private static string RunningJob(TempDir temp)
    {
        var create = CliRun.InProcess(temp.Path, "job", "create", "-r", "grpo_math_small", "-s", "7B", "-d", "train=data/train.jsonl");
        Assert.True(create.ExitCode == ExitCodes.Ok, create.ToString());
        var id = create.Out.Trim();
        Assert.Equal(ExitCodes.Ok, CliRun.InProcess(temp.Path, "job", "update", id, "--status", "running").ExitCode);
        return id;
    }

    private static void Copy(string from, TempDir temp, string to)
    {
        var target = Path.Combine(temp.Path, to);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Copy(from, target);
    }

    private static JsonArray Metrics(TempDir temp, string id) =>
        JsonNode.Parse(CliRun.InProcess(temp.Path, "metrics", "show", id, "--format", "json").Out)!["metrics"]!.AsArray();

    [Fact]
    public void A_tensorflow_2_event_file_imports_its_scalars_and_metrics_show_finds_them()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var id = RunningJob(temp);
        Copy(Path.Combine(Fixtures, "tf2", Tf2Name), temp, "logs/" + Tf2Name);

        var imported = CliRun.InProcess(temp.Path, "metrics", "import", id, "logs/" + Tf2Name);

        Assert.True(imported.ExitCode == ExitCodes.Ok, imported.ToString());
        Assert.Equal($"imported 100 points of 1 metric (my_metric) from logs/{Tf2Name} into job {id}\n", imported.Out);
        var metric = Assert.Single(Metrics(temp, id))!;
        Assert.Equal("my_metric", metric["name"]!.GetValue<string>());
        Assert.Equal(100, metric["count"]!.GetValue<long>());
        Assert.Equal(49.5, metric["last"]!.GetValue<double>());
        Assert.Contains("my_metric", CliRun.InProcess(temp.Path, "metrics", "show", id, "--name", "my_metric").Out, StringComparison.Ordinal);

        var again = CliRun.InProcess(temp.Path, "metrics", "import", id, "logs/" + Tf2Name);
        Assert.Contains("nothing added", again.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void A_log_folder_of_two_pytorch_runs_imports_each_run_under_its_folder_name()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var id = RunningJob(temp);
        Copy(Path.Combine(Fixtures, "torch", "run_1", TorchName), temp, "runs/run_1/" + TorchName);
        Copy(Path.Combine(Fixtures, "torch", "run_2", "events.out.tfevents.1622543341.janoshs-mbp.lan.86862.1"), temp, "runs/run_2/events.out.tfevents.1622543341.janoshs-mbp.lan.86862.1");

        var imported = CliRun.InProcess(temp.Path, "metrics", "import", id, "runs", "--format", "json");

        Assert.True(imported.ExitCode == ExitCodes.Ok, imported.ToString());
        var report = JsonNode.Parse(imported.Out)!;
        Assert.Equal(200, report["points"]!.GetValue<long>());
        Assert.Equal(["run_1/strict/foo", "run_2/strict/foo"], report["metrics"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Equal(["run_1/strict/foo", "run_2/strict/foo"], Metrics(temp, id).Select(m => m!["name"]!.GetValue<string>()));
    }

    [Fact]
    public void Only_rename_and_prefix_name_a_log_folders_tags_as_for_every_reader_and_as_tensorboard_reads_an_odd_name()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var id = RunningJob(temp);
        Copy(Path.Combine(Fixtures, "torch", "run_1", TorchName), temp, "runs/run_1/" + TorchName);
        Copy(Path.Combine(Fixtures, "torch", "run_2", "events.out.tfevents.1622543341.janoshs-mbp.lan.86862.1"), temp, "runs/run_2/events.out.tfevents.1622543341.janoshs-mbp.lan.86862.1");
        Copy(Path.Combine(Fixtures, "tf2", Tf2Name), temp, "odd/scalars.bin");

        var imported = CliRun.InProcess(temp.Path, "metrics", "import", id, "runs", "--only", "run_2/*", "--rename", "run_2/strict/*=tb/*", "--prefix", "x/", "--format", "json");
        Assert.True(imported.ExitCode == ExitCodes.Ok, imported.ToString());
        Assert.Equal(["x/tb/foo"], JsonNode.Parse(imported.Out)!["metrics"]!.AsArray().Select(m => m!.GetValue<string>()));

        var unnamed = CliRun.InProcess(temp.Path, "metrics", "import", id, "odd/scalars.bin");
        Assert.Equal(ExitCodes.UsageError, unnamed.ExitCode);
        Assert.Contains("--as", unnamed.Error, StringComparison.Ordinal);
        var named = CliRun.InProcess(temp.Path, "metrics", "import", id, "odd/scalars.bin", "--as", "tensorboard");
        Assert.True(named.ExitCode == ExitCodes.Ok, named.ToString());
        Assert.Contains("100 points of 1 metric (my_metric)", named.Out, StringComparison.Ordinal);
        Assert.Equal(["my_metric", "x/tb/foo"], Metrics(temp, id).Select(m => m!["name"]!.GetValue<string>()));
    }

    [Fact]
    public void A_damaged_record_imports_nothing_names_file_and_offset_and_skip_bad_imports_the_rest()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var id = RunningJob(temp);
        var bytes = File.ReadAllBytes(Path.Combine(Fixtures, "torch", "run_1", TorchName));
        var offset = 0;
        for (var i = 0; i < 3; i++)
        {
            offset += 12 + (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(offset)) + 4;
        }

        bytes[offset + 30] ^= 0xFF;
        Directory.CreateDirectory(Path.Combine(temp.Path, "runs", "run_1"));
        File.WriteAllBytes(Path.Combine(temp.Path, "runs", "run_1", TorchName), bytes);

        var bad = CliRun.InProcess(temp.Path, "metrics", "import", id, "runs");

        Assert.Equal(ExitCodes.UsageError, bad.ExitCode);
        Assert.Equal(
            $"runs: run_1/{TorchName}, byte {offset}: the record's data (32 bytes) fails its CRC-32C check (the file is damaged); the record is skipped\n" +
            "trainplat: error: runs: 1 bad record; nothing was imported\n" +
            "  hint: fix the records above, or import the good ones with --skip-bad\n",
            bad.Error);
        Assert.Contains("has no metrics yet", CliRun.InProcess(temp.Path, "metrics", "show", id).Out, StringComparison.Ordinal);

        var skipped = CliRun.InProcess(temp.Path, "metrics", "import", id, "runs", "--skip-bad");
        Assert.True(skipped.ExitCode == ExitCodes.Ok, skipped.ToString());
        Assert.Equal($"imported 99 points of 1 metric (run_1/strict/foo) from runs into job {id}; skipped 1 bad record\n", skipped.Out);
    }
}
