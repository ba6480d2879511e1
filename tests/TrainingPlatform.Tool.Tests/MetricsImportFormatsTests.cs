using System.Text.Json.Nodes;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>
/// Issue 18: <c>metrics import</c> of what verl, transformers/TRL and W&amp;B write (the fixtures of
/// tests/TrainingPlatform.Core.Tests/Fixtures/trainer-logs), <c>--as</c>, <c>--only</c>, <c>--rename</c>,
/// <c>--prefix</c>, and the one metric name rule as a user meets it.
/// </summary>
public sealed class MetricsImportFormatsTests
{
    private static string Fixture(string name) =>
        File.ReadAllText(Path.Combine(Repo.Root, "tests", "TrainingPlatform.Core.Tests", "Fixtures", "trainer-logs", name));

    private static string Running(TempDir temp)
    {
        var create = CliRun.InProcess(temp.Path, "job", "create", "-r", "grpo_math_small", "-s", "7B", "-d", "train=data/train.jsonl");
        Assert.True(create.ExitCode == ExitCodes.Ok, create.ToString());
        var id = create.Out.Trim();
        Assert.Equal(ExitCodes.Ok, CliRun.InProcess(temp.Path, "job", "update", id, "--status", "running").ExitCode);
        return id;
    }

    private static JsonObject Import(TempDir temp, params string[] args)
    {
        var run = CliRun.InProcess(temp.Path, ["metrics", "import", .. args, "--format", "json"]);
        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        return JsonNode.Parse(run.Out)!.AsObject();
    }

    private static string[] Names(JsonObject import) => [.. import["metrics"]!.AsArray().Select(n => n!.GetValue<string>())];

    [Fact]
    public void A_verl_file_logger_imports_under_verls_names_and_metrics_show_finds_them()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var id = Running(temp);
        temp.Write("logs/grpo.jsonl", Fixture("verl-file-logger.jsonl"));

        var import = Import(temp, id, "logs/grpo.jsonl");

        Assert.Equal("verl", import["format"]!.GetValue<string>());
        Assert.Contains("critic/score/mean", Names(import));
        Assert.DoesNotContain(Names(import), n => n.StartsWith("data/", StringComparison.Ordinal));
        var show = CliRun.InProcess(temp.Path, "metrics", "show", id, "--metric", "critic/score/mean"); // the spelling; --name is the same option
        Assert.True(show.ExitCode == ExitCodes.Ok, show.ToString());
        Assert.StartsWith("METRIC ", show.Out, StringComparison.Ordinal);
        Assert.Contains("critic/score/mean  3       0.25   0.75", show.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void As_jsonl_reads_a_verl_file_as_plain_json_lines_and_counts_as_another_import()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var id = Running(temp);
        temp.Write("grpo.jsonl", Fixture("verl-file-logger.jsonl"));

        Assert.Contains("critic/score/mean", Names(Import(temp, id, "grpo.jsonl")));
        var plain = Import(temp, id, "grpo.jsonl", "--as", "jsonl");

        Assert.False(plain["already_imported"]!.GetValue<bool>());
        Assert.Contains("data/critic/score/mean", Names(plain));
        Assert.True(Import(temp, id, "grpo.jsonl", "--as", "jsonl")["already_imported"]!.GetValue<bool>());
    }

    [Fact]
    public void A_trainer_state_json_imports_transformers_and_trl_metrics()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var id = Running(temp);
        temp.Write("checkpoint-40/trainer_state.json", Fixture("trainer_state.json"));
        temp.Write("dpo/trainer_state.json", Fixture("trl-dpo-grpo-trainer_state.json"));

        var sft = Import(temp, id, "checkpoint-40/trainer_state.json");
        Assert.Equal("trainer-state", sft["format"]!.GetValue<string>());
        Assert.Equal(7, sft["lines"]!.GetValue<long>());
        Assert.Superset(new HashSet<string> { "loss", "eval_loss", "learning_rate", "grad_norm", "epoch" }, Names(sft).ToHashSet());

        var trl = Import(temp, id, "dpo/trainer_state.json");
        Assert.Superset(new HashSet<string> { "rewards/chosen", "rewards/margins", "eval_rewards/chosen", "kl", "completions/mean_length" }, Names(trl).ToHashSet());

        var json = JsonNode.Parse(CliRun.InProcess(temp.Path, "metrics", "show", id, "--format", "json").Out)!.ToJsonString();
        Assert.Contains("\"rewards/chosen\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void A_verl_console_log_imports_and_a_bad_record_stops_it_unless_skip_bad()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var id = Running(temp);
        temp.Write("train.log", Fixture("verl-console.log"));

        var import = CliRun.InProcess(temp.Path, "metrics", "import", id, "train.log");
        Assert.True(import.ExitCode == ExitCodes.Ok, import.ToString());
        Assert.StartsWith("imported 59 points of 21 metrics (actor/entropy, ", import.Out, StringComparison.Ordinal);
        Assert.Equal("", import.Error);

        temp.Write("bad.log", "(TaskRunner pid=1) step:1 - loss:0.5\n(TaskRunner pid=1) step:2 - loss:oops\n");
        var bad = CliRun.InProcess(temp.Path, "metrics", "import", id, "bad.log");
        Assert.Equal(ExitCodes.UsageError, bad.ExitCode);
        Assert.Equal(
            "bad.log:2: 'loss' is 'oops': not a number\n" +
            "trainplat: error: bad.log: 1 bad line; nothing was imported\n" +
            "  hint: fix the lines above, or import the good ones with --skip-bad\n",
            bad.Error);

        var skipped = CliRun.InProcess(temp.Path, "metrics", "import", id, "bad.log", "--skip-bad");
        Assert.Equal($"imported 1 point of 1 metric (loss) from bad.log into job {id}; skipped 1 bad line\n", skipped.Out);
    }

    [Fact]
    public void Only_rename_and_prefix_choose_and_name_what_is_stored()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var id = Running(temp);
        temp.Write("trainer_state.json", Fixture("trainer_state.json"));

        var import = Import(temp, id, "trainer_state.json", "--only", "eval_loss", "--only", "loss", "--rename", "eval_*=eval/*", "--prefix", "sft/");

        Assert.Equal(["sft/eval/loss", "sft/loss"], Names(import));
        var bad = CliRun.InProcess(temp.Path, "metrics", "import", id, "trainer_state.json", "--rename", "loss");
        Assert.Equal(ExitCodes.UsageError, bad.ExitCode);
        Assert.Equal("trainplat: error: --rename 'loss' is not OLD=NEW\n  hint: e.g. --rename 'eval_*=eval/*' or --rename loss=train/loss\n", bad.Error);
    }

    [Fact]
    public void Names_with_spaces_are_stored_with_underscores_once_noted_and_refused_by_metrics_log()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var id = Running(temp);
        temp.Write("m.jsonl", "{\"step\": 1, \"val loss\": 1.5}\n{\"step\": 2, \"val loss\": 1.25}\n");

        var import = CliRun.InProcess(temp.Path, "metrics", "import", id, "m.jsonl");
        Assert.True(import.ExitCode == ExitCodes.Ok, import.ToString());
        Assert.Equal($"imported 2 points of 1 metric (val_loss) from m.jsonl into job {id}\n", import.Out);
        Assert.Equal("trainplat: note: m.jsonl: metric name 'val loss' has white space, which metric names cannot have; stored as 'val_loss'\n", import.Error);

        var log = CliRun.InProcess(temp.Path, "metrics", "log", id, "--step", "3", "val loss=1");
        Assert.Equal(ExitCodes.UsageError, log.ExitCode);
        Assert.Equal(
            "trainplat: error: metric name 'val loss' contains a space\n" +
            "  hint: write it without white space, e.g. 'val_loss=1' (a metric name is 1-200 characters without spaces or control characters)\n",
            log.Error);
    }

    [Fact]
    public void A_wandb_history_csv_imports_its_metrics_without_wandbs_own_columns()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var id = Running(temp);
        temp.Write("history.csv", Fixture("wandb-history.csv"));

        var import = Import(temp, id, "history.csv");

        Assert.Equal("wandb", import["format"]!.GetValue<string>());
        Assert.Equal(["eval/loss", "train/global_step", "train/learning_rate", "train/loss"], Names(import));
    }
}
