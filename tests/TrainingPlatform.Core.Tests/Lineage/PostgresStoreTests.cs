using System.Diagnostics;
using System.Globalization;
using Npgsql;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Tests.Support;
using Xunit.Abstractions;
using static TrainingPlatform.Core.Tests.Lineage.LineageSamples;

namespace TrainingPlatform.Core.Tests.Lineage;

/// <summary>
/// What only the server store promises (issue 20): many writers at once lose nothing, job ids stay unique, a client killed
/// mid-import leaves all or nothing, the schema is versioned, and a failed connection is one line without the password.
/// The contract both stores share is <see cref="StoreContractTests"/>.
/// </summary>
[Collection(nameof(StoreProcesses))]
public sealed class PostgresStoreTests(ITestOutputHelper output) : IDisposable
{
    private static readonly RecipeVersionRecord Sft = Recipe("sft-basic", "1.0.0", "sft", T0);
    private readonly List<TestPostgres.Schema> _schemas = [];

    public void Dispose()
    {
        foreach (var schema in _schemas)
        {
            schema.Dispose();
        }
    }

    private string NewStore(bool migrate = true)
    {
        var schema = TestPostgres.NewSchema(migrate);
        _schemas.Add(schema);
        return schema.ConnectionString;
    }

    private static PostgresLineageStore Open(string store, string toolVersion = "0.0.0", TimeSpan? timeout = null) =>
        PostgresLineageStore.Open(store, TestStores.Options(toolVersion, timeout));

    private static string Password => new NpgsqlConnectionStringBuilder(TestPostgres.ConnectionString).Password ?? "";

    [Fact]
    public async Task Sixteen_writers_each_committing_250_single_point_writes_to_one_job_end_with_exactly_4000_points()
    {
        const int Writers = 16;
        const int Each = 250;
        var store = NewStore();
        var job = NewJob("c0ffee000001", Sft, T0);
        using (var lineage = Open(store))
        {
            lineage.CreateJob(job);
        }

        var clock = Stopwatch.StartNew();
        var start = new Barrier(Writers);
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Factory.StartNew(
            () =>
            {
                using var lineage = Open(store, timeout: TimeSpan.FromSeconds(60));
                start.SignalAndWait();
                for (var i = 0; i < Each; i++)
                {
                    var step = (w * StoreWriterRun.PerWriter) + i;
                    lineage.AppendMetrics(job.Job.Id, [new MetricPoint(step, "loss", i, T0.AddMilliseconds(step))], null, T0.AddSeconds(1));
                }
            },
            TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(240));
        output.WriteLine($"{Writers} writers x {Each} single-point commits: {clock.Elapsed.TotalSeconds:0.0} s");

        using (var lineage = Open(store))
        {
            Assert.Equal(Writers * Each, lineage.CountPoints(job.Job.Id));
            var summary = Assert.Single(lineage.GetJob(job.Job.Id)!.Metrics);
            Assert.Equal(("loss", (long)(Writers * Each)), (summary.Name, summary.Count));
            var expected = Enumerable.Range(0, Writers).SelectMany(w => Enumerable.Range(0, Each).Select(i => ((w * StoreWriterRun.PerWriter) + i, (double)i)));
            Assert.Equal(expected.Order(), lineage.ReadMetrics(job.Job.Id, "loss").Select(p => (p.Step, p.Value)).Order());
            Assert.Equal((0L, 0.0, ((Writers - 1) * StoreWriterRun.PerWriter) + Each - 1, Each - 1.0), (summary.FirstStep, summary.First, summary.LastStep, summary.Last));
        }
    }

    [Fact]
    public async Task Eight_concurrent_job_creations_get_eight_distinct_ids_and_one_id_is_taken_once()
    {
        var store = NewStore();
        var train = FileDataset("data/train.jsonl", "{\"prompt\":\"hi\"}\n", 1, T0);

        // Eight `job create` at once, each picking a new id as JobCreator does, all recording the same recipe, config and dataset.
        var start = new Barrier(8);
        var created = Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(
            () =>
            {
                using var lineage = Open(store, timeout: TimeSpan.FromSeconds(60));
                start.SignalAndWait();
                string id;
                do
                {
                    id = JobRules.NewId();
                }
                while (lineage.GetJob(id) is not null);

                lineage.CreateJob(NewJob(id, Sft, T0, [("train", train)]));
                return id;
            },
            TaskCreationOptions.LongRunning)).ToArray();
        var ids = await Task.WhenAll(created).WaitAsync(TimeSpan.FromSeconds(120));
        Assert.Equal(8, ids.Distinct(StringComparer.Ordinal).Count());
        using (var lineage = Open(store))
        {
            Assert.Equal(ids.Order(StringComparer.Ordinal), lineage.FindJobs(new JobQuery()).Select(j => j.Id).Order(StringComparer.Ordinal));
            Assert.Single(lineage.List(null));
            Assert.Single(lineage.ListRecipeVersions());
        }

        // Eight at once with the same id: exactly one is recorded, the others are told the id exists.
        start = new Barrier(8);
        var same = Enumerable.Range(0, 8).Select(i => Task.Factory.StartNew(
            () =>
            {
                using var lineage = Open(store, timeout: TimeSpan.FromSeconds(60));
                start.SignalAndWait();
                try
                {
                    lineage.CreateJob(NewJob("5a5a5a5a5a5a", Sft, T0.AddMinutes(i)));
                    return null;
                }
                catch (UserErrorException ex)
                {
                    return ex.Message;
                }
            },
            TaskCreationOptions.LongRunning)).ToArray();
        var refusals = await Task.WhenAll(same).WaitAsync(TimeSpan.FromSeconds(120));
        Assert.Single(refusals, r => r is null);
        Assert.All(refusals.OfType<string>(), r => Assert.Contains("a job with id 5a5a5a5a5a5a exists already", r, StringComparison.Ordinal));
        using (var lineage = Open(store))
        {
            Assert.Equal(9, lineage.FindJobs(new JobQuery()).Count);
        }
    }

    [Fact]
    public void A_1000000_point_import_killed_with_kill_9_at_any_moment_is_all_there_or_not_at_all()
    {
        const int Earlier = 1000;
        const int Imported = 1_000_000;
        var job = NewJob("dead00000001", Sft, T0);
        string Fresh()
        {
            var store = NewStore();
            using var lineage = Open(store);
            lineage.CreateJob(job);
            lineage.AppendMetrics(job.Job.Id, Points("loss", 0, Earlier, s => s * 0.5, T0), "sha256:earlier", T0);
            return store;
        }

        // Uninterrupted first: when the transaction starts and ends, as the helper measured it.
        TimeSpan opened, committed;
        var full = Fresh();
        using (var run = StoreWriterRun.Start("import", full, job.Job.Id, Imported.ToString(CultureInfo.InvariantCulture)))
        {
            Assert.True(run.WaitForExit(TimeSpan.FromSeconds(180)), "the import did not finish in 180 s");
            Assert.True(run.ExitCode == 0, $"the import exited {run.ExitCode}: {run.Error}");
            (opened, committed) = (Ms(run.Reported("opened")), Ms(run.Reported("committed")));
        }

        output.WriteLine($"uninterrupted: opened {opened.TotalMilliseconds:0} ms, committed {committed.TotalMilliseconds:0} ms after 'ready' ({(committed - opened).TotalMilliseconds:0} ms for 1,000,000 points)");
        Assert.Equal(Earlier + Imported, Check(full));

        string Round(TimeSpan after)
        {
            var store = Fresh();
            string moment;
            using (var run = StoreWriterRun.Start("import", store, job.Job.Id, Imported.ToString(CultureInfo.InvariantCulture)))
            {
                Assert.True(run.WaitFor("ready", TimeSpan.FromSeconds(60)), $"the import never got ready ({run})");
                Thread.Sleep(after);
                run.Kill();
                moment = run.When("committed") is not null ? "after commit" : run.When("opened") is not null ? "mid-transaction" : "before open";
            }

            var points = Check(store);
            Assert.True(moment != "before open" || points == Earlier, $"killed before it opened the store, yet {points} points");
            Assert.True(moment != "after commit" || points == Earlier + Imported, $"killed after its commit, yet {points} points");
            output.WriteLine($"killed {after.TotalMilliseconds:0} ms after 'ready', {moment}: {points} points");
            return moment;
        }

        // Kill moments inside the transaction (between 'opened' and 'committed'), and one on each side.
        var moments = new[] { 0.5, 0.25, 0.75 }.Select(f => opened + ((committed - opened) * f)).Prepend(opened * 0.3).Append(committed * 1.3).Select(Round).ToList();
        Assert.Contains("mid-transaction", moments);
    }

    /// <summary>Waits for any transaction the killed client left (a write locks the job row), then checks the import is all or nothing; returns the points.</summary>
    private static long Check(string store)
    {
        const int Earlier = 1000;
        using var lineage = Open(store, timeout: TimeSpan.FromSeconds(60));
        lineage.AppendMetrics("dead00000001", [new(-1, "probe", 1, T0)], null, T0);
        var count = lineage.CountPoints("dead00000001") - 1;
        Assert.True(count is Earlier or Earlier + 1_000_000, $"{count} points: the import is neither all there nor absent");
        var loss = Assert.Single(lineage.GetJob("dead00000001")!.Metrics, m => m.Name == "loss");
        Assert.Equal(count, loss.Count);
        Assert.Equal(count == Earlier ? Earlier - 1 : StoreWriterRun.ImportFirst + 999_999, loss.LastStep);
        return count;
    }

    private static TimeSpan Ms(double? ms) => TimeSpan.FromMilliseconds(ms ?? throw new InvalidOperationException("the helper did not report its progress"));

    [Fact]
    public void Migrate_creates_the_schema_once_and_a_missing_older_or_newer_schema_is_refused_with_the_password_masked()
    {
        var store = NewStore(migrate: false);

        // No schema yet: refused, and told how to make one.
        var missing = Assert.Throws<UserErrorException>(() => Open(store));
        Assert.Contains("has no trainplat store schema", missing.Message, StringComparison.Ordinal);
        Assert.Contains("trainplat store migrate --store postgresql://", missing.Hint, StringComparison.Ordinal);

        var first = PostgresLineageStore.Migrate(store, TestStores.Options("0.3.0"));
        Assert.Equal((0, 1), (first.From, first.To));
        Assert.Equal([1], first.Applied);
        var again = PostgresLineageStore.Migrate(store, TestStores.Options("0.3.0"));
        Assert.Equal((1, 1, 0), (again.From, again.To, again.Applied.Count));
        using (var lineage = Open(store))
        {
            Assert.Equal((1, "0.3.0"), (lineage.Info.SchemaVersion, lineage.Info.WrittenBy));
            Assert.StartsWith("postgresql://trainplat@", lineage.Info.Path, StringComparison.Ordinal);
        }

        // A trainplat that needs a later schema: run `store migrate`.
        var older = Assert.Throws<UserErrorException>(() => PostgresLineageStore.Open(store, TestStores.Options(), expected: 2));
        Assert.Contains("the store schema is version 1, and this trainplat needs version 2", older.Message, StringComparison.Ordinal);
        Assert.Contains("trainplat store migrate --store postgresql://", older.Hint, StringComparison.Ordinal);

        // A schema written by a newer trainplat: upgrade, and nothing is changed (store migrate refuses too).
        TestPostgres.Execute("INSERT INTO schema_migrations (version, tool, applied) VALUES (2, '9.9.9', now())", store);
        foreach (var refused in new Func<object>[] { () => Open(store, "0.3.0"), () => PostgresLineageStore.Migrate(store, TestStores.Options("0.3.0")) })
        {
            var newer = Assert.Throws<UserErrorException>(refused);
            Assert.Contains("written by trainplat 9.9.9 (store schema 2; this trainplat 0.3.0 reads up to 1); upgrade trainplat", newer.Message, StringComparison.Ordinal);
        }

        foreach (var ex in new[] { missing, older })
        {
            Assert.DoesNotContain(Password, ex.Message + ex.Hint, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_wrong_password_an_unreachable_server_and_a_missing_database_are_each_one_line_without_the_password()
    {
        var settings = new NpgsqlConnectionStringBuilder(TestPostgres.ConnectionString);
        var wrong = new NpgsqlConnectionStringBuilder(settings.ConnectionString) { Password = "not-the-" + Password };
        var nobody = new NpgsqlConnectionStringBuilder(settings.ConnectionString) { Port = FreePort(), Timeout = 5 };
        var noDatabase = new NpgsqlConnectionStringBuilder(settings.ConnectionString) { Database = "no_such_db" };
        var url = $"postgresql://{settings.Username}:{Uri.EscapeDataString("not-the-" + Password)}@{settings.Host}:{settings.Port}/{settings.Database}?sslmode=disable";

        (string Store, string Says)[] cases =
        [
            (wrong.ConnectionString, $"postgresql://{settings.Username}@{settings.Host}:{settings.Port}/{settings.Database}: the server refused the password of user {settings.Username}"),
            (url, $"postgresql://{settings.Username}@{settings.Host}:{settings.Port}/{settings.Database}: the server refused the password of user {settings.Username}"),
            (nobody.ConnectionString, $"postgresql://{settings.Username}@{settings.Host}:{nobody.Port}/{settings.Database}: cannot reach the PostgreSQL server ("),
            (noDatabase.ConnectionString, $"postgresql://{settings.Username}@{settings.Host}:{settings.Port}/no_such_db: the server has no database no_such_db"),
        ];
        foreach (var (store, says) in cases)
        {
            var ex = Assert.Throws<UserErrorException>(() => Open(store));
            Assert.StartsWith(says, ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', ex.Message);
            Assert.NotNull(ex.Hint);
            Assert.DoesNotContain(Password, ex.Message + ex.Hint, StringComparison.Ordinal);
            Assert.Throws<UserErrorException>(() => PostgresLineageStore.Migrate(store, TestStores.Options()));
        }

        // A URL with the right password in it works, and is shown without it.
        var good = $"postgresql://{settings.Username}:{Uri.EscapeDataString(Password)}@{settings.Host}:{settings.Port}/{settings.Database}?sslmode=disable";
        var schema = NewStore();
        using var lineage = Open(good + "&options=" + Uri.EscapeDataString("-c search_path=" + new NpgsqlConnectionStringBuilder(schema).SearchPath));
        Assert.Equal($"postgresql://{settings.Username}@{settings.Host}:{settings.Port}/{settings.Database}", lineage.Info.Path);
        Assert.Equal(0, lineage.CountPoints(null));
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public void LiteDB_to_PostgreSQL_to_LiteDB_reproduces_a_byte_identical_export()
    {
        using var dir = new StoreDir();
        using var file = TestStores.Open(dir.File("source.db"));
        StoreContractTests.Fill(file);
        var exported = ExportBytes(file);

        using var server = Open(NewStore());
        server.Import(file.Export(null));
        Assert.Equal(exported, ExportBytes(server));
        Assert.Equal(StoreContractTests.Contents(file), StoreContractTests.Contents(server));

        using var back = TestStores.Open(dir.File("back.db"));
        back.Import(server.Export(null));
        Assert.Equal(exported, ExportBytes(back));

        // Twice changes nothing.
        Assert.Equal(new ImportCounts(0, 0, 3, 0, 0, 0, 0), server.Import(file.Export(null)));
        Assert.Equal(exported, ExportBytes(server));

        // A larger history (700 jobs of many recipes, sizes and statuses) into both stores: the same export from each.
        var history = Experience.ExperienceHistory.Generate(11, 700).ToBundle(); // more than a page of ListJobs
        using var historyFile = TestStores.Open(dir.File("history.db"));
        using var historyServer = Open(NewStore());
        Assert.Equal(historyFile.Import(history), historyServer.Import(history));
        Assert.Equal(ExportBytes(historyFile), ExportBytes(historyServer));
        Assert.Equal(historyFile.ListJobs(new JobQuery()).Select(j => j.Id), historyServer.ListJobs(new JobQuery()).Select(j => j.Id));
        Assert.Equal(historyFile.ListJobs(new JobQuery(Status: JobStatus.Succeeded)).Take(10).Select(Describe), historyServer.ListJobs(new JobQuery(Status: JobStatus.Succeeded)).Take(10).Select(Describe));
    }
}
