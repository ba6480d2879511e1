using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Tests.Support;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>
/// Issue 20's acceptance with real <c>trainplat</c> processes (the JIT build, or the native binary in <c>TRAINPLAT_BIN</c>)
/// against a real PostgreSQL server (<c>TRAINPLAT_TEST_PG</c>), each test in a schema of its own: many processes writing
/// metrics into one job at once, many processes creating jobs at once, and two project folders sharing one server
/// through <c>TRAINPLAT_STORE</c> from <c>job create</c> to <c>suggest</c> and <c>recommend</c>.
/// </summary>
public sealed class TeamStoreProcessTests
{
    private const int Writers = 16;
    private const int LinesPerWriter = 250;
    private const int Chunks = 5;
    private const int StepsPerWriter = 1000;

    /// <summary>A schema with the trainplat tables (<c>store migrate</c>) and the environment that points a project folder at it.</summary>
    private static Dictionary<string, string> Migrated(TestPostgres.Schema server, string folder)
    {
        var migrate = CliRun.InProcess(folder, "store", "migrate", "--store", server.ConnectionString);
        Assert.True(migrate.ExitCode == ExitCodes.Ok, migrate.ToString());
        return new Dictionary<string, string> { ["TRAINPLAT_STORE"] = server.ConnectionString };
    }

    private static CliResult Run(string folder, Dictionary<string, string> environment, params string[] args)
    {
        var r = CliRun.Process(folder, environment, args);
        Assert.True(r.ExitCode == ExitCodes.Ok, $"trainplat {string.Join(' ', args)}: {r}");
        return r;
    }

    private static JsonNode Json(string folder, Dictionary<string, string> environment, params string[] args) =>
        JsonNode.Parse(Run(folder, environment, [.. args, "--format", "json"]).Out)!;

    private static long Points(string folder, Dictionary<string, string> environment, string job, string metric) =>
        Json(folder, environment, "metrics", "show", job)["metrics"]!.AsArray()
            .Where(m => (string)m!["name"]! == metric).Select(m => (long)m!["count"]!).SingleOrDefault();

    private static string[] Ids(JsonNode? array) => [.. array!.AsArray().Select(n => n!.GetValue<string>()).Order(StringComparer.Ordinal)];

    /// <summary>
    /// <c>metrics log --stdin</c> commits once per 1,000 lines or a second after the oldest line not yet recorded, so each of
    /// the 16 processes gets its 250 lines in 5 chunks a little over a second apart: 5 transactions per process, 80 in all,
    /// interleaved on one job. The first chunk is recorded by every process before the rest is sent, so no process can
    /// fold its chunks together while it is still starting.
    /// </summary>
    [Fact]
    public async Task Sixteen_processes_streaming_250_lines_each_into_one_job_on_the_server_end_with_exactly_4000_points()
    {
        using var server = TestPostgres.NewSchema(migrate: false);
        using var temp = TempDir.CopyOf(Repo.Examples);
        var environment = Migrated(server, temp.Path);
        var job = Run(temp.Path, environment, "job", "create", "-r", "grpo_math_small", "-s", "7B").Out.Trim();
        Run(temp.Path, environment, "job", "update", job, "--status", "running");

        var writers = new List<(Process Process, Task<string> Out, Task<string> Error)>();
        try
        {
            for (var w = 0; w < Writers; w++)
            {
                var start = ToolUnderTest.StartInfo(temp.Path);
                start.RedirectStandardInput = true;
                start.StandardInputEncoding = new UTF8Encoding(false);
                foreach (var a in new[] { "metrics", "log", job, "--stdin", "--format", "json" })
                {
                    start.ArgumentList.Add(a);
                }

                foreach (var (k, v) in environment)
                {
                    start.Environment[k] = v;
                }

                var process = Process.Start(start)!;
                writers.Add((process, process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync()));
            }

            const int PerChunk = LinesPerWriter / Chunks;
            for (var chunk = 0; chunk < Chunks; chunk++)
            {
                for (var w = 0; w < Writers; w++)
                {
                    var lines = new StringBuilder();
                    for (var i = chunk * PerChunk; i < (chunk + 1) * PerChunk; i++)
                    {
                        lines.Append(CultureInfo.InvariantCulture, $"{(w * StepsPerWriter) + i} loss={i}\n");
                    }

                    var input = writers[w].Process.StandardInput;
                    input.Write(lines.ToString());
                    input.Flush();
                }

                if (chunk == 0)
                {
                    // Every process is up and has committed its first chunk: 16 × 50 points, read while all 16 go on.
                    var deadline = Stopwatch.StartNew();
                    while (Points(temp.Path, environment, job, "loss") < Writers * PerChunk)
                    {
                        Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), "the 16 processes did not record their first lines within 60 s");
                        Assert.DoesNotContain(writers, x => x.Process.HasExited);
                        await Task.Delay(250);
                    }

                    Assert.Equal(Writers * PerChunk, Points(temp.Path, environment, job, "loss"));
                }
                else
                {
                    await Task.Delay(TimeSpan.FromSeconds(1.6));
                }
            }

            foreach (var (process, _, _) in writers)
            {
                process.StandardInput.Close();
            }

            foreach (var (process, output, error) in writers)
            {
                if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
                {
                    throw new TimeoutException("trainplat metrics log --stdin did not end a minute after its input closed");
                }

                var (stdout, stderr) = (await output, await error);
                var shown = new CliResult(process.ExitCode, stdout, stderr).ToString();
                Assert.True(process.ExitCode == ExitCodes.Ok, shown);
                var result = JsonNode.Parse(stdout)!;
                Assert.Equal((LinesPerWriter, LinesPerWriter, false), ((int)result["lines"]!, (int)result["points"]!, (bool)result["interrupted"]!));

                // 5 chunks more than a second apart: one transaction each, unless a busy machine let two meet.
                Assert.True((int)result["transactions"]! >= 3, shown);
            }
        }
        finally
        {
            foreach (var (process, _, _) in writers)
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }

                process.Dispose();
            }
        }

        var show = Json(temp.Path, environment, "metrics", "show", job);
        var loss = show["metrics"]!.AsArray().Single(m => (string)m!["name"]! == "loss")!;
        Assert.Equal(Writers * LinesPerWriter, (long)loss["count"]!);
        Assert.Equal(((Writers - 1) * StepsPerWriter) + LinesPerWriter - 1, (long)loss["last_step"]!);

        var info = Json(temp.Path, environment, "store", "info");
        Assert.Equal(Writers * LinesPerWriter, (long)info["points"]!);
    }

    /// <summary>
    /// The other way a trainer logs: one <c>metrics log --step</c> process per step, each its own transaction. 16 of them
    /// start at once (a process each costs about half a second of CPU in the JIT build, so 16 × 250 of them would take
    /// many minutes on a 2-core machine; the streams above carry the volume).
    /// </summary>
    [Fact]
    public async Task Sixteen_metrics_log_processes_started_at_once_on_the_server_each_record_their_step()
    {
        using var server = TestPostgres.NewSchema(migrate: false);
        using var temp = TempDir.CopyOf(Repo.Examples);
        var environment = Migrated(server, temp.Path);
        var job = Run(temp.Path, environment, "job", "create", "-r", "grpo_math_small", "-s", "7B").Out.Trim();

        using var go = new ManualResetEventSlim();
        var logs = Enumerable.Range(0, Writers).Select(w => Task.Run(() =>
        {
            go.Wait();
            var step = (w * StepsPerWriter).ToString(CultureInfo.InvariantCulture);
            return CliRun.Process(temp.Path, environment, "metrics", "log", job, "--step", step, $"loss={w}", "reward=0.5", "--start");
        })).ToArray();
        go.Set();
        foreach (var r in await Task.WhenAll(logs))
        {
            Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
            Assert.Equal("", r.Out);
        }

        var show = Json(temp.Path, environment, "metrics", "show", job)["metrics"]!.AsArray();
        Assert.Equal([("loss", Writers), ("reward", Writers)], show.Select(m => ((string)m!["name"]!, (int)m!["count"]!)));
        var loss = show.Single(m => (string)m!["name"]! == "loss")!;
        Assert.Equal((0L, (Writers - 1L) * StepsPerWriter, Writers - 1.0), ((long)loss["first_step"]!, (long)loss["last_step"]!, (double)loss["last"]!));
        Assert.Equal("running", (string)Json(temp.Path, environment, "job", "show", job)["status"]!);
    }

    [Fact]
    public async Task Eight_processes_creating_jobs_at_once_on_the_server_get_eight_distinct_ids_and_all_are_listed()
    {
        using var server = TestPostgres.NewSchema(migrate: false);
        using var temp = TempDir.CopyOf(Repo.Examples);
        var environment = Migrated(server, temp.Path);

        using var go = new ManualResetEventSlim();
        var creates = Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            go.Wait();
            return CliRun.Process(temp.Path, environment, "job", "create", "-r", "grpo_math_small", "-s", "7B", "-d", "train=data/train.jsonl");
        })).ToArray();
        go.Set();
        var results = await Task.WhenAll(creates);
        foreach (var r in results)
        {
            Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
            Assert.Matches("^[0-9a-f]{12}\n$", r.Out);
        }

        var ids = results.Select(r => r.Out.Trim()).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(8, ids.Distinct().Count());

        var listed = Json(temp.Path, environment, "job", "list").AsArray().Select(j => (string)j!["id"]!).Order(StringComparer.Ordinal);
        Assert.Equal(ids, listed);
        Assert.EndsWith("8 jobs\n", Run(temp.Path, environment, "job", "list").Out, StringComparison.Ordinal);
    }

    /// <summary>
    /// Two copies of the examples (two people's project folders) with <c>TRAINPLAT_STORE</c> naming the same server: A
    /// records a job with a dataset and imports 100,000 points, B records a job, and from B <c>lineage</c> shows A's job
    /// with its dataset and metrics while <c>suggest</c> and <c>recommend</c> count both jobs as evidence.
    /// </summary>
    [Fact]
    public void Jobs_written_from_two_project_folders_are_one_history_for_lineage_suggest_and_recommend()
    {
        using var server = TestPostgres.NewSchema(migrate: false);
        using var first = TempDir.CopyOf(Repo.Examples);
        using var second = TempDir.CopyOf(Repo.Examples);
        var environment = Migrated(server, first.Path);

        var csv = new StringBuilder("step,loss,reward\n");
        for (var step = 0; step < 50_000; step++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{step},{1.0 / (step + 1):0.######},{step / 50_000.0:0.######}\n");
        }

        File.WriteAllText(Path.Combine(first.Path, "train-metrics.csv"), csv.ToString());
        var a = Run(first.Path, environment, "job", "create", "-r", "grpo_math_small", "-s", "7B", "-d", "train=data/train.jsonl").Out.Trim();
        var import = Run(first.Path, environment, "metrics", "import", a, "train-metrics.csv", "--start");
        Assert.Contains($"imported 100,000 points of 2 metrics (loss, reward) from train-metrics.csv into job {a}", import.Out + import.Error, StringComparison.Ordinal);
        Run(first.Path, environment, "job", "update", a, "--status", "succeeded");

        var b = Run(second.Path, environment, "job", "create", "-r", "grpo_math_small", "-s", "7B").Out.Trim();
        Run(second.Path, environment, "metrics", "log", b, "--step", "10", "loss=0.5", "reward=0.4", "--start");
        Run(second.Path, environment, "job", "update", b, "--status", "succeeded");
        foreach (var folder in new[] { first.Path, second.Path })
        {
            Assert.False(File.Exists(Path.Combine(folder, ".trainplat", "lineage.db")), "a job went to a file, not the server");
        }

        // B sees A's job as A wrote it: the dataset's version and the 100,000 points.
        var lineage = Run(second.Path, environment, "lineage", a).Out;
        Assert.StartsWith($"job {a}  succeeded", lineage, StringComparison.Ordinal);
        Assert.Matches(@"train  data/train\.jsonl@[0-9a-f]{12}  jsonl, 2,244 bytes \(2\.2 KiB\), 20 samples", lineage);
        Assert.Contains("2 metrics, 100,000 points: loss 2e-05 at step 49,999, reward 0.99998 at step 49,999", lineage, StringComparison.Ordinal);
        var dataset = Json(second.Path, environment, "lineage", a)["datasets"]!.AsArray().Single()!;
        Assert.Equal(("train", "data/train.jsonl"), ((string)dataset["role"]!, (string)dataset["name"]!));

        string[] both = [.. new[] { a, b }.Order(StringComparer.Ordinal)];
        var suggest = Json(second.Path, environment, "suggest", "grpo_math_small", "-s", "7B", "--min-evidence", "2");
        Assert.Equal(both, Ids(suggest["evidence"]!["jobs"]));
        Assert.True((bool)suggest["enough_evidence"]!, suggest.ToJsonString());
        Assert.Contains("evidence: 2 succeeded GRPO jobs on 7B models", Run(second.Path, environment, "suggest", "grpo_math_small", "-s", "7B", "--min-evidence", "2").Out, StringComparison.Ordinal);

        var recommend = Json(second.Path, environment, "recommend", "--task", "rlhf", "-s", "7B", "--metric", "reward", "--maximize");
        Assert.Equal(2, (int)recommend["jobs_considered"]!);
        var recipe = recommend["recipes"]!.AsArray().Single()!;
        Assert.Equal(both, Ids(recipe["job_ids"]));
        Assert.Equal((2, 2), ((int)recipe["succeeded"]!, (int)recipe["metric_jobs"]!));
        Assert.Equal(0.99998, (double)recipe["best_metric"]!);
        Assert.Contains("1. grpo_math_small@0.1.0: 2 of 2 succeeded", Run(second.Path, environment, "recommend", "--task", "rlhf", "-s", "7B").Out, StringComparison.Ordinal);
    }
}
