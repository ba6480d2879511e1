using System.Text;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Tests.Support;

namespace TrainingPlatform.Core.Tests.Lineage;

/// <summary>
/// Issue 18: the logs verl, transformers/TRL and W&amp;B write, read as their writers lay them out (the fixtures in
/// Fixtures/trainer-logs, see its README for the upstream source of each), detected from content and name, and one
/// rule for metric names.
/// </summary>
public sealed class TrainerLogReadersTests : IDisposable
{
    private static readonly DateTimeOffset ImportTime = new(2025, 3, 4, 5, 6, 7, TimeSpan.Zero);

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "trainplat-logs-" + Guid.NewGuid().ToString("N")[..12]);

    public TrainerLogReadersTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Fixture(string name) => Path.Combine(TestPaths.Fixtures, "trainer-logs", name);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static double Value(MetricsFileResult r, string name, long step) =>
        Assert.Single(r.Points, p => p.Name == name && p.Step == step).Value;

    private static string Problems(MetricsFileResult r) => string.Join("\n", r.Problems.Select(p => $"{p.Line}: {p.Message}"));

    private static MetricsFileResult Parse(string text, MetricsFileFormat format, MetricsReadOptions? options = null) =>
        MetricsFile.Parse(Encoding.UTF8.GetBytes(text), format, ImportTime, options);

    [Fact]
    public void Verl_file_logger_lines_give_the_names_verl_logs_without_a_data_prefix()
    {
        var result = MetricsFile.Read(Fixture("verl-file-logger.jsonl"), ImportTime);

        Assert.Equal(MetricsFileFormat.Verl, result.Format);
        Assert.Empty(result.Problems);
        Assert.Equal(3, result.Lines);
        Assert.DoesNotContain(result.Points, p => p.Name.StartsWith("data", StringComparison.Ordinal));
        Assert.Equal(0.5, Value(result, "critic/score/mean", 2));
        Assert.Equal(-0.015, Value(result, "actor/pg_loss", 3));
        Assert.Equal(0.375, Value(result, "val-core/openai/gsm8k/reward/mean@1", 2));
        Assert.True(double.IsNaN(Value(result, "critic/vf_explained_var", 2)));
        Assert.All(result.Points, p => Assert.Equal(ImportTime, p.Time));
    }

    [Fact]
    public void A_verl_line_without_its_data_object_is_a_bad_record_with_its_line()
    {
        var result = Parse("{\"step\": 1, \"data\": {\"a/b\": 1, \"x\": {\"y\": 2}}}\n{\"step\": 2, \"loss\": 1}\n", MetricsFileFormat.Verl);

        Assert.Equal([(1L, "a/b", 1.0), (1L, "x/y", 2.0)], result.Points.Select(p => (p.Step, p.Name, p.Value)));
        Assert.Equal("2: no 'data' object: verl's file logger writes {\"step\": N, \"data\": {...}} (import it --as jsonl to read other JSON Lines)", Problems(result));
    }

    [Fact]
    public void Verl_console_lines_give_the_same_points_as_the_file_logger_of_the_same_run()
    {
        var console = MetricsFile.Read(Fixture("verl-console.log"), ImportTime);
        var file = MetricsFile.Read(Fixture("verl-file-logger.jsonl"), ImportTime);

        Assert.Equal(MetricsFileFormat.VerlConsole, console.Format);
        Assert.Empty(console.Problems);
        Assert.Equal(3, console.Lines);
        // np.float64(...) unwrapped, booleans (training/done) not metrics, Ray prefixes and the progress bar skipped.
        Assert.Equal(
            file.Points.Select(p => (p.Step, p.Name, p.Value)).Order(),
            console.Points.Select(p => (p.Step, p.Name, p.Value)).Order());
    }

    [Fact]
    public void A_bad_verl_console_record_is_reported_with_its_line_and_other_lines_are_skipped()
    {
        var text = "starting\nstep:1 - loss:0.5 - kl:np.float32(0.25)\nINFO step:2 - loss:1\n\u001b[36m(TaskRunner pid=7)\u001b[0m step:3 - loss:abc - kl:1\nstep:4 - loss\nstep:5 - done:True\n";
        var result = Parse(text, MetricsFileFormat.VerlConsole);

        Assert.Equal([(1L, "loss", 0.5), (1L, "kl", 0.25)], result.Points.Select(p => (p.Step, p.Name, p.Value)));
        Assert.Equal(
            "4: 'loss' is 'abc': not a number\n" +
            "5: 'loss' is not key:value (verl prints `step:N - key:value - …`)\n" +
            "6: no numeric value besides the step",
            Problems(result));
        Assert.Equal(4, result.Lines);
    }

    [Fact]
    public void Trainer_state_json_gives_train_and_eval_entries_with_epoch_once_per_step()
    {
        var result = MetricsFile.Read(Fixture("trainer_state.json"), ImportTime);

        Assert.Equal(MetricsFileFormat.TrainerState, result.Format);
        Assert.Empty(result.Problems);
        Assert.Equal(7, result.Lines); // log_history entries
        Assert.Equal(1.1074, Value(result, "loss", 10));
        Assert.Equal(2.75, Value(result, "grad_norm", 20), 12);
        Assert.Equal(1.51e-05, Value(result, "learning_rate", 10), 15);
        Assert.Equal(1.0, Value(result, "eval_loss", 20), 12);
        Assert.Equal(0.5, Value(result, "epoch", 20)); // the train and the eval entry of step 20 give one epoch
        Assert.Equal(0.5, Value(result, "train_loss", 40));
        Assert.Equal(["grad_norm", "learning_rate", "loss"], result.Points.Where(p => p.Step == 30).Select(p => p.Name).Where(n => n != "epoch"));
    }

    [Fact]
    public void Trl_names_in_a_trainer_state_are_kept_and_a_null_value_is_no_point()
    {
        var result = MetricsFile.Read(Fixture("trl-dpo-grpo-trainer_state.json"), ImportTime);

        Assert.Empty(result.Problems);
        Assert.Equal(0.02, Value(result, "rewards/chosen", 2));
        Assert.Equal(0.03, Value(result, "eval_rewards/chosen", 2));
        Assert.Equal(0.004, Value(result, "kl", 4));
        Assert.Equal(303.5, Value(result, "completions/mean_length", 3));
        Assert.DoesNotContain(result.Points, p => p.Name == "rewards/format_reward/mean");
    }

    [Fact]
    public void A_trainer_state_is_recognised_by_its_content_under_any_json_name()
    {
        var path = Path.Combine(_dir, "checkpoint-40-state.json");
        File.Copy(Fixture("trainer_state.json"), path);

        Assert.Equal(MetricsFileFormat.TrainerState, MetricsFile.Read(path, ImportTime).Format);
        Assert.Equal(MetricsFileFormat.JsonLines, MetricsFile.Read(Write("plain.json", "{\"step\": 1, \"data\": {\"a\": 1}, \"b\": 2}\n"), ImportTime).Format);
    }

    [Fact]
    public void A_cut_trainer_state_reports_where_it_breaks_and_keeps_the_complete_entries()
    {
        var whole = File.ReadAllText(Fixture("trainer_state.json"));
        var cut = whole[..whole.IndexOf("\"eval_runtime\"", StringComparison.Ordinal)];
        var lines = cut.Count(c => c == '\n');

        var result = Parse(cut, MetricsFileFormat.TrainerState);

        Assert.Equal($"{lines + 1}: the file ends before its JSON object does (cut off?)", Problems(result));
        // Step 20's train entry is complete; its eval entry, cut inside, gives nothing.
        Assert.Contains(result.Points, p => p.Step == 20 && p.Name == "loss");
        Assert.DoesNotContain(result.Points, p => p.Name == "eval_loss");
    }

    [Fact]
    public void A_log_history_entry_without_a_step_is_a_bad_record_at_the_line_it_starts()
    {
        var text = "{\n  \"log_history\": [\n    {\n      \"loss\": 1.0\n    },\n    {\n      \"loss\": NaN,\n      \"step\": 2\n    }\n  ]\n}\n";
        var result = Parse(text, MetricsFileFormat.TrainerState);

        Assert.Equal("3: a log_history entry without a step", Problems(result));
        Assert.True(double.IsNaN(Assert.Single(result.Points).Value));
        Assert.Throws<UserErrorException>(() => Parse("{\n  \"global_step\": 3\n}\n", MetricsFileFormat.TrainerState));
    }

    [Fact]
    public void A_wandb_history_keeps_its_step_and_time_and_skips_wandb_columns_and_media()
    {
        var result = MetricsFile.Read(Fixture("wandb-history.csv"), ImportTime);

        Assert.Equal(MetricsFileFormat.Wandb, result.Format);
        Assert.Empty(result.Problems);
        Assert.Equal(["eval/loss", "train/global_step", "train/learning_rate", "train/loss"], result.Points.Select(p => p.Name).Distinct().Order());
        Assert.Equal(0.9, Value(result, "eval/loss", 2));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1748772012500), Assert.Single(result.Points, p => p.Name == "train/loss" && p.Step == 1).Time);
    }

    [Theory]
    [InlineData("verl-file-logger.jsonl")]
    [InlineData("verl-console.log")]
    [InlineData("trainer_state.json")]
    [InlineData("wandb-history.csv")]
    public void Every_chunk_size_reads_a_trainer_log_as_the_whole_file_does(string name)
    {
        var bytes = File.ReadAllBytes(Fixture(name));
        static string Show(MetricsFileResult r) =>
            string.Join("\n", r.Points.Select(p => $"{p.Step} {p.Name}={p.Value}")) + "|" + r.Lines + "|" + r.Sha256 + "|" + r.Format;
        var whole = Show(MetricsFile.Read(new MemoryStream(bytes), null, ImportTime, name));

        foreach (var chunk in new[] { 5, 17, 64, 1000 })
        {
            Assert.Equal(whole, Show(MetricsFile.Read(new MemoryStream(bytes), null, ImportTime, name, chunk)));
        }
    }

    [Fact]
    public void The_content_decides_over_the_name_where_it_can()
    {
        // verl's file logger saved as .log; a console log that starts with the config verl prints as a Python dict.
        Assert.Equal(MetricsFileFormat.Verl, MetricsFile.Read(Write("run.log", "{\"step\": 1, \"data\": {\"a/b\": 1}}\n"), ImportTime).Format);
        Assert.Equal(MetricsFileFormat.VerlConsole, MetricsFile.Read(Write("run2.log", "{'actor_rollout_ref': {'model': 'x'}}\nstep:1 - a/b:1\n"), ImportTime).Format);
        Assert.Equal(MetricsFileFormat.Csv, MetricsFile.Read(Write("plain.csv", "_step,loss\n1,2\n"), ImportTime).Format);
    }

    [Fact]
    public void Console_output_is_recognised_by_content_and_an_unknown_file_says_how_to_name_its_format()
    {
        Assert.Equal(MetricsFileFormat.VerlConsole, MetricsFile.Read(Write("train.stdout", "hello\nstep:0 - loss:1\n"), ImportTime).Format);

        var ex = Assert.Throws<UserErrorException>(() => MetricsFile.Read(Write("notes.md", "# hello\n"), ImportTime));
        Assert.Equal("unknown metrics format '.md': expected .jsonl, .ndjson, .json (JSON Lines, verl's file logger, trainer_state.json), .csv, .tsv, .log/.txt/.out (verl's console output), or a TensorBoard event file (events.out.tfevents.*) or log folder", ex.Message);
        Assert.Equal("name the format with --as jsonl|csv|tsv|verl|verl-console|trainer-state|wandb|tensorboard", ex.Hint);
    }

    [Fact]
    public void The_name_rule_refuses_white_space_and_readers_map_it_to_underscores_saying_so_once()
    {
        Assert.Equal("metric name 'val loss' contains a space", MetricNames.Problem("val loss"));
        Assert.Null(MetricNames.Problem("critic/lr(1e-4)"));
        Assert.Null(MetricNames.Problem("val-core/openai/gsm8k/reward/mean@1"));

        var jsonl = Parse("{\"step\": 1, \"val loss\": 1}\n{\"step\": 2, \"val loss\": 2}\n", MetricsFileFormat.JsonLines);
        Assert.Equal(["val_loss", "val_loss"], jsonl.Points.Select(p => p.Name));
        Assert.Equal([("val loss", "val_loss")], jsonl.Mapped);

        var csv = Parse("step,val loss,ok\n1,2,3\n", MetricsFileFormat.Csv);
        Assert.Equal(["val_loss", "ok"], csv.Points.Select(p => p.Name));
        Assert.Equal([("val loss", "val_loss")], csv.Mapped);

        var console = Parse("step:1 - val loss:2\n", MetricsFileFormat.VerlConsole);
        Assert.Equal("val_loss", Assert.Single(console.Points).Name);
    }

    [Fact]
    public void Only_rename_and_prefix_name_what_an_import_stores()
    {
        var options = MetricsReadOptions.Create(null, "sft/", ["eval_*=eval/*", "loss=train/loss"], ["eval_*", "loss"]);
        var result = MetricsFile.Read(Fixture("trainer_state.json"), ImportTime, options);

        Assert.Equal(
            ["sft/eval/loss", "sft/eval/runtime", "sft/eval/samples_per_second", "sft/eval/steps_per_second", "sft/train/loss"],
            result.Points.Select(p => p.Name).Distinct().Order());
        Assert.NotEqual(result.Sha256, result.Source);
        Assert.Equal(MetricsFile.Read(Fixture("trainer_state.json"), ImportTime).Sha256, MetricsFile.Read(Fixture("trainer_state.json"), ImportTime).Source);

        var glob = MetricRename.Parse("*/score/*=score_*_*");
        Assert.Equal("score_critic_mean", glob.Apply("critic/score/mean"));
        Assert.Null(glob.Apply("critic/rewards/mean"));
    }

    [Theory]
    [InlineData("loss", "--rename 'loss' is not OLD=NEW")]
    [InlineData("a=b*", "--rename 'a=b*': NEW has 1 '*' but OLD has 0")]
    [InlineData("a=b c", "--rename 'a=b c': metric name 'b c' contains a space")]
    public void A_bad_rename_is_refused_before_anything_is_read(string rename, string message)
    {
        var ex = Assert.Throws<UserErrorException>(() => MetricsReadOptions.Create(null, null, [rename], []));
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void A_prefix_that_makes_a_name_too_long_is_a_bad_record()
    {
        var result = Parse("{\"step\": 1, \"" + new string('a', 198) + "\": 1, \"b\": 2}\n", MetricsFileFormat.JsonLines, MetricsReadOptions.Create(null, "p/q/", [], []));

        Assert.Empty(result.Points);
        Assert.StartsWith("1: metric name 'p/q/aaaa", Problems(result), StringComparison.Ordinal);
        Assert.EndsWith("is 202 characters long, more than 200", Problems(result), StringComparison.Ordinal);
    }
}
