using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>
/// Runs compared (issue 18): <c>metrics compare</c>, <c>metrics show --series</c> and the run table of <c>job list</c>,
/// on three GRPO jobs at three learning rates that logged at different intervals and for different lengths.
/// </summary>
public sealed class MetricsCompareCommandTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// lr-1e6 logs every 10 steps to 100 (reward to 0.5, kl); lr-2e6 every 20 to 120 (reward to 0.7, kl, and a NaN loss at 60);
    /// lr-5e6 every 10 to 80 (reward to 0.6, no kl). Returns the ids in that order.
    /// </summary>
    private static string[] ThreeJobs(string folder, bool pinned)
    {
        var runs = new (string Name, string? Lr, int Every, int Last, double Reward, bool Kl)[]
        {
            ("lr-1e6", "1e-6", 10, 100, 0.5, true),
            ("lr-2e6", null, 20, 120, 0.7, true),
            ("lr-5e6", "5e-6", 10, 80, 0.6, false),
        };
        var ids = new List<string>();
        foreach (var (run, i) in runs.Select((r, i) => (r, i)))
        {
            string[] create = ["job", "create", "-r", "grpo_math_small", "-s", "7B", "--name", run.Name, .. run.Lr is null ? Array.Empty<string>() : ["--set", "optimizer.learning_rate=" + run.Lr]];
            var made = pinned ? CliRun.Pinned(folder, T0.AddMinutes(i), 10 + i, create) : CliRun.InProcess(folder, create);
            Assert.True(made.ExitCode == ExitCodes.Ok, made.ToString());
            var id = made.Out.Trim();
            ids.Add(id);

            var lines = new StringBuilder();
            for (var step = 0; step <= run.Last; step += run.Every)
            {
                var loss = step == 60 && run.Name == "lr-2e6" ? "NaN" : (2.0 - (step / 100.0) + (i * 0.05)).ToString("R", CultureInfo.InvariantCulture);
                lines.Append(CultureInfo.InvariantCulture, $"{{\"step\": {step}, \"actor/pg_loss\": {loss}, \"reward\": {Math.Round(run.Reward * step / run.Last, 4).ToString("R", CultureInfo.InvariantCulture)}");
                lines.Append(run.Kl ? ", \"kl\": " + (step * 0.001).ToString("R", CultureInfo.InvariantCulture) + "}\n" : "}\n");
            }

            var file = Path.Combine(folder, run.Name + ".jsonl");
            File.WriteAllText(file, lines.ToString());
            string[] import = ["metrics", "import", id, run.Name + ".jsonl", "--start"];
            var imported = pinned ? CliRun.Pinned(folder, T0.AddHours(1 + i), 1, import) : CliRun.InProcess(folder, import);
            Assert.True(imported.ExitCode == ExitCodes.Ok, imported.ToString());
        }

        return [.. ids];
    }

    // Pinned clock and seeded ids (golden ids): in-process only.
    [Fact]
    [Trait(ToolBuild.Trait, ToolBuild.InProcessOnly)]
    public void Metrics_compare_of_three_jobs_golden()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var ids = ThreeJobs(temp.Path, pinned: true);
        var steps = new List<string>();
        void Run(params string[] args)
        {
            var r = CliRun.Pinned(temp.Path, T0.AddHours(5), 2, args);
            Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
            Assert.Equal("", r.Error);
            steps.Add("$ trainplat " + string.Join(' ', args.Select(a => a == ids[0] ? "A" : a == ids[1] ? "B" : a == ids[2] ? "C" : a)));
            steps.Add(r.Out);
        }

        Run("metrics", "compare", ids[0], ids[1], ids[2]);
        Run("metrics", "compare", ids[0], ids[1], ids[2], "--at", "90");
        Run("metrics", "compare", ids[0], ids[1], ids[2], "--at", "best", "--name", "actor/*", "--name", "kl");
        Run("metrics", "compare", ids[0], ids[1], ids[2], "--at", "100", "--name", "reward", "--format", "csv");
        Run("metrics", "compare", ids[2], ids[0], "--name", "kl", "--goal", "kl=max", "--format", "json");
        Approvals.Verify(string.Join("\n", steps), "metrics_compare_three_jobs");
    }

    [Fact]
    [Trait(ToolBuild.Trait, ToolBuild.InProcessOnly)]
    public void Job_list_columns_sorted_by_a_metric_golden()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        ThreeJobs(temp.Path, pinned: true);
        var steps = new List<string>();
        void Run(params string[] args)
        {
            var r = CliRun.Pinned(temp.Path, T0.AddHours(5), 2, args);
            Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
            steps.Add("$ trainplat " + string.Join(' ', args));
            steps.Add(r.Out);
        }

        Run("job", "list", "--columns", "optimizer.learning_rate,metric:reward.last", "--sort", "metric:reward.last");
        Run("job", "list", "--columns", "name,optimizer.*,metric:reward.max", "--sort", "-optimizer.learning_rate", "--where", "metric:reward.last>0.55");
        Run("job", "list", "--columns", "name,metric:*.best", "--where", "name=lr-?e6", "--where", "metric:kl.last!=*", "--format", "csv");
        Run("job", "list", "-c", "name,metric:reward.last,metric:kl", "--sort", "-metric:kl", "--format", "json");
        Approvals.Verify(string.Join("\n", steps), "job_list_columns_sort");
    }

    [Fact]
    public void Metrics_show_series_gives_every_point_or_a_downsampled_curve_with_the_first_and_last()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var ids = ThreeJobs(temp.Path, pinned: false);
        var all = CliRun.InProcess(temp.Path, "metrics", "show", ids[0], "--series", "--name", "reward", "--format", "csv");
        Assert.Equal(ExitCodes.Ok, all.ExitCode);
        var lines = all.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("metric,step,value,time", lines[0]);
        Assert.Equal(12, lines.Length);
        Assert.StartsWith("reward,50,0.25,", lines[6], StringComparison.Ordinal);

        var json = JsonNode.Parse(CliRun.InProcess(temp.Path, "metrics", "show", ids[1], "--series", "--name", "actor/*", "--name", "kl", "--points", "3", "--format", "json").Out)!;
        var metrics = json["metrics"]!.AsArray();
        Assert.Equal(["actor/pg_loss", "kl"], metrics.Select(m => m!["name"]!.GetValue<string>()));
        var loss = metrics[0]!;
        Assert.Equal(7, loss["count"]!.GetValue<int>());
        Assert.Equal(3, loss["shown"]!.GetValue<int>());
        var kept = loss["points"]!.AsArray().Select(p => p!["step"]!.GetValue<long>()).ToArray();
        Assert.Equal(0, kept[0]);
        Assert.Equal(120, kept[^1]);
    }

    [Fact]
    public void Compare_show_and_list_refuse_what_they_cannot_do_with_a_hint()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var ids = ThreeJobs(temp.Path, pinned: false);
        void Refused(string message, string hint, params string[] args)
        {
            var r = CliRun.InProcess(temp.Path, args);
            Assert.True(r.ExitCode == ExitCodes.UsageError, r.ToString());
            Assert.Contains(message, r.Error, StringComparison.Ordinal);
            Assert.Contains(hint, r.Error, StringComparison.Ordinal);
            Assert.Equal("", r.Out);
        }

        Refused("metrics compare needs two or more jobs", "hint: e.g. trainplat metrics compare", "metrics", "compare", ids[0]);
        Refused("--at 'soon' is not a step, last or best", "--at 1000", "metrics", "compare", ids[0], ids[1], "--at", "soon");
        Refused("no metric matching 'rewrad' in any of the 2 jobs", "did you mean 'reward'?", "metrics", "compare", ids[0], ids[1], "--name", "rewrad");
        Refused($"job {ids[0]} is given twice", "give each job once", "metrics", "compare", ids[0], ids[0][..6]);
        Refused("--goal 'kl' is not NAME=min or NAME=max", "--goal", "metrics", "compare", ids[0], ids[1], "--goal", "kl");
        Refused("--series prints points for programs", "--format csv", "metrics", "show", ids[0], "--series");
        Refused("--points goes with --series", "--series --points", "metrics", "show", ids[0], "--points", "10");
        Refused($"job {ids[0]} has no metric matching 'val/*'", "metrics: actor/pg_loss, kl, reward", "metrics", "show", ids[0], "--name", "val/*");
        Refused("'optimizer.learnig_rate' is not a job field, a metric or a config key of any listed job", "did you mean 'optimizer.learning_rate'?", "job", "list", "--columns", "optimizer.learnig_rate");
        Refused("--where 'metric:reward.last>high': > compares numbers", "e.g. --where", "job", "list", "--where", "metric:reward.last>high");
        Refused("--sort takes one key, not the pattern 'metric:*'", "name the metric", "job", "list", "--sort", "metric:*");
    }
}
