using System.Diagnostics;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Tests.Support;
using static TrainingPlatform.Core.Tests.Lineage.LineageSamples;

namespace TrainingPlatform.Core.Tests.Lineage;

/// <summary>The lineage store's records, queries, metrics and lock, through <see cref="ILineageStore"/>.</summary>
public sealed class StoreTests
{
    private static readonly RecipeVersionRecord SftV1 = Recipe("sft-basic", "1.0.0", "sft", T0);
    private static readonly RecipeVersionRecord SftV2 = Recipe("sft-basic", "1.1.0", "sft", T0.AddHours(2));
    private static readonly RecipeVersionRecord Dpo = Recipe("dpo-pref", "1.2.0", "dpo", T0.AddHours(1), extends: "sft-basic");
    private static readonly DatasetVersion Train = FileDataset("data/train.jsonl", "{\"prompt\":\"hi\",\"response\":\"hello\"}\n", 1, T0);
    private static readonly DatasetVersion Prefs = FileDataset("data/prefs.jsonl", "{\"prompt\":\"a\",\"chosen\":\"b\",\"rejected\":\"c\"}\n", 1, T0);
    private static readonly DatasetVersion Shards = FolderDataset("shards", T0, ("a.jsonl", "{\"prompt\":\"x\"}\n", 1), ("sub/b.jsonl", "{\"prompt\":\"y\"}\n{\"prompt\":\"z\"}\n", 2));

    /// <summary>Three jobs: an 8B SFT on a file, a 70B DPO on a file and a folder (extends chain), a later SFT version on the folder.</summary>
    private static (NewJob Sft, NewJob Dpo, NewJob Sft2) ThreeJobs()
    {
        var dpo = NewJob("a1b2c3000002", Dpo, T0.AddHours(1).AddMinutes(5), [("eval", Shards), ("train", Prefs)], chain: [SftV1], modelSize: "70B", parameters: 70.6e9);
        return (
            NewJob("a1b2c3000001", SftV1, T0.AddMinutes(5), [("train", Train)]),
            dpo with { Job = dpo.Job with { Tags = ["ablation", "nightly"] } },
            NewJob("f00d00000003", SftV2, T0.AddHours(2).AddMinutes(5), [("train", Shards)], lr: "1e-05"));
    }

    private static string[] Ids(IEnumerable<JobRecord> jobs) => [.. jobs.Select(j => j.Id)];

    [Fact]
    public void Jobs_are_created_read_back_found_by_every_filter_updated_and_deleted_with_their_metrics()
    {
        using var dir = new StoreDir();
        var (sft, dpo, sft2) = ThreeJobs();
        using (var store = TestStores.Open(dir.Store))
        {
            store.CreateJob(sft);
            store.CreateJob(dpo);
            store.CreateJob(sft2);
        }

        using (var store = TestStores.Open(dir.Store))
        {
            // Everything recorded reads back as it was written (after a reopen).
            foreach (var created in new[] { sft, dpo, sft2 })
            {
                Assert.Equal(Describe(created.Job), Describe(store.GetJob(created.Job.Id)!));
                Assert.Equal(created.ConfigJson, store.GetConfig(created.Job.ConfigHash));
                Assert.All(created.Recipes, r => Assert.Equal(r, store.GetRecipeVersion(r.Hash)));
            }

            Assert.Null(store.GetJob("a1b2c3000009"));
            Assert.Equal(["1.1.0", "1.0.0"], store.FindRecipeVersions("sft-basic", null).Select(r => r.Version));
            Assert.Equal([SftV1], store.FindRecipeVersions("sft-basic", "1.0.0"));
            Assert.Empty(store.FindRecipeVersions("sft-basic", "9.9.9"));
            Assert.Equal(["data/prefs.jsonl", "data/train.jsonl", "shards"], store.List(null).Select(v => v.Name)); // the shared folder once
            Assert.Equal(["a.jsonl:1", "sub/b.jsonl:2"], store.List("shards").Single().Files.Select(f => $"{f.Path}:{f.Samples}"));

            // Filters, newest first.
            Assert.Equal(["f00d00000003", "a1b2c3000002", "a1b2c3000001"], Ids(store.FindJobs(new JobQuery())));
            Assert.Equal(["f00d00000003", "a1b2c3000001"], Ids(store.FindJobs(new JobQuery(RecipeId: "sft-basic"))));
            Assert.Equal(["a1b2c3000001"], Ids(store.FindJobs(new JobQuery(RecipeId: "sft-basic", RecipeVersion: "1.0.0"))));
            Assert.Empty(store.FindJobs(new JobQuery(RecipeId: "sft")));
            Assert.Equal(["a1b2c3000002"], Ids(store.FindJobs(new JobQuery(Task: "dpo"))));
            Assert.Equal(["f00d00000003", "a1b2c3000001"], Ids(store.FindJobs(new JobQuery(Algorithm: "sft"))));
            Assert.Equal(["f00d00000003", "a1b2c3000002"], Ids(store.FindJobs(new JobQuery(Since: T0.AddMinutes(30)))));
            Assert.Equal(["f00d00000003"], Ids(store.FindJobs(new JobQuery(RecipeId: "sft-basic", Since: T0.AddMinutes(30)))));
            Assert.Equal(["f00d00000003"], Ids(store.FindJobs(new JobQuery(Since: sft2.Job.Created)))); // inclusive
            Assert.Equal(["f00d00000003", "a1b2c3000002"], Ids(store.FindJobs(new JobQuery(DatasetName: "shards"))));
            Assert.Equal(["a1b2c3000001"], Ids(store.FindJobs(new JobQuery(DatasetName: "data/train.jsonl"))));
            Assert.Empty(store.FindJobs(new JobQuery(DatasetName: "data")));
            Assert.Equal(["a1b2c3000001"], Ids(store.FindJobs(new JobQuery(DatasetHashPrefix: Train.Hash[..8]))));
            Assert.Equal(["f00d00000003", "a1b2c3000002"], Ids(store.FindJobs(new JobQuery(DatasetHashPrefix: Shards.Hash[..6]))));
            Assert.Equal(["a1b2c3000002"], Ids(store.FindJobs(new JobQuery(DatasetHashPrefix: Shards.Hash[..6], Task: "dpo"))));
            Assert.Equal(["a1b2c3000002"], Ids(store.FindJobs(new JobQuery(Parameters: 70.6e9))));
            Assert.Equal(["f00d00000003", "a1b2c3000001"], Ids(store.FindJobs(new JobQuery(Parameters: 8.03e9))));
            Assert.Empty(store.FindJobs(new JobQuery(Parameters: 7e9)));
            Assert.Equal(["a1b2c3000002"], Ids(store.FindJobs(new JobQuery(Tag: "ablation"))));
            Assert.Equal(3, store.FindJobs(new JobQuery(Status: JobStatus.Pending)).Count);
            Assert.Empty(store.FindJobs(new JobQuery(Status: JobStatus.Running)));

            // Update: status, start time and history kept across a reopen; a missing job is an error.
            var running = JobRules.Update(store.GetJob("f00d00000003")!, JobStatus.Running, "on gpu-01", T0.AddHours(3));
            store.UpdateJob(running);
            Assert.Throws<UserErrorException>(() => store.UpdateJob(running with { Id = "0000aaaa0000" }));
            store.AppendMetrics("a1b2c3000001", Points("loss", 0, 100, s => 2.0 / (s + 1), T0), null, T0.AddHours(1));
            store.AppendMetrics("a1b2c3000001", Points("reward", 0, 50, s => s * 0.01, T0), null, T0.AddHours(1));
            store.AppendMetrics("f00d00000003", Points("loss", 0, 10, s => 1.0, T0), null, T0.AddHours(4));
        }

        using (var store = TestStores.Open(dir.Store))
        {
            var job = store.GetJob("f00d00000003")!;
            Assert.Equal(JobStatus.Running, job.Status);
            Assert.Equal(T0.AddHours(3), job.Started);
            Assert.Null(job.Finished);
            Assert.Equal(["pending:created", "running:on gpu-01"], job.Events.Select(e => $"{JobStatuses.Name(e.Status)}:{e.Note}"));
            Assert.Equal(T0.AddHours(4), job.Updated); // the metrics came later
            Assert.Equal(["f00d00000003"], Ids(store.FindJobs(new JobQuery(Status: JobStatus.Running))));
            Assert.Equal(["a1b2c3000002", "a1b2c3000001"], Ids(store.FindJobs(new JobQuery(Status: JobStatus.Pending))));

            // Delete: the job and its points go; the other job's points, the recipe versions and the datasets stay.
            Assert.Equal(150, store.DeleteJob("a1b2c3000001"));
            Assert.Null(store.GetJob("a1b2c3000001"));
            Assert.Equal(0, store.CountPoints("a1b2c3000001"));
            Assert.Empty(store.ReadMetrics("a1b2c3000001", null));
            Assert.Equal(10, store.CountPoints(null));
            Assert.Equal(-1, store.DeleteJob("a1b2c3000001"));
            Assert.Equal(["f00d00000003"], Ids(store.FindJobs(new JobQuery(RecipeId: "sft-basic"))));
            Assert.Empty(store.FindJobs(new JobQuery(DatasetName: "data/train.jsonl")));
            Assert.NotNull(store.GetRecipeVersion(SftV1.Hash));
            Assert.Single(store.List("data/train.jsonl"));
        }

        using (var store = TestStores.Open(dir.Store))
        {
            Assert.Null(store.GetJob("a1b2c3000001"));
            Assert.Equal(10, store.CountPoints(null));
        }
    }

    [Fact]
    public void A_job_id_that_exists_is_refused_and_nothing_of_that_job_is_written()
    {
        using var dir = new StoreDir();
        var (sft, _, _) = ThreeJobs();
        using var store = TestStores.Open(dir.Store);
        store.CreateJob(sft);
        var newRecipe = Recipe("sft-basic", "2.0.0", "sft", T0.AddDays(1));
        var other = FileDataset("data/other.jsonl", "{}\n", 1, T0.AddDays(1));
        var again = NewJob(sft.Job.Id, newRecipe, T0.AddDays(1), [("train", other)], lr: "3e-05");

        var ex = Assert.Throws<UserErrorException>(() => store.CreateJob(again));
        Assert.Contains(sft.Job.Id, ex.Message, StringComparison.Ordinal);
        Assert.Equal(Describe(sft.Job), Describe(store.GetJob(sft.Job.Id)!));
        Assert.Null(store.GetRecipeVersion(newRecipe.Hash));
        Assert.Null(store.GetConfig(again.Job.ConfigHash));
        Assert.Empty(store.List("data/other.jsonl"));
    }

    [Fact]
    public void Job_ids_are_found_by_prefix()
    {
        using var dir = new StoreDir();
        using var store = TestStores.Open(dir.Store);
        foreach (var id in new[] { "abc100000001", "abc100000002", "abc200000003", "bbc100000004" })
        {
            store.CreateJob(NewJob(id, SftV1, T0));
        }

        Assert.Equal(["abc100000001", "abc100000002"], store.FindJobIds("abc1", 10).Order(StringComparer.Ordinal));
        Assert.Equal(3, store.FindJobIds("abc", 10).Count);
        Assert.Single(store.FindJobIds("abc", 1));
        Assert.Equal(["bbc100000004"], store.FindJobIds("bbc", 10));
        Assert.Empty(store.FindJobIds("abd", 10));
        Assert.Equal(4, store.FindJobIds("", 10).Count);

        Assert.Equal("abc200000003", JobRules.Resolve(store, "abc2").Id);
        Assert.Equal("abc200000003", JobRules.Resolve(store, "job:ABC2000").Id);
        Assert.Contains("ambiguous", Assert.Throws<UserErrorException>(() => JobRules.Resolve(store, "abc1")).Message, StringComparison.Ordinal);
        Assert.Contains("no job", Assert.Throws<UserErrorException>(() => JobRules.Resolve(store, "abcd")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Metrics_are_appended_with_summaries_and_a_source_is_imported_once_per_job()
    {
        using var dir = new StoreDir();
        var (sft, dpo, _) = ThreeJobs();
        var logged = new List<MetricPoint>();
        using (var store = TestStores.Open(dir.Store))
        {
            store.CreateJob(sft);
            store.CreateJob(dpo);
            var first = Points("loss", 0, 10, s => 2.0 / (s + 1), T0).Concat(Points("reward", 0, 10, s => s % 4, T0)).ToArray();
            var result = store.AppendMetrics(sft.Job.Id, first, null, T0.AddHours(1));
            Assert.Equal((20L, false), (result.Points, result.AlreadyImported));
            Assert.Equal(["loss", "reward"], result.Names);
            logged.AddRange(first);

            // An imported file: later steps, a NaN, an infinity, a re-logged step and a new metric.
            MetricPoint[] file =
            [
                .. Points("loss", 10, 10, s => s == 15 ? double.NaN : 0.05 + (s - 10) * 0.01, T0.AddMinutes(1)),
                new(9, "loss", 0.07, T0.AddMinutes(2)),
                new(20, "reward", double.PositiveInfinity, T0.AddMinutes(2)),
                new(3, "grad_norm", 1.5, T0.AddMinutes(2)),
            ];
            var imported = store.AppendMetrics(sft.Job.Id, file, "sha256:feed", T0.AddHours(2));
            Assert.Equal((13L, false), (imported.Points, imported.AlreadyImported));
            logged.AddRange(file);

            var twice = store.AppendMetrics(sft.Job.Id, file, "sha256:feed", T0.AddHours(3));
            Assert.True(twice.AlreadyImported);
            Assert.Equal(0, twice.Points);
            Assert.Equal(33, store.CountPoints(sft.Job.Id));
            Assert.Equal(T0.AddHours(2), store.GetJob(sft.Job.Id)!.Updated);

            // Sources are per job: the same file for another job is imported.
            Assert.False(store.AppendMetrics(dpo.Job.Id, file, "sha256:feed", T0.AddHours(3)).AlreadyImported);
            Assert.Equal(13, store.CountPoints(dpo.Job.Id));
            Assert.Equal(46, store.CountPoints(null));
        }

        using (var store = TestStores.Open(dir.Store))
        {
            Assert.True(store.AppendMetrics(sft.Job.Id, [new(99, "loss", 0, T0)], "sha256:feed", T0.AddHours(4)).AlreadyImported);
            var job = store.GetJob(sft.Job.Id)!;
            Assert.Equal(["grad_norm", "loss", "reward"], job.Metrics.Select(m => m.Name));
            foreach (var summary in job.Metrics)
            {
                var points = logged.Where(p => p.Name == summary.Name).ToList();
                var finite = points.Where(p => double.IsFinite(p.Value)).ToList();
                var min = finite.OrderBy(p => p.Value).ThenBy(p => p.Step).First();
                var max = finite.OrderByDescending(p => p.Value).ThenBy(p => p.Step).First();
                var firstStep = points.Min(p => p.Step);
                var lastStep = points.Max(p => p.Step);
                Assert.Equal(
                    new MetricSummary(summary.Name, points.Count, firstStep, points.First(p => p.Step == firstStep).Value, lastStep, points.Last(p => p.Step == lastStep).Value,
                        min.Step, min.Value, max.Step, max.Value),
                    summary);
            }

            // The same, spelled out: the NaN counts but is neither min nor max; the re-logged step 9 is not the last step.
            var loss = job.Metrics.Single(m => m.Name == "loss");
            Assert.Equal((21L, 0L, 2.0, 19L, 0.05 + (9 * 0.01)), (loss.Count, loss.FirstStep, loss.First, loss.LastStep, loss.Last));
            Assert.Equal((10L, 0.05, 0L, 2.0), (loss.MinStep, loss.Min, loss.MaxStep, loss.Max));
            var reward = job.Metrics.Single(m => m.Name == "reward");
            Assert.Equal((11L, 20L, double.PositiveInfinity, 3L, 3.0), (reward.Count, reward.LastStep, reward.Last, reward.MaxStep, reward.Max));
        }
    }

    [Fact]
    public void Points_are_read_by_name_then_step_then_in_the_order_they_were_written()
    {
        using var dir = new StoreDir();
        var (sft, _, _) = ThreeJobs();
        using var store = TestStores.Open(dir.Store);
        store.CreateJob(sft);
        store.AppendMetrics(sft.Job.Id, [new(5, "loss", 0.5, T0.AddSeconds(5)), new(3, "b", 3, T0), new(1, "loss", 0.9, T0.AddSeconds(1))], null, T0);
        store.AppendMetrics(sft.Job.Id, [new(3, "loss", 0.7, T0.AddSeconds(9)), new(3, "loss", 0.6, T0.AddSeconds(3)), new(1, "b", 1, T0)], "sha256:1", T0);

        Assert.Equal(["b@1=1", "b@3=3", "loss@1=0.9", "loss@3=0.7", "loss@3=0.6", "loss@5=0.5"],
            store.ReadMetrics(sft.Job.Id, null).Select(p => $"{p.Name}@{p.Step}={p.Value}"));
        Assert.Equal([T0.AddSeconds(1), T0.AddSeconds(9), T0.AddSeconds(3), T0.AddSeconds(5)], store.ReadMetrics(sft.Job.Id, "loss").Select(p => p.Time));
        Assert.Empty(store.ReadMetrics(sft.Job.Id, "los"));
        Assert.Empty(store.ReadMetrics("ffffffffffff", null));
    }

    [Fact]
    public void Metrics_for_a_missing_job_are_refused_and_nothing_is_written()
    {
        using var dir = new StoreDir();
        var (sft, _, _) = ThreeJobs();
        using var store = TestStores.Open(dir.Store);
        store.CreateJob(sft);
        var ex = Assert.Throws<UserErrorException>(() => store.AppendMetrics("0123456789ab", Points("loss", 0, 10, s => 1, T0), null, T0));
        Assert.Contains("no job 0123456789ab", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, store.CountPoints(null));
    }

    [Fact]
    public async Task A_second_open_waits_for_the_first_to_close_and_then_sees_its_writes()
    {
        using var dir = new StoreDir();
        var (sft, _, _) = ThreeJobs();
        var first = TestStores.Open(dir.Store);
        first.CreateJob(sft);
        first.AppendMetrics(sft.Job.Id, [new(1, "loss", 1, T0)], null, T0);
        var clock = Stopwatch.StartNew();
        var second = Task.Run(() =>
        {
            using var store = TestStores.Open(dir.Store, "0.2.0", TimeSpan.FromSeconds(30));
            var opened = clock.Elapsed;
            store.AppendMetrics(sft.Job.Id, [new(2, "loss", 2, T0)], null, T0);
            return opened;
        });

        await Task.Delay(800);
        Assert.False(second.IsCompleted, "the second open did not wait for the first");
        first.Dispose();
        Assert.Same(second, await Task.WhenAny(second, Task.Delay(TimeSpan.FromSeconds(20))));
        Assert.InRange(await second, TimeSpan.FromMilliseconds(800), TimeSpan.FromSeconds(20));
        using var third = TestStores.Open(dir.Store, "0.2.0", TimeSpan.Zero);
        Assert.Equal(2, third.CountPoints(sft.Job.Id));
    }

    [Fact]
    public void A_store_held_longer_than_the_timeout_is_reported_busy()
    {
        using var dir = new StoreDir();
        using (TestStores.Open(dir.Store))
        {
            var clock = Stopwatch.StartNew();
            var ex = Assert.Throws<UserErrorException>(() => TestStores.Open(dir.Store, "0.2.0", TimeSpan.FromMilliseconds(300)));
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(10));
            Assert.Contains("busy", ex.Message, StringComparison.Ordinal);
            Assert.Contains(dir.Store, ex.Message, StringComparison.Ordinal);
            Assert.Contains("TRAINPLAT_STORE_TIMEOUT", ex.Hint, StringComparison.Ordinal);
        }

        using var free = TestStores.Open(dir.Store, "0.2.0", TimeSpan.Zero);
        Assert.Equal(LineageStore.SchemaVersion, free.Info.SchemaVersion);
    }
}
