using System.Text;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Tests.Support;
using static TrainingPlatform.Core.Tests.Lineage.LineageSamples;

namespace TrainingPlatform.Core.Tests.Lineage;

/// <summary>
/// The contract of <see cref="ILineageStore"/>, written once and run against every store (<see cref="LiteDbStoreContractTests"/>,
/// <see cref="PostgresStoreContractTests"/>): records, queries, metrics and summaries, idempotent sources, and
/// <c>job export</c> / <c>job import</c> (JSON Lines that move lineage between stores, keeping ids). Each test has stores
/// of its own; <see cref="Open"/> opens one again (a new connection or file handle), so "after a reopen" means it.
/// </summary>
public abstract class StoreContractTests : IDisposable
{
    /// <summary>For files the tests write (exports); the LiteDB stores live here too.</summary>
    private protected StoreDir Dir { get; } = new();

    /// <summary>Opens the test's store called <paramref name="name"/> (created empty on first use).</summary>
    private protected abstract ILineageStore Open(string name = "store");

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            Dir.Dispose();
        }
    }

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
        var dir = Dir;
        var (sft, dpo, sft2) = ThreeJobs();
        using (var store = Open())
        {
            store.CreateJob(sft);
            store.CreateJob(dpo);
            store.CreateJob(sft2);
        }

        using (var store = Open())
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

        using (var store = Open())
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

        using (var store = Open())
        {
            Assert.Null(store.GetJob("a1b2c3000001"));
            Assert.Equal(10, store.CountPoints(null));
        }
    }

    [Fact]
    public void A_job_id_that_exists_is_refused_and_nothing_of_that_job_is_written()
    {
        var dir = Dir;
        var (sft, _, _) = ThreeJobs();
        using var store = Open();
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
        var dir = Dir;
        using var store = Open();
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
        var dir = Dir;
        var (sft, dpo, _) = ThreeJobs();
        var logged = new List<MetricPoint>();
        using (var store = Open())
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

        using (var store = Open())
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
        var dir = Dir;
        var (sft, _, _) = ThreeJobs();
        using var store = Open();
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
        var dir = Dir;
        var (sft, _, _) = ThreeJobs();
        using var store = Open();
        store.CreateJob(sft);
        var ex = Assert.Throws<UserErrorException>(() => store.AppendMetrics("0123456789ab", Points("loss", 0, 10, s => 1, T0), null, T0));
        Assert.Contains("no job 0123456789ab", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, store.CountPoints(null));
    }

    [Fact]
    public void The_job_index_lists_newest_first_with_the_listing_fields_and_a_caller_may_stop_early()
    {
        var (sft, dpo, sft2) = ThreeJobs();
        using var store = Open();
        store.CreateJob(sft);
        store.CreateJob(dpo);
        store.CreateJob(sft2);
        store.AppendMetrics(sft.Job.Id, Points("loss", 0, 10, s => 1.0 / (s + 1), T0), null, T0.AddHours(1));
        store.UpdateJob(JobRules.Update(store.GetJob(sft2.Job.Id)!, JobStatus.Running, null, T0.AddHours(3)));

        Assert.Equal(["f00d00000003", "a1b2c3000002", "a1b2c3000001"], Ids(store.ListJobs(new JobQuery())));
        Assert.Equal(["f00d00000003"], Ids(store.ListJobs(new JobQuery()).Take(1)));
        Assert.Equal(["f00d00000003", "a1b2c3000001"], Ids(store.ListJobs(new JobQuery(RecipeId: "sft-basic"))));
        Assert.Equal(["a1b2c3000002"], Ids(store.ListJobs(new JobQuery(Task: "dpo"))));
        Assert.Equal(["f00d00000003"], Ids(store.ListJobs(new JobQuery(Status: JobStatus.Running))));
        Assert.Equal(["a1b2c3000002"], Ids(store.ListJobs(new JobQuery(Tag: "nightly", Parameters: 70.6e9))));
        Assert.Equal(["f00d00000003", "a1b2c3000002"], Ids(store.ListJobs(new JobQuery(DatasetName: "shards"))));

        // The listing fields are those of the full record; history, datasets, chain and origin are left empty.
        var listed = store.ListJobs(new JobQuery(RecipeId: "sft-basic")).Last();
        var full = store.GetJob(sft.Job.Id)!;
        Assert.Equal(
            (full.Id, full.Name, full.Status, full.RecipeId, full.RecipeVersion, full.RecipeHash, full.Task, full.Algorithm, full.Model, full.ModelSize, full.Parameters, full.Gpus, full.Nodes, full.ConfigHash, full.Created, full.Updated),
            (listed.Id, listed.Name, listed.Status, listed.RecipeId, listed.RecipeVersion, listed.RecipeHash, listed.Task, listed.Algorithm, listed.Model, listed.ModelSize, listed.Parameters, listed.Gpus, listed.Nodes, listed.ConfigHash, listed.Created, listed.Updated));
        Assert.Equal(full.Sets, listed.Sets);
        Assert.Equal(full.Metrics, listed.Metrics);
        Assert.Equal(dpo.Job.Tags, store.ListJobs(new JobQuery(Task: "dpo")).Single().Tags);
        Assert.Empty(listed.Events);
        Assert.Empty(listed.Datasets);

        // Recipe versions by id then oldest first; dataset summaries keep the file count without the manifest.
        Assert.Equal(["dpo-pref@1.2.0", "sft-basic@1.0.0", "sft-basic@1.1.0"], store.ListRecipeVersions().Select(r => $"{r.RecipeId}@{r.Version}"));
        var shards = store.Summaries("shards").Single();
        Assert.Equal((2, Shards.Hash), (shards.FileCount, shards.Hash));
        Assert.Equal(["data/prefs.jsonl", "data/train.jsonl", "shards"], store.Summaries(null).Select(v => v.Name));
        Assert.Equal(["a.jsonl", "sub/b.jsonl"], store.Find("shards", Shards.Hash[..6]).Single().Files.Select(f => f.Path));
        Assert.Empty(store.Find("shards", "ffff"));
        Assert.False(store.Add(Shards).Added);
        Assert.True(store.Add(FileDataset("data/new.jsonl", "{}\n", 1, T0.AddDays(1))).Added);
    }

    [Fact]
    public void Followed_points_and_their_file_positions_are_written_together_and_go_with_the_job()
    {
        var (sft, dpo, _) = ThreeJobs();
        using (var store = Open())
        {
            store.CreateJob(sft);
            store.CreateJob(dpo);
            var first = store.AppendFollowed(sft.Job.Id, Points("loss", 0, 5, s => s, T0), [new(sft.Job.Id, "/runs/b.jsonl", 120, 5, 64, "aa"), new(sft.Job.Id, "/runs/a.jsonl", 10, 1, 10, "bb")], T0.AddMinutes(1));
            Assert.Equal((5L, JobStatus.Pending), (first.Written.Points, first.Job.Status));
            Assert.Equal(5, first.Job.Metrics.Single().Count);

            // No new points: the positions still move, and the job comes back as it is.
            var idle = store.AppendFollowed(sft.Job.Id, [], [new(sft.Job.Id, "/runs/b.jsonl", 130, 6, 64, "aa")], T0.AddMinutes(2));
            Assert.Equal((0L, T0.AddMinutes(1)), (idle.Written.Points, idle.Job.Updated));
            store.AppendFollowed(dpo.Job.Id, [], [new(dpo.Job.Id, "/runs/b.jsonl", 1, 1, 1, "cc")], T0);
            Assert.Throws<UserErrorException>(() => store.AppendFollowed("ffffffffffff", [], [], T0));
        }

        using (var store = Open())
        {
            Assert.Equal(["/runs/a.jsonl:10:1", "/runs/b.jsonl:130:6"], store.FollowPositions(sft.Job.Id).Select(p => $"{p.Path}:{p.Offset}:{p.Lines}"));
            Assert.Equal(5, store.DeleteJob(sft.Job.Id));
            Assert.Empty(store.FollowPositions(sft.Job.Id));
            Assert.Single(store.FollowPositions(dpo.Job.Id));
        }
    }

    // ---- export / import ----------------------------------------------------------------------

    private static readonly RecipeVersionRecord SftBase = Recipe("sft-basic", "1.0.0", "sft", T0);
    private static readonly RecipeVersionRecord DpoPref = Recipe("dpo-pref", "1.2.0", "dpo", T0.AddMinutes(1), extends: "sft-basic");
    private static readonly DatasetVersion TrainFile = FileDataset("data/train.jsonl", "{\"prompt\":\"hi\",\"response\":\"hello\"}\n", 1, T0);
    private static readonly DatasetVersion ShardsFolder = FolderDataset("shards", T0.AddSeconds(1), ("a.jsonl", "{\"prompt\":\"x\"}\n", 1), ("sub/b.jsonl", "{\"prompt\":\"y\"}\n{\"prompt\":\"z\"}\n", 2));
    private static readonly DatasetVersion Unused = FileDataset("data/held-out.jsonl", "{\"prompt\":\"q\"}\n", 1, T0.AddSeconds(2));

    /// <summary>
    /// A parent job (succeeded, with loss incl. NaN and infinity, an imported file and a second metric), its clone (child,
    /// running, on the folder and the extends chain), a job without metrics, and a dataset version no job uses.
    /// </summary>
    internal static void Fill(ILineageStore store)
    {
        var parent = NewJob("aaaa00000001", SftBase, T0.AddMinutes(2), [("train", TrainFile)]);
        store.CreateJob(parent);
        store.UpdateJob(JobRules.Update(store.GetJob(parent.Job.Id)!, JobStatus.Running, null, T0.AddMinutes(3)));
        store.AppendMetrics(parent.Job.Id, Points("loss", 0, 500, s => s == 7 ? double.NaN : 3.0 / (s + 1), T0.AddMinutes(3)), null, T0.AddMinutes(4));
        store.AppendMetrics(parent.Job.Id, [.. Points("loss", 500, 10, s => 0.001, T0.AddMinutes(5)), new(510, "loss", double.NegativeInfinity, T0.AddMinutes(6)),
            .. Points("reward", 0, 20, s => s * 0.25, T0.AddMinutes(5))], "sha256:0f0f", T0.AddMinutes(6));
        store.UpdateJob(JobRules.Update(store.GetJob(parent.Job.Id)!, JobStatus.Succeeded, "best so far", T0.AddMinutes(7)));

        var child = NewJob("bbbb00000002", DpoPref, T0.AddMinutes(8), [("eval", ShardsFolder), ("train", TrainFile)], chain: [SftBase], parentId: parent.Job.Id, lr: "5e-06");
        store.CreateJob(child);
        store.UpdateJob(JobRules.Update(store.GetJob(child.Job.Id)!, JobStatus.Running, null, T0.AddMinutes(9)));
        store.AppendMetrics(child.Job.Id, Points("loss", 0, 9000, s => 1.0 / (s + 2), T0.AddMinutes(9)), null, T0.AddMinutes(10)); // two batches

        store.CreateJob(NewJob("cccc00000003", SftBase, T0.AddMinutes(11), modelSize: "1B", parameters: 1.24e9, lr: "1e-04"));
        store.Add(Unused);
    }

    private static string Write(StoreDir dir, string name, ILineageStore store)
    {
        var path = dir.File(name);
        File.WriteAllBytes(path, ExportBytes(store));
        return path;
    }

    /// <summary>Jobs (with summaries), points, recipe versions, configs and dataset versions with manifests, as text.</summary>
    internal static string Contents(ILineageStore store)
    {
        var jobs = store.FindJobs(new JobQuery());
        return string.Join("\n", jobs.Select(j => Describe(j) + "\n" + string.Join(";", store.ReadMetrics(j.Id, null).Select(p => $"{p.Name}@{p.Step}={p.Value:R}@{p.Time.ToUnixTimeMilliseconds()}"))))
            + "\n" + string.Join("\n", jobs.SelectMany(j => j.Chain).Distinct().Select(h => store.GetRecipeVersion(h)!.ToString()))
            + "\n" + string.Join("\n", jobs.Select(j => store.GetConfig(j.ConfigHash)))
            + "\n" + string.Join("\n", store.List(null).Select(v => $"{v.Name}|{v.Path}|{v.IsFolder}|{v.Format}|{v.Size}|{v.Algorithm}|{v.Hash}|{v.Samples}|{string.Join(",", v.Fields)}|{v.Created:O}|"
                + string.Join(";", v.Files.Select(f => $"{f.Path},{f.Size},{f.Hash},{f.Format},{f.Samples},{string.Join("/", f.Fields)}"))));
    }

    [Fact]
    public void Export_then_import_into_an_empty_store_reproduces_everything_and_exports_the_same_bytes()
    {
        var dir = Dir;
        using var source = Open("source");
        Fill(source);
        var first = Write(dir, "all.jsonl", source);

        using var target = Open("target");
        var counts = target.Import(LineageExchange.Read(first));
        Assert.Equal(new ImportCounts(3, 0, 0, 2, 3, 3, 510 + 1 + 20 + 9000), counts);
        Assert.Equal(File.ReadAllBytes(first), ExportBytes(target));
        Assert.Equal(Contents(source), Contents(target));
        Assert.Equal(source.CountPoints(null), target.CountPoints(null));

        // The values a user would look at, spelled out.
        var lines = File.ReadAllLines(first);
        Assert.StartsWith("{\"type\":\"header\",\"format\":\"trainplat-lineage\",\"version\":1,", lines[0], StringComparison.Ordinal);
        Assert.Equal(["header", "recipe_version", "recipe_version", "config", "config", "config", "dataset_version", "dataset_version", "dataset_version", "job", "job", "job"],
            lines.Take(12).Select(l => l[9..l.IndexOf('"', 9)]));
        Assert.Contains(lines, l => l.Contains("[7,\"NaN\",", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("[510,\"-Infinity\",", StringComparison.Ordinal));
        Assert.True(double.IsNaN(target.ReadMetrics("aaaa00000001", "loss")[7].Value));
        Assert.Equal(double.NegativeInfinity, target.ReadMetrics("aaaa00000001", "loss")[^1].Value);
        var child = target.GetJob("bbbb00000002")!;
        Assert.Equal(("aaaa00000001", JobStatus.Running), (child.ParentId, child.Status));
        Assert.Equal([SftBase.Hash, DpoPref.Hash], child.Chain);
        Assert.Equal(["a.jsonl", "sub/b.jsonl"], target.List("shards").Single().Files.Select(f => f.Path));
        Assert.Single(target.List("data/held-out.jsonl"));

        // The imported source hash is known: the same metrics file is not imported twice.
        Assert.True(target.AppendMetrics("aaaa00000001", [new(1, "loss", 1, T0)], "sha256:0f0f", T0.AddHours(1)).AlreadyImported);
    }

    [Fact]
    public void Importing_the_same_export_twice_adds_nothing()
    {
        var dir = Dir;
        using var source = Open("source");
        Fill(source);
        var file = Write(dir, "all.jsonl", source);
        using var target = Open("target");
        target.Import(LineageExchange.Read(file));
        var once = ExportBytes(target);
        var contents = Contents(target);

        Assert.Equal(new ImportCounts(0, 0, 3, 0, 0, 0, 0), target.Import(LineageExchange.Read(file)));
        Assert.Equal(once, ExportBytes(target));
        Assert.Equal(contents, Contents(target));

        // Also into the store it came from.
        Assert.Equal(new ImportCounts(0, 0, 3, 0, 0, 0, 0), source.Import(LineageExchange.Read(file)));
        Assert.Equal(File.ReadAllBytes(file), ExportBytes(source));
    }

    [Fact]
    public void A_job_changed_later_on_the_source_wins_and_an_older_copy_does_not()
    {
        var dir = Dir;
        using var source = Open("source");
        Fill(source);
        var old = Write(dir, "old.jsonl", source);
        using var target = Open("target");
        target.Import(LineageExchange.Read(old));

        // Later, on the source: the child finishes and logs more points.
        source.AppendMetrics("bbbb00000002", Points("loss", 9000, 100, s => 0.0001, T0.AddHours(1)), null, T0.AddHours(1));
        source.UpdateJob(JobRules.Update(source.GetJob("bbbb00000002")!, JobStatus.Succeeded, "done", T0.AddHours(2)));
        var newer = Write(dir, "new.jsonl", source);

        Assert.Equal(new ImportCounts(0, 1, 2, 0, 0, 0, 100), target.Import(LineageExchange.Read(newer)));
        var child = target.GetJob("bbbb00000002")!;
        Assert.Equal((JobStatus.Succeeded, T0.AddHours(2), "done"), (child.Status, child.Finished, child.Events[^1].Note));
        Assert.Equal(9100, child.Metrics.Single().Count);
        Assert.Equal(File.ReadAllBytes(newer), ExportBytes(target));
        Assert.Equal(Contents(source), Contents(target));

        // The old export again: nothing goes back.
        Assert.Equal(new ImportCounts(0, 0, 3, 0, 0, 0, 0), target.Import(LineageExchange.Read(old)));
        Assert.Equal(JobStatus.Succeeded, target.GetJob("bbbb00000002")!.Status);
        Assert.Equal(File.ReadAllBytes(newer), ExportBytes(target));
    }

    [Fact]
    public void One_job_exports_with_its_recipe_versions_config_datasets_and_points_only()
    {
        var dir = Dir;
        using var source = Open("source");
        Fill(source);
        var bundle = source.Export(["bbbb00000002"]);
        Assert.Equal(["bbbb00000002"], bundle.Jobs.Select(j => j.Id));
        Assert.Equal([SftBase.Hash, DpoPref.Hash], bundle.Recipes.Select(r => r.Hash));
        Assert.Equal([source.GetJob("bbbb00000002")!.ConfigHash], bundle.Configs.Select(c => c.Hash));
        Assert.Equal(["data/train.jsonl", "shards"], bundle.Datasets.Select(d => d.Name));
        Assert.Equal(9000, bundle.Metrics.Sum(m => m.Points.Count));
        Assert.Throws<UserErrorException>(() => source.Export(["ffff00000009"]));

        using var target = Open("target");
        Assert.Equal(new ImportCounts(1, 0, 0, 2, 1, 2, 9000), target.Import(bundle));
        Assert.Equal(Describe(source.GetJob("bbbb00000002")!), Describe(target.GetJob("bbbb00000002")!));
    }

    [Fact]
    public void Summaries_survive_export_and_import_when_a_step_was_logged_again_with_an_earlier_time()
    {
        // A live `metrics log` of step 5, then `metrics import` of the trainer's file, which has step 5 too, timed earlier.
        var dir = Dir;
        using var source = Open("source");
        source.CreateJob(NewJob("aaaa00000001", SftBase, T0));
        source.AppendMetrics("aaaa00000001", [new(5, "loss", 1.0, T0.AddSeconds(10))], null, T0.AddSeconds(10));
        source.AppendMetrics("aaaa00000001", [new(4, "loss", 3.0, T0), new(5, "loss", 2.0, T0.AddSeconds(1))], "sha256:trainer", T0.AddSeconds(20));
        using var target = Open("target");
        target.Import(source.Export(null));

        Assert.Equal(source.GetJob("aaaa00000001")!.Metrics, target.GetJob("aaaa00000001")!.Metrics);
    }

    [Fact]
    public void A_malformed_line_is_reported_with_file_and_line_and_nothing_is_imported()
    {
        var dir = Dir;
        using var source = Open("source");
        Fill(source);
        var lines = File.ReadAllLines(Write(dir, "all.jsonl", source));
        using var target = Open("target");
        target.CreateJob(NewJob("dddd00000004", SftBase, T0));
        var before = ExportBytes(target);

        // A cut-off job line (line 11), and a job line without its status (line 12).
        var broken = dir.File("broken.jsonl");
        File.WriteAllLines(broken, [.. lines[..10], lines[10][..40], .. lines[11..]]);
        var ex = Assert.Throws<UserErrorException>(() => LineageExchange.Read(broken));
        Assert.StartsWith(broken + ":11: ", ex.Message, StringComparison.Ordinal);
        File.WriteAllLines(broken, [.. lines[..11], lines[11].Replace("\"status\":\"pending\",", "", StringComparison.Ordinal), .. lines[12..]]);
        Assert.StartsWith(broken + ":12: ", Assert.Throws<UserErrorException>(() => LineageExchange.Read(broken)).Message, StringComparison.Ordinal);
        File.WriteAllLines(broken, [.. lines[1..]]);
        Assert.StartsWith(broken + ":1: ", Assert.Throws<UserErrorException>(() => LineageExchange.Read(broken)).Message, StringComparison.Ordinal);
        File.WriteAllBytes(broken, [.. Encoding.UTF8.GetBytes(lines[0] + "\n" + lines[1] + "\n"), 0xff, 0xfe, (byte)'\n', .. Encoding.UTF8.GetBytes(lines[2] + "\n")]);
        Assert.StartsWith(broken + ":3: ", Assert.Throws<UserErrorException>(() => LineageExchange.Read(broken)).Message, StringComparison.Ordinal);

        // Well-formed lines whose import fails late (metrics of a job the export lacks): one transaction, nothing stays.
        File.WriteAllLines(broken, [.. lines, lines[^1].Replace("\"job\":\"bbbb00000002\"", "\"job\":\"eeee00000005\"", StringComparison.Ordinal)
            .Replace("\"id\":\"bbbb00000002:", "\"id\":\"eeee00000005:", StringComparison.Ordinal)]);
        var late = Assert.Throws<UserErrorException>(() => target.Import(LineageExchange.Read(broken)));
        Assert.Contains("eeee00000005", late.Message, StringComparison.Ordinal);
        Assert.Equal(before, ExportBytes(target));
        Assert.Empty(target.List(null));
        Assert.Equal(0, target.CountPoints(null));
    }
}
