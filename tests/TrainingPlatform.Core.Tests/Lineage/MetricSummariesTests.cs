using TrainingPlatform.Core.Lineage;

namespace TrainingPlatform.Core.Tests.Lineage;

public sealed class MetricSummariesTests
{
    private static readonly DateTimeOffset T = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static MetricPoint P(string name, long step, double value) => new(step, name, value, T);

    [Fact]
    public void A_summary_has_first_and_last_by_step_and_min_and_max_where_reached()
    {
        var summaries = MetricSummaries.Merge([], [P("loss", 20, 1.0), P("loss", 10, 2.0), P("loss", 30, 0.5), P("loss", 40, 0.75)]);

        Assert.Equal([new MetricSummary("loss", 4, 10, 2.0, 40, 0.75, 30, 0.5, 10, 2.0)], summaries);
    }

    [Fact]
    public void Summaries_are_sorted_by_name_ordinally()
    {
        var summaries = MetricSummaries.Merge(
            [new MetricSummary("reward", 1, 0, 1, 0, 1, 0, 1, 0, 1)],
            [P("loss", 0, 1), P("Zeta", 0, 1), P("eval/acc", 0, 1), P("reward", 1, 2)]);

        Assert.Equal(["Zeta", "eval/acc", "loss", "reward"], summaries.Select(s => s.Name));
        Assert.Equal(new MetricSummary("reward", 2, 0, 1, 1, 2, 0, 1, 1, 2), summaries[3]);
    }

    [Fact]
    public void A_relogged_step_replaces_last_but_first_keeps_the_earlier_point()
    {
        var existing = MetricSummaries.Merge([], [P("loss", 0, 5.0), P("loss", 100, 1.0)]);

        var merged = MetricSummaries.Merge(existing, [P("loss", 100, 0.9), P("loss", 0, 6.0)]);

        var s = Assert.Single(merged);
        Assert.Equal(4, s.Count);
        Assert.Equal((0L, 5.0), (s.FirstStep, s.First));
        Assert.Equal((100L, 0.9), (s.LastStep, s.Last));
        Assert.Equal((100L, 0.9), (s.MinStep, s.Min));
        Assert.Equal((0L, 6.0), (s.MaxStep, s.Max));
    }

    [Fact]
    public void Min_and_max_ties_keep_the_earliest_step()
    {
        var s = Assert.Single(MetricSummaries.Merge([], [P("acc", 30, 0.9), P("acc", 10, 0.9), P("acc", 20, 0.1), P("acc", 5, 0.1), P("acc", 50, 0.1)]));

        Assert.Equal((10L, 0.9), (s.MaxStep, s.Max));
        Assert.Equal((5L, 0.1), (s.MinStep, s.Min));
    }

    [Fact]
    public void Non_finite_values_count_and_can_be_first_or_last_but_never_min_or_max()
    {
        var s = Assert.Single(MetricSummaries.Merge([], [P("loss", 0, double.NaN), P("loss", 1, 3), P("loss", 2, double.NegativeInfinity), P("loss", 3, double.PositiveInfinity)]));

        Assert.Equal(new MetricSummary("loss", 4, 0, double.NaN, 3, double.PositiveInfinity, 1, 3, 1, 3), s);
    }

    [Fact]
    public void A_metric_with_only_non_finite_values_has_nan_min_and_max_at_step_minus_one_until_a_finite_one_arrives()
    {
        var diverged = Assert.Single(MetricSummaries.Merge([], [P("loss", 1, double.NaN), P("loss", 2, double.PositiveInfinity)]));
        Assert.Equal((-1L, double.NaN, -1L, double.NaN), (diverged.MinStep, diverged.Min, diverged.MaxStep, diverged.Max));
        Assert.Equal((-1L, double.NaN), MetricGoals.Best(diverged, MetricGoal.Minimize));

        var recovered = Assert.Single(MetricSummaries.Merge([diverged], [P("loss", 3, 2.5), P("loss", 4, double.NaN)]));
        Assert.Equal(new MetricSummary("loss", 4, 1, double.NaN, 4, double.NaN, 3, 2.5, 3, 2.5), recovered);
    }

    [Fact]
    public void Two_summaries_of_one_name_are_a_bug()
    {
        var s = new MetricSummary("loss", 1, 0, 1, 0, 1, 0, 1, 0, 1);

        Assert.Throws<ArgumentException>(() => MetricSummaries.Merge([s, s], []));
    }

    [Fact]
    public void Merging_in_batches_equals_summarizing_everything_at_once()
    {
        var random = new Random(20250304);
        string[] names = ["loss", "reward", "kl", "eval/acc"];
        double[] special = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0, 1.0, 1.0];
        for (var round = 0; round < 300; round++)
        {
            var points = new List<MetricPoint>();
            var count = random.Next(1, 80);
            for (var i = 0; i < count; i++)
            {
                // Few distinct steps and values, so that ties are common.
                var value = random.Next(4) == 0 ? special[random.Next(special.Length)] : random.Next(-3, 4) * 0.5;
                points.Add(P(names[random.Next(names.Length)], random.Next(0, 12), value));
            }

            var expected = Reference(points);
            Assert.Equal(expected, MetricSummaries.Merge([], points));

            var merged = (IReadOnlyList<MetricSummary>)[];
            var start = 0;
            while (start < points.Count)
            {
                var size = random.Next(0, points.Count - start + 1);
                merged = MetricSummaries.Merge(merged, points.GetRange(start, size));
                start += size;
            }

            Assert.Equal(expected, merged);
        }
    }

    /// <summary>The rules as plainly as LINQ says them, over all points at once.</summary>
    private static List<MetricSummary> Reference(List<MetricPoint> points) =>
        [.. points.GroupBy(p => p.Name).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var all = g.ToList();
            var first = all.First(p => p.Step == all.Min(q => q.Step));
            var last = all.Last(p => p.Step == all.Max(q => q.Step));
            var finite = all.Where(p => double.IsFinite(p.Value)).ToList();
            var min = finite.OrderBy(p => p.Value).ThenBy(p => p.Step).Cast<MetricPoint?>().FirstOrDefault();
            var max = finite.OrderByDescending(p => p.Value).ThenBy(p => p.Step).Cast<MetricPoint?>().FirstOrDefault();
            return new MetricSummary(
                g.Key,
                all.Count,
                first.Step,
                first.Value,
                last.Step,
                last.Value,
                min?.Step ?? -1,
                min?.Value ?? double.NaN,
                max?.Step ?? -1,
                max?.Value ?? double.NaN);
        })];

    [Theory]
    [InlineData("loss", MetricGoal.Minimize)]
    [InlineData("eval/Loss", MetricGoal.Minimize)]
    [InlineData("val_error_rate", MetricGoal.Minimize)]
    [InlineData("eval_err", MetricGoal.Minimize)]
    [InlineData("perplexity", MetricGoal.Minimize)]
    [InlineData("eval/ppl", MetricGoal.Minimize)]
    [InlineData("objective/kl", MetricGoal.Minimize)]
    [InlineData("KLDiv", MetricGoal.Minimize)]
    [InlineData("test_wer", MetricGoal.Minimize)]
    [InlineData("evalCER", MetricGoal.Minimize)]
    [InlineData("p95_latency_ms", MetricGoal.Minimize)]
    [InlineData("step_time", MetricGoal.Minimize)]
    [InlineData("train_runtime", MetricGoal.Minimize)]
    [InlineData("reward", MetricGoal.Maximize)]
    [InlineData("rewards/accuracies", MetricGoal.Maximize)]
    [InlineData("eval/accuracy", MetricGoal.Maximize)]
    [InlineData("bleu_score", MetricGoal.Maximize)]
    [InlineData("answer_correct", MetricGoal.Maximize)]
    [InlineData("tokens_per_second", MetricGoal.Maximize)]
    [InlineData("precision", MetricGoal.Maximize)]
    public void The_goal_is_guessed_from_the_name(string name, MetricGoal goal) =>
        Assert.Equal(goal, MetricGoals.Guess(name));

    [Fact]
    public void Best_is_the_minimum_or_the_maximum_with_its_step()
    {
        var s = Assert.Single(MetricSummaries.Merge([], [P("loss", 1, 3), P("loss", 2, 1), P("loss", 3, 2)]));

        Assert.Equal((2L, 1.0), MetricGoals.Best(s, MetricGoal.Minimize));
        Assert.Equal((1L, 3.0), MetricGoals.Best(s, MetricGoal.Maximize));
    }

    [Fact]
    public void Series_are_by_step_ascending_with_the_last_write_of_a_step()
    {
        var t = DateTimeOffset.UnixEpoch;
        var series = MetricSummaries.Series([new(5, "loss", 0.5, t), new(1, "loss", 0.9, t), new(3, "loss", 0.7, t), new(3, "loss", 0.6, t), new(2, "acc", 0.1, t)]);
        Assert.Equal([0.9, 0.6, 0.5], series["loss"]);
        Assert.Equal([0.1], series["acc"]);

        // The same points as the store returns them (by name, then step, writes in order): the one-pass path agrees.
        var ordered = MetricSummaries.Series([new(2, "acc", 0.1, t), new(1, "loss", 0.9, t), new(3, "loss", 0.7, t), new(3, "loss", 0.6, t), new(5, "loss", 0.5, t)]);
        Assert.Equal([0.9, 0.6, 0.5], ordered["loss"]);
        Assert.Equal([0.1], ordered["acc"]);
    }
}
