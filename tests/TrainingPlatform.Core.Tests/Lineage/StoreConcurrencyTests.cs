using System.Diagnostics;
using System.Globalization;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Tests.Support;
using Xunit.Abstractions;
using static TrainingPlatform.Core.Tests.Lineage.LineageSamples;

namespace TrainingPlatform.Core.Tests.Lineage;

/// <summary>Tests that start writer processes run alone, so that their timings mean something on a small machine.</summary>
[CollectionDefinition(nameof(StoreProcesses), DisableParallelization = true)]
public sealed class StoreProcesses;

/// <summary>Issue 6's guarantees with real processes: concurrent writers lose nothing; kill -9 mid-import leaves all or nothing.</summary>
[Collection(nameof(StoreProcesses))]
public sealed class StoreConcurrencyTests(ITestOutputHelper output)
{
    private static readonly RecipeVersionRecord Sft = Recipe("sft-basic", "1.0.0", "sft", T0);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_store_another_process_is_writing_is_judged_under_the_lock_not_before_it(bool reading)
    {
        // While a writer holds the lock, the file may be mid-write: its header already counts a page not yet on disk.
        // Opening then must wait for the lock and look again, not call the store damaged (CI saw exactly that with 8 writers).
        using var dir = new StoreDir();
        var job = NewJob("c0ffee000002", Sft, T0);
        using (var store = TestStores.Open(dir.Store))
        {
            store.CreateJob(job);
        }

        var whole = File.ReadAllBytes(dir.Store);
        Task<long> open;
        using (StoreLock.Acquire(dir.Store, TimeSpan.Zero))
        {
            File.WriteAllBytes(dir.Store, whole[..^8192]); // the writer's last page is not written yet
            open = Task.Run(() =>
            {
                using var store = reading ? TestStores.OpenForReading(dir.Store, "0.2.0", TimeSpan.FromSeconds(30)) : TestStores.Open(dir.Store, "0.2.0", TimeSpan.FromSeconds(30));
                return store.GetJob(job.Job.Id) is null ? 0L : 1L;
            });
            Thread.Sleep(300);
            File.WriteAllBytes(dir.Store, whole); // ... and now it is
        }

        Assert.Equal(1L, await open);
    }

    [Fact]
    public void Eight_processes_each_committing_500_single_point_writes_end_with_exactly_4000_points()
    {
        const int Writers = 8;
        const int Each = 500;
        var limit = TimeSpan.FromSeconds(240);
        using var dir = new StoreDir();
        var job = NewJob("c0ffee000001", Sft, T0);
        using (var store = TestStores.Open(dir.Store))
        {
            store.CreateJob(job);
        }

        var clock = Stopwatch.StartNew();
        var runs = Enumerable.Range(0, Writers)
            .Select(w => StoreWriterRun.Start("log", dir.Store, job.Job.Id, Each.ToString(CultureInfo.InvariantCulture), w.ToString(CultureInfo.InvariantCulture)))
            .ToList();
        try
        {
            foreach (var (run, w) in runs.Select((r, w) => (r, w)))
            {
                Assert.True(run.WaitForExit(limit - clock.Elapsed), $"the writers did not finish in {limit.TotalSeconds} s (writer {w} still running)");
                Assert.True(run.ExitCode == 0, $"writer {w} exited {run.ExitCode}: {run.Error}");
            }
        }
        finally
        {
            runs.ForEach(r => r.Dispose()); // kills any still running
        }

        var elapsed = clock.Elapsed;
        output.WriteLine($"{Writers} processes x {Each} single-point writes: {elapsed.TotalSeconds:0.0} s ({Writers * Each / elapsed.TotalSeconds:0} commits/s), files: {string.Join(", ", dir.Files())}");

        using (var store = TestStores.Open(dir.Store, "0.2.0", TimeSpan.Zero))
        {
            Assert.Equal(Writers * Each, store.CountPoints(job.Job.Id));
            var summary = Assert.Single(store.GetJob(job.Job.Id)!.Metrics);
            Assert.Equal(("loss", (long)(Writers * Each)), (summary.Name, summary.Count));

            // Every (writer, i) exactly once, with its value.
            var points = store.ReadMetrics(job.Job.Id, "loss");
            var expected = Enumerable.Range(0, Writers).SelectMany(w => Enumerable.Range(0, Each).Select(i => ((w * StoreWriterRun.PerWriter) + i, (double)i)));
            Assert.Equal(expected.Order(), points.Select(p => (p.Step, p.Value)).Order());
            Assert.Equal((0L, 0.0, ((Writers - 1) * StoreWriterRun.PerWriter) + Each - 1, Each - 1.0), (summary.FirstStep, summary.First, summary.LastStep, summary.Last));
        }

        using (var store = TestStores.Open(dir.Store, "0.2.0", TimeSpan.Zero))
        {
            Assert.Equal(Writers * Each, store.CountPoints(null));
        }
    }

    [Fact]
    public void A_100000_point_import_killed_at_any_moment_is_all_there_or_not_at_all_and_earlier_points_survive()
    {
        const int Earlier = 1000;
        const int Imported = 100_000;
        using var dir = new StoreDir();
        var job = NewJob("dead00000001", Sft, T0);
        var template = dir.File("template.db");
        using (var store = TestStores.Open(template))
        {
            store.CreateJob(job);
            store.AppendMetrics(job.Job.Id, Points("loss", 0, Earlier, s => s * 0.5, T0), "sha256:earlier", T0);
        }

        // Uninterrupted runs first: how long the import takes, and when its transaction starts and ends, as the helper
        // measured it (the second run, with a warm page cache, is what the kills below meet).
        TimeSpan opened = default, committed = default, closed = default;
        for (var warm = 0; warm < 2; warm++)
        {
            var full = Copy(dir, template, $"full{warm}");
            using (var run = StoreWriterRun.Start("import", full, job.Job.Id, Imported.ToString(CultureInfo.InvariantCulture)))
            {
                Assert.True(run.WaitForExit(TimeSpan.FromSeconds(120)), "the import did not finish in 120 s");
                Assert.True(run.ExitCode == 0, $"the import exited {run.ExitCode}: {run.Error}");
                (opened, committed, closed) = (Ms(run.Reported("opened")), Ms(run.Reported("committed")), Ms(run.Reported("closed")));
            }

            output.WriteLine($"uninterrupted run {warm}: opened {opened.TotalMilliseconds:0} ms, committed {committed.TotalMilliseconds:0} ms, closed {closed.TotalMilliseconds:0} ms after 'ready'");
            Check(full, Earlier + Imported);
        }

        // One round: a fresh copy of the template, kill -9 the import `after` its 'ready', reopen at once and check.
        string Round(int round, TimeSpan after)
        {
            var store = Copy(dir, template, $"round{round}");
            string moment;
            bool logLeft;
            using (var run = StoreWriterRun.Start("import", store, job.Job.Id, Imported.ToString(CultureInfo.InvariantCulture)))
            {
                Assert.True(run.WaitFor("ready", TimeSpan.FromSeconds(60)), $"the import never got ready ({run})");
                Thread.Sleep(after);
                run.Kill();
                moment = run.When("closed") is not null ? "after close"
                    : run.When("committed") is not null ? "after commit"
                    : run.When("opened") is not null ? "mid-transaction"
                    : "before open";
                logLeft = File.Exists(LogFile(store));
            }

            var points = Check(store, moment switch
            {
                "before open" => Earlier,
                "after commit" or "after close" => Earlier + Imported,
                _ => null, // printed 'opened', not yet 'committed': the commit may just have finished
            });
            output.WriteLine($"round {round}: killed {after.TotalMilliseconds:0} ms after 'ready', {moment}, -log.db {(logLeft ? "left" : "absent")}, {points} points after reopening");
            return moment;
        }

        // Kill moments spread over the run, then bisection between the latest kill before the open and the earliest
        // after the commit until one lands inside the transaction.
        double[] fractions = [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95, 1.1];
        var rounds = fractions.Select((f, round) => (At: closed * f, Moment: Round(round, closed * f))).ToList();
        for (var extra = 0; extra < 8 && !rounds.Any(r => r.Moment == "mid-transaction"); extra++)
        {
            var before = rounds.Where(r => r.Moment == "before open").Select(r => r.At).DefaultIfEmpty(TimeSpan.Zero).Max();
            var after = rounds.Where(r => r.Moment is "after commit" or "after close").Select(r => r.At).DefaultIfEmpty(closed + before).Min();
            var at = after > before ? (before + after) / 2 : (opened + committed) / 2;
            rounds.Add((at, Round(rounds.Count, at)));
        }

        output.WriteLine(string.Join(", ", rounds.GroupBy(r => r.Moment).Select(g => $"{g.Key}: {g.Count()}")));
        Assert.Contains(rounds, r => r.Moment == "mid-transaction");
    }

    /// <summary>
    /// Opens the store without waiting (the killed process's lock is gone) and checks that the import is all there or
    /// not at all, the earlier points are intact and the summary agrees; returns the number of points.
    /// </summary>
    private static long Check(string path, long? expected)
    {
        const int Earlier = 1000;
        using var store = TestStores.Open(path, "0.2.0", TimeSpan.Zero);
        var job = store.FindJobs(new JobQuery()).Single();
        var count = store.CountPoints(job.Id);
        Assert.True(count is Earlier or Earlier + 100_000, $"{count} points: the import is neither all there nor absent");
        if (expected is { } e)
        {
            Assert.Equal(e, count);
        }

        var points = store.ReadMetrics(job.Id, "loss");
        Assert.Equal(count, points.Count);
        Assert.Equal(Enumerable.Range(0, Earlier).Select(s => (s, s * 0.5)), points.Take(Earlier).Select(p => ((int)p.Step, p.Value)));
        Assert.Equal(Enumerable.Range(0, (int)count - Earlier).Select(i => (StoreWriterRun.ImportFirst + i, i * 0.001)),
            points.Skip(Earlier).Select(p => (p.Step, p.Value)));
        var summary = Assert.Single(job.Metrics);
        Assert.Equal(count, summary.Count);
        Assert.Equal(count == Earlier ? Earlier - 1 : StoreWriterRun.ImportFirst + 99_999, summary.LastStep);

        // The store takes writes again.
        store.AppendMetrics(job.Id, [new(-1, "probe", 1, T0)], null, T0);
        Assert.Equal(count + 1, store.CountPoints(null));
        return count;
    }

    private static TimeSpan Ms(double? ms) => TimeSpan.FromMilliseconds(ms ?? throw new InvalidOperationException("the helper did not report its progress"));

    private static string Copy(StoreDir dir, string template, string name)
    {
        var path = dir.File(name + ".db");
        File.Copy(template, path);
        if (File.Exists(LogFile(template)))
        {
            File.Copy(LogFile(template), LogFile(path));
        }

        return path;
    }

    private static string LogFile(string store) => Path.Combine(Path.GetDirectoryName(store)!, Path.GetFileNameWithoutExtension(store) + "-log" + Path.GetExtension(store));
}
