using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Tests.Support;
using TrainingPlatform.Core.Text;
using static TrainingPlatform.Core.Tests.Lineage.LineageSamples;

namespace TrainingPlatform.Core.Tests.Lineage;

/// <summary>Name patterns, downsampling, series, <c>metrics compare</c> and the run table of <c>job list</c>.</summary>
public sealed class MetricCompareTests
{
    private static readonly RecipeVersionRecord Grpo = Recipe("grpo-math", "1.0.0", "grpo", T0);

    [Theory]
    [InlineData("reward/*", "reward/mean", true)]
    [InlineData("reward/*", "reward", false)]
    [InlineData("*loss", "actor/pg_loss", true)]
    [InlineData("optimizer.*", "optimizer.learning_rate", true)]
    [InlineData("optimizer.*", "optimizers.x", false)]
    [InlineData("a?c", "abc", true)]
    [InlineData("a?c", "ac", false)]
    [InlineData("*a*b*", "xxaxxbxx", true)]
    [InlineData("*a*b", "xxbxxa", false)]
    [InlineData("loss", "Loss", false)]
    [InlineData("loss", "loss", true)]
    public void A_name_pattern_matches_stars_and_question_marks_across_slashes_and_dots(string pattern, string name, bool matches) =>
        Assert.Equal(matches, NameGlob.Matches(pattern, name));

    [Fact]
    public void Lttb_keeps_the_spike_of_one_bucket_and_the_first_and_last_points()
    {
        long[] x = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        Assert.Equal([0, 4, 9], MetricDownsampling.Lttb(x, [0, 0, 0, 0, 10, 0, 0, 0, 0, 0], 3));

        // Worked by hand: bucket 1..4 against the mean of 5..8 (6.5, -0.75) picks index 3 (area 34.75 of 7.25, 1.5, 34.75, 3);
        // bucket 5..8 against the last point (9, 0), after (3, 5), picks index 6 (20, 33, 10, 5).
        Assert.Equal([0, 3, 6, 9], MetricDownsampling.Lttb(x, [0, 1, 0, 5, 0, 0, -3, 0, 0, 0], 4));
        Assert.Equal([0, 9], MetricDownsampling.Lttb(x, [0, 1, 0, 5, 0, 0, -3, 0, 0, 0], 2));
        Assert.Equal([0, 1, 2], MetricDownsampling.Lttb([5, 6, 7], [1, 2, 3], 10));
        Assert.Empty(MetricDownsampling.Lttb([], [], 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => MetricDownsampling.Lttb(x, new double[10], 1));
    }

    [Fact]
    public void Lttb_of_a_long_noisy_series_keeps_exactly_n_points_in_order_with_its_extremes()
    {
        var n = 100_000;
        var x = Enumerable.Range(0, n).Select(i => (long)i * 10).ToArray();
        var y = Enumerable.Range(0, n).Select(i => Math.Sin(i / 5000.0) + (0.01 * ((i * 7919) % 13))).ToArray();
        y[61_234] = 40;   // a loss spike
        y[17_000] = -40;
        y[50] = double.NaN;
        var kept = MetricDownsampling.Lttb(x, y, 500);
        Assert.Equal(500, kept.Length);
        Assert.Equal(0, kept[0]);
        Assert.Equal(n - 1, kept[^1]);
        Assert.True(kept.Zip(kept.Skip(1)).All(p => p.First < p.Second));
        Assert.Contains(61_234, kept);
        Assert.Contains(17_000, kept);
    }

    [Fact]
    public void A_series_from_write_order_is_by_step_with_the_last_write_of_a_step_and_knows_the_value_in_effect_at_a_step()
    {
        var s = MetricSeries.FromWriteOrder("loss", [30, 10, 20, 10], [3, 1, 2, 1.5], [4, 1, 2, 3]);
        Assert.Equal([10L, 20, 30], s.Steps);
        Assert.Equal([1.5, 2, 3], s.Values);
        Assert.Equal([3L, 2, 4], s.Times);
        Assert.Equal(-1, s.IndexAt(9));
        Assert.Equal(0, s.IndexAt(10));
        Assert.Equal(0, s.IndexAt(19));
        Assert.Equal(1, s.IndexAt(20));
        Assert.Equal(2, s.IndexAt(30));
        Assert.Equal(-1, s.IndexAt(31)); // the run never got there
    }

    [Fact]
    public void The_store_reads_series_of_only_the_names_asked_for()
    {
        using var dir = new StoreDir();
        using var store = TestStores.Open(dir.Store);
        var job = NewJob("c0ffee000001", Grpo, T0);
        store.CreateJob(job);
        store.AppendMetrics(job.Job.Id, [.. Points("loss", 0, 20_000, s => 1.0 / (s + 1), T0), .. Points("reward", 0, 3, s => s, T0)], null, T0);
        store.AppendMetrics(job.Job.Id, [new(5, "loss", 0.25, T0)], null, T0);
        var read = store.ReadSeries(job.Job.Id, new HashSet<string>(["loss", "kl"], StringComparer.Ordinal));
        var loss = Assert.Single(read);
        Assert.Equal("loss", loss.Name);
        Assert.Equal(20_000, loss.Count);
        Assert.Equal(0.25, loss.Values[5]);
        Assert.Equal(["loss", "reward"], store.ReadSeries(job.Job.Id, null).Select(s => s.Name));
        Assert.Empty(store.ReadSeries("ffffffffffff", null));
    }

    /// <summary>Three GRPO jobs: a logs every 10 steps to 100, b every 20 to 120, c every 10 to 80 (and has no kl).</summary>
    private static (LineageStore Store, JobRecord[] Jobs) ThreeRuns(StoreDir dir)
    {
        var store = TestStores.Open(dir.Store);
        var runs = new (string Id, int Every, int Last, double Rate)[] { ("aaaa00000001", 10, 100, 0.5), ("bbbb00000002", 20, 120, 0.7), ("cccc00000003", 10, 80, 0.6) };
        foreach (var (id, every, last, rate) in runs)
        {
            store.CreateJob(NewJob(id, Grpo, T0));
            var steps = Enumerable.Range(0, (last / every) + 1).Select(i => (long)i * every).ToArray();
            var points = steps.SelectMany(s => new[] { new MetricPoint(s, "reward", rate * s / last, T0), new MetricPoint(s, "actor/pg_loss", 1.0 / (s + 1), T0) });
            if (id[0] != 'c')
            {
                points = points.Concat(steps.Select(s => new MetricPoint(s, "kl", s * 0.001, T0)));
            }

            store.AppendMetrics(id, [.. points], null, T0);
        }

        return (store, [.. runs.Select(r => store.GetJob(r.Id)!)]);
    }

    [Fact]
    public void Compare_at_the_last_step_marks_the_best_job_by_each_metrics_goal()
    {
        using var dir = new StoreDir();
        var (store, jobs) = ThreeRuns(dir);
        using (store)
        {
            var c = MetricComparisons.Compare(store, jobs, new CompareRequest([], CompareAt.Last, -1, []));
            Assert.Equal(["actor/pg_loss", "kl", "reward"], c.Metrics.Select(m => m.Name));
            var loss = c.Metrics[0];
            Assert.Equal(MetricGoal.Minimize, loss.Goal);
            Assert.Equal([100L, 120, 80], loss.Values.Select(v => v.Step));
            Assert.Equal([false, true, false], loss.Values.Select(v => v.Best));
            Assert.Null(loss.CommonStep);
            var kl = c.Metrics[1];
            Assert.False(kl.Values[2].Present);
            Assert.Equal([true, false, false], kl.Values.Select(v => v.Best)); // lower kl is better; c has none
            Assert.Equal([false, true, false], c.Metrics[2].Values.Select(v => v.Best));

            // --goal turns a guess around; --name picks the rows.
            var flipped = MetricComparisons.Compare(store, jobs, new CompareRequest(["k*"], CompareAt.Last, -1, [MetricComparisons.ParseGoal("kl=max")]));
            Assert.Equal([false, true, false], Assert.Single(flipped.Metrics).Values.Select(v => v.Best));
        }
    }

    [Fact]
    public void Compare_at_a_step_takes_the_value_in_effect_there_and_nothing_from_a_job_that_ended_before_it()
    {
        using var dir = new StoreDir();
        var (store, jobs) = ThreeRuns(dir);
        using (store)
        {
            var at = MetricComparisons.Compare(store, jobs, new CompareRequest(["reward"], CompareAt.Step, 90, []));
            var reward = Assert.Single(at.Metrics);
            Assert.Equal([(90L, 0.45), (80L, 0.7 * 80 / 120), (-1L, double.NaN)], reward.Values.Select(v => (v.Step, v.Value)));
            Assert.Equal([false, true, false], reward.Values.Select(v => v.Best));

            var best = MetricComparisons.Compare(store, jobs, new CompareRequest(["actor/*"], CompareAt.Best, -1, []));
            // Lower is better for a loss: each job's minimum, at the step first reached.
            Assert.Equal([(100L, 1.0 / 101, false), (120L, 1.0 / 121, true), (80L, 1.0 / 81, false)], Assert.Single(best.Metrics).Values.Select(v => (v.Step, v.Value, v.Best)));
        }
    }

    [Fact]
    public void Compare_refuses_a_job_given_twice_and_a_pattern_that_matches_nothing()
    {
        using var dir = new StoreDir();
        var (store, jobs) = ThreeRuns(dir);
        using (store)
        {
            Assert.Contains("given twice", Assert.Throws<UserErrorException>(() => MetricComparisons.Compare(store, [jobs[0], jobs[0]], new CompareRequest([], CompareAt.Last, -1, []))).Message, StringComparison.Ordinal);
            var none = Assert.Throws<UserErrorException>(() => MetricComparisons.Compare(store, jobs, new CompareRequest(["rewrad"], CompareAt.Last, -1, [])));
            Assert.Equal("no metric matching 'rewrad' in any of the 3 jobs", none.Message);
            Assert.Equal("did you mean 'reward'?", none.Hint);
            Assert.Throws<UserErrorException>(() => MetricComparisons.ParseGoal("kl=up"));
        }
    }

    private static JobRecord Job(string id, string config, params (string Name, double Last)[] metrics) =>
        NewJob(id, Grpo, T0).Job with
        {
            ConfigHash = Sha(config),
            Metrics = [.. metrics.Select(m => new MetricSummary(m.Name, 10, 0, 0, 90, m.Last, 0, Math.Min(0, m.Last), 90, Math.Max(0, m.Last)))],
        };

    [Fact]
    public void The_run_table_reads_config_paths_fields_and_metric_summaries_sorts_and_filters()
    {
        string Config(string lr, int batch) => $"{{\"optimizer\":{{\"learning_rate\":{lr},\"name\":\"adamw\"}},\"batch\":{{\"size\":{batch}}}}}";
        var configs = new[] { Config("1e-06", 256), Config("2e-06", 512), Config("5e-06", 256) }.ToDictionary(Sha, c => c);
        JobRecord[] jobs =
        [
            Job("aaaa00000001", Config("1e-06", 256), ("reward", 0.5), ("loss", 0.2)),
            Job("bbbb00000002", Config("2e-06", 512), ("reward", 0.7)),
            Job("cccc00000003", Config("5e-06", 256), ("reward", 0.6)),
        ];
        var reads = 0;
        string? ByHash(string h)
        {
            reads++;
            return configs.GetValueOrDefault(h);
        }

        var t = RunTables.Build(jobs, ByHash, new RunTableRequest(["optimizer.learning_rate", "metric:reward.last", "status"], "-metric:reward.last", []));
        Assert.Equal(["optimizer.learning_rate", "metric:reward.last", "status"], t.Columns.Select(c => c.Text));
        Assert.Equal(["bbbb00000002", "cccc00000003", "aaaa00000001"], t.Rows.Select(r => r.Job.Id));
        Assert.Equal([2e-6, 0.7], t.Rows[0].Values.Take(2).Select(v => v.Number));
        Assert.Equal("pending", t.Rows[0].Values[2].Text);
        Assert.Equal(3, reads); // one read per config hash

        // Globs expand; a missing metric sorts last either way; filters combine.
        var g = RunTables.Build(jobs, ByHash, new RunTableRequest(["optimizer.*", "metric:*"], "metric:loss", ["batch.size=256", "optimizer.learning_rate<3e-6"]));
        Assert.Equal(["optimizer.learning_rate", "optimizer.name", "metric:loss.last", "metric:reward.last"], g.Columns.Select(c => c.Text));
        Assert.Equal(["aaaa00000001"], g.Rows.Select(r => r.Job.Id));
        Assert.Equal(["aaaa00000001", "bbbb00000002", "cccc00000003"],
            RunTables.Build(jobs, ByHash, new RunTableRequest(["metric:loss"], "metric:loss.last", [])).Rows.Select(r => r.Job.Id));
        Assert.Equal(["aaaa00000001", "bbbb00000002", "cccc00000003"],
            RunTables.Build(jobs, ByHash, new RunTableRequest(["metric:loss"], "-metric:loss.last", [])).Rows.Select(r => r.Job.Id));
        Assert.Equal(["bbbb00000002", "cccc00000003"],
            RunTables.Build(jobs, ByHash, new RunTableRequest([], null, ["metric:loss!=*", "optimizer.name=adam*"])).Rows.Select(r => r.Job.Id));

        var typo = Assert.Throws<UserErrorException>(() => RunTables.Build(jobs, ByHash, new RunTableRequest(["optimizer.learnig_rate"], null, [])));
        Assert.Equal("did you mean 'optimizer.learning_rate'?", typo.Hint);
        Assert.Contains("compares numbers", Assert.Throws<UserErrorException>(() => RunTables.Build(jobs, ByHash, new RunTableRequest([], null, ["status>running"]))).Message, StringComparison.Ordinal);
        Assert.Contains("one key", Assert.Throws<UserErrorException>(() => RunTables.Build(jobs, ByHash, new RunTableRequest([], "metric:*", []))).Message, StringComparison.Ordinal);
    }
}
