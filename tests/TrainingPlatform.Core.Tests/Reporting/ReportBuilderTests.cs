using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Reporting;
using TrainingPlatform.Core.Tests.Lineage;
using TrainingPlatform.Core.Tests.Support;
using static TrainingPlatform.Core.Tests.Lineage.LineageSamples;

namespace TrainingPlatform.Core.Tests.Reporting;

/// <summary><c>trainplat report</c>'s model: which jobs, how the points are shared, the lineage graph and the config diffs.</summary>
public sealed class ReportBuilderTests : IDisposable
{
    private const string Base = "b0b0b0000001";
    private const string Child = "c1c1c1000002";
    private const string Other = "d2d2d2000003";

    private static readonly DateTimeOffset At = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly StoreDir _dir = new();

    /// <summary>
    /// Three jobs: <see cref="Base"/> (sft_base@1.0.0 extending base_recipe@1.0.0, a train dataset, loss and reward),
    /// <see cref="Child"/> cloned from it with another learning rate (loss only), <see cref="Other"/> of another recipe,
    /// tagged "nightly" like the others but created last, with no metrics.
    /// </summary>
    public ReportBuilderTests()
    {
        var baseRecipe = Recipe("base_recipe", "1.0.0", "sft", T0);
        var sft = Recipe("sft_base", "1.0.0", "sft", T0, extends: "base_recipe");
        var data = FileDataset("train", "{\"prompt\":\"a\"}\n{\"prompt\":\"b\"}\n", 2, T0);
        using var store = TestStores.Open(_dir.Store);
        store.CreateJob(NewJob(Base, sft, T0, datasets: [("train", data)], chain: [baseRecipe]));
        store.CreateJob(NewJob(Child, sft, T0.AddMinutes(1), chain: [baseRecipe], parentId: Base, lr: "5e-05"));
        var other = NewJob(Other, Recipe("dpo_full", "2.0.0", "dpo", T0), T0.AddMinutes(2));
        store.CreateJob(other with { Job = other.Job with { Tags = ["weekly"], Forced = ["E-MEMORY-001 [trainer.micro_batch_size] needs 91 GB per GPU; it has 80"] } });
        store.AppendMetrics(Base, Points("loss", 0, 5000, s => 2.0 / (s + 1), T0), null, T0.AddHours(1));
        store.AppendMetrics(Base, Points("reward", 0, 3000, s => (s * 0.001) - 1, T0), null, T0.AddHours(1));
        store.AppendMetrics(Child, Points("loss", 0, 50, s => 1.0 / (s + 1), T0), null, T0.AddHours(2));
    }

    public void Dispose() => _dir.Dispose();

    private ReportModel Build(ReportRequest request)
    {
        using var store = TestStores.OpenForReading(_dir.Store);
        return ReportBuilder.Build(store, request);
    }

    private static ReportRequest Request() => new() { GeneratedAt = At, ToolVersion = "9.9.9" };

    [Fact]
    public void Named_jobs_and_filters_select_their_union_newest_first()
    {
        Assert.Equal([Child, Base], Build(Request() with { Jobs = ["b0b0", Child] }).Jobs.Select(j => j.Job.Id));
        Assert.Equal([Other], Build(Request() with { Recipe = "dpo_full" }).Jobs.Select(j => j.Job.Id));
        Assert.Equal([Other, Base], Build(Request() with { Jobs = [Base], Tag = "weekly" }).Jobs.Select(j => j.Job.Id));
        Assert.Equal([Other, Child, Base], Build(Request() with { All = true }).Jobs.Select(j => j.Job.Id));
        Assert.Equal([Other, Child], Build(Request() with { Since = T0.AddMinutes(1).ToString("O") }).Jobs.Select(j => j.Job.Id));
        Assert.Equal([0, 1, 2], Build(Request() with { All = true }).Jobs.Select(j => j.Color));
    }

    [Fact]
    public void No_selection_an_unknown_job_or_a_filter_that_matches_nothing_is_a_user_error()
    {
        var none = Assert.Throws<UserErrorException>(() => Build(Request()));
        Assert.Contains("no jobs selected", none.Message, StringComparison.Ordinal);
        Assert.Contains("--all", none.Hint, StringComparison.Ordinal);

        var unknown = Assert.Throws<UserErrorException>(() => Build(Request() with { Jobs = ["eeee"] }));
        Assert.Contains("no job eeee", unknown.Message, StringComparison.Ordinal);

        var nothing = Assert.Throws<UserErrorException>(() => Build(Request() with { Recipe = "ppo", Tag = "nightly" }));
        Assert.StartsWith("no jobs match --recipe ppo --tag nightly", nothing.Message, StringComparison.Ordinal);
        Assert.Contains("trainplat job list --recipe ppo --tag nightly", nothing.Hint, StringComparison.Ordinal);

        Assert.Throws<UserErrorException>(() => Build(Request() with { All = true, Points = 1 }));
    }

    [Fact]
    public void The_run_table_has_the_default_job_fields_and_each_metrics_last_value_or_the_asked_columns_after_the_id()
    {
        var table = Build(Request() with { All = true }).Table;
        Assert.Equal([.. ReportRequest.DefaultColumns, "metric:loss.last", "metric:reward.last"], table.Columns.Select(c => c.Text));

        var asked = Build(Request() with { All = true, Columns = ["training.lr,metric:loss.min"] }).Table;
        Assert.Equal(["id", "training.lr", "metric:loss.min"], asked.Columns.Select(c => c.Text));
        Assert.Equal([Other, Child, Base], asked.Rows.Select(r => r.Job.Id));
        Assert.Equal(5e-05, asked.Rows[1].Values[1].Number);
    }

    [Fact]
    public void Each_series_keeps_at_most_its_share_of_the_budget_with_the_first_and_last_points()
    {
        // 3 series (Base: loss, reward; Child: loss): 3,000 / 3 = 1,000 each; Child's 50 points are all kept.
        var model = Build(Request() with { All = true, TotalPoints = 3_000 });
        Assert.Equal(1_000, model.Budget.PerSeries);
        Assert.Equal(3, model.Budget.Series);
        Assert.Equal(5_000 + 3_000 + 50, model.Budget.StoredPoints);
        Assert.Equal(1_000 + 1_000 + 50, model.Budget.ShownPoints);
        Assert.Equal(["loss", "reward"], model.Charts.Select(c => c.Chart.Metric));
        var loss = model.Charts[0];
        Assert.Equal([Child, Base], loss.Chart.Series.Select(s => s.JobId));
        Assert.Equal([50L, 5_000L], loss.StoredCounts);
        Assert.Equal(50, loss.Chart.Series[0].Steps.Length);
        var big = loss.Chart.Series[1];
        Assert.Equal(1_000, big.Steps.Length);
        Assert.Equal(0, big.Steps[0]);
        Assert.Equal(4_999, big.Steps[^1]);
        Assert.Equal(2.0, big.Values[0]);

        // --points is the cap when the budget allows more; a tiny budget still leaves 100 points a series.
        Assert.Equal(300, Build(Request() with { All = true, Points = 300 }).Budget.PerSeries);
        var floor = Build(Request() with { All = true, TotalPoints = 30 });
        Assert.Equal(ReportRequest.MinPointsPerSeries, floor.Budget.PerSeries);
        Assert.All(floor.Charts.SelectMany(c => c.Chart.Series), s => Assert.True(s.Steps.Length <= 100));
    }

    [Fact]
    public void A_chart_starts_on_a_log_scale_only_when_asked_and_every_value_is_above_zero()
    {
        var model = Build(Request() with { All = true, LogScale = "*" });
        var loss = model.Charts.Single(c => c.Chart.Metric == "loss");
        var reward = model.Charts.Single(c => c.Chart.Metric == "reward");
        Assert.True(loss.Chart.LogY);
        Assert.True(loss.AllPositive);
        Assert.False(reward.Chart.LogY);
        Assert.False(reward.AllPositive);
        Assert.False(Build(Request() with { All = true }).Charts.Single(c => c.Chart.Metric == "loss").Chart.LogY);
    }

    [Fact]
    public void The_graph_links_jobs_to_recipe_versions_their_bases_datasets_and_parents_in_the_report()
    {
        var model = Build(Request() with { All = true });
        var baseHash = Recipe("base_recipe", "1.0.0", "sft", T0).Hash;
        var sftHash = Recipe("sft_base", "1.0.0", "sft", T0, extends: "base_recipe").Hash;
        var edges = model.Edges.Select(e => $"{e.From} -{e.Kind}-> {e.To}").ToArray();
        Assert.Contains($"job:{Base} -recipe-> recipe:{sftHash}", edges);
        Assert.Contains($"recipe:{sftHash} -extends-> recipe:{baseHash}", edges);
        Assert.Contains($"job:{Base} -parent-> job:{Child}", edges);
        Assert.Single(edges, e => e.StartsWith($"job:{Base} -dataset-> dataset:train@", StringComparison.Ordinal));
        Assert.Equal(edges.Length, edges.Distinct().Count());
        var nodes = model.Nodes.ToDictionary(n => n.Id);
        Assert.Equal(GraphNodeKind.RecipeVersion, nodes["recipe:" + sftHash].Kind);
        Assert.Equal("sft_base@1.0.0", nodes["recipe:" + sftHash].Label);
        Assert.Equal(GraphNodeKind.BaseRecipe, nodes["recipe:" + baseHash].Kind);
        Assert.Equal("#job-" + Child, nodes["job:" + Child].Href);
        Assert.Equal(2, model.Jobs.Single(j => j.Job.Id == Base).Datasets.Single().Samples);

        // The parent edge needs both jobs in the report.
        Assert.DoesNotContain(Build(Request() with { Jobs = [Child] }).Edges, e => e.Kind == "parent");
    }

    [Fact]
    public void Each_job_is_diffed_against_its_parent_or_compare_diffs_the_two_asked()
    {
        var parent = Assert.Single(Build(Request() with { Jobs = [Child] }).Diffs);
        Assert.Equal((Base, Child, ReportDiffKind.Parent), (parent.LeftId, parent.RightId, parent.Kind));
        var change = Assert.Single(parent.Changes);
        Assert.Equal("training.lr", change.Path);
        Assert.Equal(2e-05, change.Old!.GetValue<double>());
        Assert.Equal(5e-05, change.New!.GetValue<double>());

        var compared = Assert.Single(Build(Request() with { Compare = (Other, Base) }).Diffs);
        Assert.Equal((Other, Base, ReportDiffKind.Compare), (compared.LeftId, compared.RightId, compared.Kind));
        Assert.Contains(compared.Changes, c => c.Path == "recipe");
        Assert.Equal([Other, Base], Build(Request() with { Compare = (Other, Base) }).Jobs.Select(j => j.Job.Id));
    }

    [Fact]
    public void A_jobs_forced_findings_and_memory_estimate_are_read_back()
    {
        var other = Build(Request() with { Jobs = [Other] }).Jobs.Single();
        var finding = Assert.Single(other.Findings);
        Assert.Equal(("E-MEMORY-001", "trainer.micro_batch_size", "needs 91 GB per GPU; it has 80"), (finding.Code, finding.Path, finding.Message));
        Assert.Null(other.Memory);
        Assert.Equal(new ReportFinding("W-X", null, "no path here"), ReportFinding.Parse("W-X no path here"));
        Assert.Contains("\"lr\": 2e-05", other.ConfigJson, StringComparison.Ordinal);
        Assert.Equal([Child], Build(Request() with { Jobs = [Base] }).Jobs.Single().Children);
    }
}
