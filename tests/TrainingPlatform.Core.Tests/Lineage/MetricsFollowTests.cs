using System.Text;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Tests.Support;

namespace TrainingPlatform.Core.Tests.Lineage;

/// <summary>
/// <c>metrics import --follow</c> in Core, one look at a time (a cancelled token makes <see cref="MetricsFollow.Run"/> read
/// what is complete, record it and return): positions kept per job and file, a partial last line left for later, a CSV
/// resumed with its header, truncated and replaced files, bad lines, a folder that gains files.
/// </summary>
public sealed class MetricsFollowTests
{
    private const string Job = "0123456789ab";

    private static StoreDir NewStore() => TestStores.WithJob(Job);

    /// <summary>One look: what is complete now is recorded, then the follow returns (as after Ctrl-C).</summary>
    private static MetricsFollowResult Look(StoreDir dir, string path, List<MetricsFollowEvent>? events = null, bool skipBad = false, MetricsReadOptions? naming = null)
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        return MetricsFollow.Run(path, Path.GetFileName(path), Job, () => TestStores.Open(dir.Store), () => TestStores.OpenForReading(dir.Store),
            TimeProvider.System, new MetricsFollowOptions { SkipBad = skipBad, Naming = naming ?? MetricsReadOptions.Default }, e => events?.Add(e), cancelled.Token);
    }

    private static void Append(string path, string text)
    {
        using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        file.Write(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>Every stored point as "name@step=value", in the store's order.</summary>
    private static string[] Stored(StoreDir dir)
    {
        using var store = TestStores.OpenForReading(dir.Store);
        return [.. store.ReadMetrics(Job, null).Select(p => FormattableString.Invariant($"{p.Name}@{p.Step}={p.Value}"))];
    }

    [Fact]
    public void A_partial_last_line_waits_until_complete_and_each_look_resumes_after_the_last_recorded_line()
    {
        using var dir = NewStore();
        var file = dir.File("train.jsonl");
        File.WriteAllText(file, "{\"step\": 1, \"loss\": 1.0}\n{\"step\": 2, \"lo");
        var first = Look(dir, file);
        Assert.Equal((1L, 1L, 1, true), (first.Lines, first.Points, first.Transactions, first.Interrupted));
        Assert.Equal(["loss@1=1"], Stored(dir));

        Append(file, "ss\": 0.5}\n\n{\"step\": 3, \"loss\": 0.25, \"eval\": {\"loss\": 0.3}}\n");
        var events = new List<MetricsFollowEvent>();
        var second = Look(dir, file, events);
        Assert.Equal((3L, 3L), (second.Lines, second.Points));
        Assert.Equal(["eval/loss", "loss"], second.Names);
        Assert.Equal("resuming after line 1 (byte 25), where the last --follow stopped", Assert.Single(events).Message);

        var third = Look(dir, file);
        Assert.Equal((0L, 0L, 0), (third.Lines, third.Points, third.Transactions));
        Assert.Equal(["eval/loss@3=0.3", "loss@1=1", "loss@2=0.5", "loss@3=0.25"], Stored(dir));
        using var store = TestStores.OpenForReading(dir.Store);
        var position = Assert.Single(store.FollowPositions(Job));
        Assert.Equal((file, new FileInfo(file).Length, 4L), (position.Path, position.Offset, position.Lines));
    }

    [Fact]
    public void A_followed_verl_file_log_console_log_and_wandb_csv_store_the_names_an_import_of_the_finished_file_stores()
    {
        using var dir = NewStore();
        var verl = dir.File("verl.jsonl");
        File.WriteAllText(verl, "{\"step\": 1, \"data\": {\"critic/score/mean\": 0.5, \"actor/pg_loss\": 0.1}}\n{\"step\": 2, \"da");
        Look(dir, verl);
        Append(verl, "ta\": {\"critic/score/mean\": 0.75}}\n");
        Assert.Equal(1L, Look(dir, verl).Lines);

        var console = dir.File("train.log");
        File.WriteAllText(console, "starting the trainer\n");
        Assert.Equal(0L, Look(dir, console).Points); // start-up output before the first step: no metrics yet, no error
        Append(console, "(TaskRunner pid=7) step:3 - critic/score/mean:0.8 - actor/pg_loss:0.05\nsome other output\n");
        Look(dir, console);

        var wandb = dir.File("history.csv");
        File.WriteAllText(wandb, "_step,_runtime,_timestamp,val loss\n4,10.5,1733390000,0.7\n");
        var named = Look(dir, wandb, naming: MetricsReadOptions.Create(null, "w/", [], []));
        Assert.Equal(["w/val_loss"], named.Names); // the name rule's mapping, then --prefix; W&B's own _ columns left out

        Assert.Equal(["actor/pg_loss@1=0.1", "actor/pg_loss@3=0.05", "critic/score/mean@1=0.5", "critic/score/mean@2=0.75", "critic/score/mean@3=0.8", "w/val_loss@4=0.7"], Stored(dir));
        Assert.Null(MetricsFollowFormats.ForFile(dir.File("trainer_state.json")));
        Assert.Null(MetricsFollowFormats.ForFile(dir.File("events.out.tfevents.1.host")));
    }

    [Fact]
    public void A_csv_resumed_mid_file_is_read_with_its_header_and_a_quoted_line_break_is_one_record()
    {
        using var dir = NewStore();
        var file = dir.File("metrics.csv");
        File.WriteAllText(file, "step,loss,\n"); // the third column has no name: ignored
        Assert.Equal(0L, Look(dir, file).Lines); // the header alone: no rows yet, nothing taken

        Append(file, "1,0.5,\"first\nrow\"\n2,0.4,");
        Assert.Equal((3L, 1L), (Look(dir, file).Lines, Stored(dir).LongLength)); // 3 lines: the header and one record over two
        Append(file, "x\n3,0.3,y\n");
        var resumed = Look(dir, file);
        Assert.Equal((2L, 2L), (resumed.Lines, resumed.Points));
        Assert.Equal(["loss@1=0.5", "loss@2=0.4", "loss@3=0.3"], Stored(dir).Where(p => p.StartsWith("loss", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_bad_line_records_the_lines_before_it_and_says_its_line_in_the_file_and_skip_bad_goes_on_past_it()
    {
        using var dir = NewStore();
        var file = dir.File("metrics.tsv");
        File.WriteAllText(file, "step\tloss\n1\t0.5\n");
        Look(dir, file);
        Append(file, "2\t0.4\n3\tlots\n4\t0.2\n");
        var error = Assert.Throws<UserErrorException>(() => Look(dir, file));
        Assert.StartsWith("metrics.tsv:4: ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("; recorded metrics.tsv through line 3, nothing after it", error.Message, StringComparison.Ordinal);
        Assert.Equal(["loss@1=0.5", "loss@2=0.4"], Stored(dir));

        var events = new List<MetricsFollowEvent>();
        var skipped = Look(dir, file, events, skipBad: true);
        Assert.Equal((2L, 1L, 1L), (skipped.Lines, skipped.Points, skipped.BadLines));
        Assert.Contains(events, e => e.BadRecord && e.Line == 4);
        Assert.Equal(["loss@1=0.5", "loss@2=0.4", "loss@4=0.2"], Stored(dir));
    }

    [Fact]
    public void A_truncated_or_replaced_file_is_read_again_from_its_start_and_said_so()
    {
        using var dir = NewStore();
        var file = dir.File("train.jsonl");
        File.WriteAllText(file, "{\"step\": 1, \"loss\": 1}\n{\"step\": 2, \"loss\": 0.5}\n");
        Look(dir, file);

        File.WriteAllText(file, "{\"step\": 10, \"loss\": 9}\n"); // truncated and rewritten: shorter
        var events = new List<MetricsFollowEvent>();
        Assert.Equal(1L, Look(dir, file, events).Points);
        Assert.Contains(events, e => e.Message.StartsWith("the file is shorter (24 bytes) than the 48 bytes read before", StringComparison.Ordinal));

        File.WriteAllText(file, "{\"step\": 20, \"loss\": 7}\n{\"step\": 21, \"loss\": 6}\n"); // replaced: longer, other first bytes
        events.Clear();
        Assert.Equal(2L, Look(dir, file, events).Points);
        Assert.Contains(events, e => e.Message == "the file's first bytes changed: replaced; reading it from the start");
        Assert.Equal(["loss@1=1", "loss@2=0.5", "loss@10=9", "loss@20=7", "loss@21=6"], Stored(dir));
    }

    [Fact]
    public void A_folder_follows_every_metrics_file_in_it_also_those_that_appear_later_each_with_its_own_position()
    {
        using var dir = NewStore();
        var runs = Path.Combine(dir.Path, "runs");
        Directory.CreateDirectory(Path.Combine(runs, "a"));
        File.WriteAllText(Path.Combine(runs, "a", "train.jsonl"), "{\"step\": 1, \"loss\": 1}\n");
        File.WriteAllText(Path.Combine(runs, "notes.txt"), "not metrics\n");
        var first = Look(dir, runs);
        Assert.Equal((1, 1L), (first.Files, first.Points));

        File.WriteAllText(Path.Combine(runs, "eval.csv"), "step,eval_loss\n1,0.9\n");
        Append(Path.Combine(runs, "a", "train.jsonl"), "{\"step\": 2, \"loss\": 0.5}\n");
        var second = Look(dir, runs);
        Assert.Equal((2, 2L, 1), (second.Files, second.Points, second.Transactions));
        using var store = TestStores.OpenForReading(dir.Store);
        Assert.Equal([Path.Combine(runs, "a", "train.jsonl"), Path.Combine(runs, "eval.csv")], store.FollowPositions(Job).Select(p => p.Path));
    }

    [Fact]
    public async Task A_follow_ends_by_itself_when_the_job_is_marked_finished_after_recording_every_complete_line()
    {
        using var dir = NewStore();
        using (var store = TestStores.Open(dir.Store))
        {
            store.UpdateJob(store.GetJob(Job)! with { Status = JobStatus.Running });
        }

        var file = dir.File("train.jsonl");
        File.WriteAllText(file, "");
        var options = new MetricsFollowOptions { Poll = TimeSpan.FromMilliseconds(20), Interval = TimeSpan.FromMilliseconds(200) };
        var follow = Task.Run(() => MetricsFollow.Run(file, "train.jsonl", Job, () => TestStores.Open(dir.Store), () => TestStores.OpenForReading(dir.Store),
            TimeProvider.System, options, null, CancellationToken.None));
        for (var step = 0; step < 50; step++)
        {
            Append(file, $"{{\"step\": {step}, \"loss\": {step}}}\n");
            await Task.Delay(5);
        }

        Append(file, "{\"step\": 50, \"lo"); // never completed
        using (var store = TestStores.Open(dir.Store))
        {
            store.UpdateJob(store.GetJob(Job)! with { Status = JobStatus.Succeeded });
        }

        var result = await follow.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal((50L, JobStatus.Succeeded, false), (result.Points, result.Finished, result.Interrupted));
        Assert.Equal(Enumerable.Range(0, 50).Select(s => $"loss@{s}={s}"), Stored(dir));
    }
}
