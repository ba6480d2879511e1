using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;

namespace TrainingPlatform.Core.Tests.Lineage;

/// <summary>What <c>metrics log</c> and <c>job list</c> accept, read by Core (the CLI only passes the words on).</summary>
public sealed class CommandInputTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Metric_pairs_take_numbers_and_the_named_values_of_a_metrics_file()
    {
        var points = MetricPairs.Parse(["loss=0.42", "a=b=1e-5", "r=NaN", "up=inf", "down=-Infinity"], 7, T0);
        Assert.Equal(["loss", "a=b", "r", "up", "down"], points.Select(p => p.Name));
        Assert.Equal(0.42, points[0].Value);
        Assert.Equal(1e-5, points[1].Value);
        Assert.True(double.IsNaN(points[2].Value));
        Assert.Equal(double.PositiveInfinity, points[3].Value);
        Assert.Equal(double.NegativeInfinity, points[4].Value);
        Assert.All(points, p => Assert.Equal((7L, T0), (p.Step, p.Time)));
    }

    [Theory]
    [InlineData("loss", "'loss' is not name=value")]
    [InlineData("=1", "'=1' is not name=value")]
    [InlineData("loss=abc", "loss=abc: 'abc' is not a number")]
    [InlineData("a\u0001=1", "contains a control character (U+0001)")]
    public void A_bad_metric_pair_says_which_and_why(string pair, string message)
    {
        var ex = Assert.Throws<UserErrorException>(() => MetricPairs.Parse([pair], 1, T0));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_metric_given_twice_for_one_step_is_refused()
    {
        var ex = Assert.Throws<UserErrorException>(() => MetricPairs.Parse(["loss=1", "loss=2"], 3, T0));
        Assert.Equal("metric 'loss' is given twice for step 3", ex.Message);
    }

    [Fact]
    public void A_job_query_reads_status_recipe_version_size_and_date()
    {
        var query = JobQueries.Parse("running", "grpo_basic@1.2.0", "rlhf", "grpo", "7B", "2026-11-01", "nightly");
        Assert.Equal(new JobQuery(JobStatus.Running, "grpo_basic", "1.2.0", "rlhf", "grpo", 7e9, new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), Tag: "nightly"), query);
        Assert.Equal(new JobQuery(RecipeId: "grpo_basic"), JobQueries.Parse(null, "grpo_basic", null, null, null, null, null));
    }

    [Theory]
    [InlineData("sleeping", null, null, "unknown status 'sleeping'")]
    [InlineData(null, "huge", null, "'huge' is not a model size")]
    [InlineData(null, null, "yesterday", "--since 'yesterday' is not a date")]
    public void A_bad_job_filter_says_which(string? status, string? size, string? since, string message)
    {
        var ex = Assert.Throws<UserErrorException>(() => JobQueries.Parse(status, null, null, null, size, since, null));
        Assert.Equal(message, ex.Message);
    }
}
