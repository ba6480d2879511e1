using TrainingPlatform.Core.Experience;
using TrainingPlatform.Core.Lineage;
using static TrainingPlatform.Core.Tests.Experience.ExperienceTestData;

namespace TrainingPlatform.Core.Tests.Experience;

public sealed class RecommenderTests(ExperienceFixture data) : IClassFixture<ExperienceFixture>
{
    [Theory]
    [InlineData(9, 10, 0.5958436)]
    [InlineData(1, 1, 0.2065433)]
    [InlineData(10, 10, 0.7224598)]
    [InlineData(5, 10, 0.2365896)]
    [InlineData(95, 100, 0.8882480)]
    [InlineData(0, 10, 0.0)]
    [InlineData(0, 0, 0.0)]
    public void Wilson_lower_bound_matches_known_values(int successes, int trials, double expected)
    {
        Assert.Equal(expected, Recommender.WilsonLowerBound(successes, trials), 6);
    }

    [Theory]
    [InlineData(9, 10, 0.9821243)]
    [InlineData(1, 1, 1.0)]
    [InlineData(2, 3, 0.9385097)]
    [InlineData(5, 10, 0.7634104)]
    [InlineData(95, 100, 0.9784566)]
    [InlineData(0, 10, 0.2775402)]
    [InlineData(0, 0, 1.0)]
    public void Issue17_E22_wilson_upper_bound_matches_known_values(int successes, int trials, double expected)
    {
        Assert.Equal(expected, Recommender.WilsonUpperBound(successes, trials), 6);
    }

    [Fact]
    public void Issue17_E22_recipes_whose_intervals_do_not_overlap_are_distinguishable()
    {
        var jobs = Enumerable.Range(0, 40).Select(i => Job($"a{i:00}", recipe: "good@1.0.0"))
            .Concat(Enumerable.Range(0, 40).Select(i => Job($"b{i:00}", i < 10 ? JobStatus.Succeeded : JobStatus.Failed, recipe: "bad@1.0.0")))
            .Append(Job("c00", recipe: "once@1.0.0"))
            .ToArray();

        var ranks = Recommender.Rank(new RecommendRequest("rlhf", "grpo", 7e9, jobs)).Ranks;

        Assert.Equal(["good@1.0.0", "once@1.0.0", "bad@1.0.0"], ranks.Select(r => r.Recipe));
        Assert.Empty(ranks[0].IndistinguishableFrom);
        Assert.Equal(["good@1.0.0"], ranks[1].IndistinguishableFrom);
        Assert.Equal(["once@1.0.0"], ranks[2].IndistinguishableFrom);
        Assert.All(ranks, r => Assert.InRange(r.SuccessRate, r.WilsonLowerBound, r.WilsonUpperBound));
    }

    [Theory]
    [InlineData(new string[0], true)]
    [InlineData(new[] { "trainer.seed=7", "trainer.experiment_name=try-2" }, true)]
    [InlineData(new[] { "parallelism.param_offload=true", "batch.micro_batch_size_per_gpu=4" }, true)]
    [InlineData(new[] { "trainer.seed=7", "optimizer.learning_rate=1e-4" }, false)]
    [InlineData(new[] { "batch.global_batch_size=128" }, false)]
    public void Issue17_E21_near_the_recipe_as_written_means_overrides_only_of_keys_suggest_never_compares(string[] sets, bool near)
    {
        Assert.Equal(near, Recommender.IsNear(sets));
    }

    [Fact]
    public void Issue17_E21_failures_with_overrides_are_not_the_recipes_and_are_listed_with_their_overrides()
    {
        var jobs = Enumerable.Range(0, 5).Select(i => Job($"s{i}", recipe: "steady@1.0.0"))
            .Concat(Enumerable.Range(0, 3).Select(i => Job($"t{i}", JobStatus.Failed, recipe: "steady@1.0.0") with { Sets = ["optimizer.learning_rate=1e-4"] }))
            .Append(Job("u0", recipe: "steady@1.0.0") with { Sets = ["rl.kl_coef=0.01"] })
            .Concat(Enumerable.Range(0, 5).Select(i => Job($"o{i}", i == 0 ? JobStatus.Failed : JobStatus.Succeeded, recipe: "other@1.0.0")))
            .ToArray();

        var result = Recommender.Rank(new RecommendRequest("rlhf", "grpo", 7e9, jobs));

        Assert.Equal(["steady@1.0.0", "other@1.0.0"], result.Ranks.Select(r => r.Recipe));
        Assert.Equal((14, 10), (result.JobsConsidered, result.JobsAsWritten));
        var steady = result.Ranks[0];
        Assert.Equal((5, 5, 4), (steady.Jobs, steady.Succeeded, steady.Overridden));
        Assert.Equal(["s0", "s1", "s2", "s3", "s4"], steady.JobIds);
        Assert.Equal(["t0", "t1", "t2"], steady.OverriddenFailures.Select(f => f.JobId));
        Assert.All(steady.OverriddenFailures, f => Assert.Equal(["optimizer.learning_rate=1e-4"], f.Sets));
        Assert.EndsWith("; not counted: 4 jobs with --set overrides (3 failed or cancelled)", steady.Explanation, StringComparison.Ordinal);

        // A recipe only ever run with overrides has nothing of its own to rank by.
        var only = Recommender.Rank(new RecommendRequest("rlhf", "grpo", 7e9, [Job("x", JobStatus.Failed, recipe: "x@1.0.0") with { Sets = ["optimizer.learning_rate=1"] }]));
        var x = Assert.Single(only.Ranks);
        Assert.Equal((0, 0.0, 0.0, 1.0), (x.Jobs, x.SuccessRate, x.WilsonLowerBound, x.WilsonUpperBound));
        Assert.Equal("x@1.0.0: no job ran it as written; not counted: 1 job with --set overrides (1 failed or cancelled)", x.Explanation);
    }

    [Fact]
    public void Nine_successes_in_ten_rank_above_one_in_one()
    {
        var rewards = new[] { 0.71, 0.78, 0.65, 0.70, 0.72, 0.69, 0.74, 0.71, 0.73 };
        var jobs = rewards.Select((r, i) => Job($"a{i}", recipe: "grpo_math@1.2.0", reward: r))
            .Append(Job("a9", JobStatus.Failed, recipe: "grpo_math@1.2.0"))
            .Append(Job("b0", recipe: "grpo_lucky@0.1.0", reward: 0.95))
            .ToArray();

        var result = Recommender.Rank(new RecommendRequest("rlhf", "grpo", 7e9, jobs) { Metric = Reward });

        Assert.Equal(["grpo_math@1.2.0", "grpo_lucky@0.1.0"], result.Ranks.Select(r => r.Recipe));
        Assert.Equal([1, 2], result.Ranks.Select(r => r.Rank));
        var top = result.Ranks[0];
        Assert.Equal((10, 9, 0.9, 9), (top.Jobs, top.Succeeded, top.SuccessRate, top.MetricJobs));
        Assert.Equal(0.5958436, top.WilsonLowerBound, 6);
        Assert.Equal(0.71, top.MedianMetric);
        Assert.Equal(0.78, top.BestMetric);
        Assert.Equal("grpo_math@1.2.0: 9 of 10 succeeded (95 % interval 0.60–0.98), median reward 0.71, best 0.78 over 9 jobs on 7B", top.Explanation);
        Assert.Equal("grpo_lucky@0.1.0: 1 of 1 succeeded (95 % interval 0.21–1.00), median reward 0.95, best 0.95 over 1 job on 7B; indistinguishable from #1 (95 % intervals overlap)",
            result.Ranks[1].Explanation);
        Assert.Equal(0.9821243, top.WilsonUpperBound, 6);
        Assert.Equal(["grpo_math@1.2.0"], result.Ranks[1].IndistinguishableFrom);
        Assert.Equal(11, result.JobsConsidered);

        var plain = Recommender.Rank(new RecommendRequest("rlhf", null, 7e9, jobs));
        Assert.Equal("grpo_math@1.2.0: 9 of 10 succeeded (95 % interval 0.60–0.98) on 7B", plain.Ranks[0].Explanation);
    }

    [Fact]
    public void Only_finished_jobs_of_the_task_algorithm_and_size_window_count()
    {
        var jobs = new[]
        {
            Job("ok"),
            Job("cancelled", JobStatus.Cancelled),
            Job("pending", JobStatus.Pending),
            Job("running", JobStatus.Running),
            Job("ppo", algorithm: "ppo", recipe: "ppo_rm@1.0.0"),
            Job("sft", task: "sft", algorithm: "sft", recipe: "sft_chat@2.0.0"),
            Job("big", billions: 70),
            Job("edge", billions: 14),
        };

        var grpo = Recommender.Rank(new RecommendRequest("rlhf", "grpo", 7e9, jobs));
        var rank = Assert.Single(grpo.Ranks);
        Assert.Equal(["cancelled", "edge", "ok"], rank.JobIds);
        Assert.Equal((3, 2), (rank.Jobs, rank.Succeeded));
        Assert.Equal("3.5B–14B", grpo.SizeWindow);
        Assert.Equal("grpo_math@1.2.0: 2 of 3 succeeded (95 % interval 0.21–0.94) on 7B–14B", rank.Explanation);

        var anyAlgorithm = Recommender.Rank(new RecommendRequest("rlhf", null, 7e9, jobs));
        Assert.Equal(["grpo_math@1.2.0", "ppo_rm@1.0.0"], anyAlgorithm.Ranks.Select(r => r.Recipe));
        Assert.Empty(Recommender.Rank(new RecommendRequest("preference", null, 7e9, jobs)).Ranks);
    }

    [Fact]
    public void Equal_bounds_are_ordered_by_median_metric_for_the_goal_then_jobs_then_id()
    {
        var jobs = new[]
        {
            Job("x1", recipe: "x@1.0.0", reward: 0.5), Job("x2", recipe: "x@1.0.0", reward: 0.5),
            Job("y1", recipe: "y@1.0.0", reward: 0.7), Job("y2", recipe: "y@1.0.0", reward: 0.7),
            Job("z1", recipe: "z@1.0.0"), Job("z2", recipe: "z@1.0.0"),
        };

        Assert.Equal(["y@1.0.0", "x@1.0.0", "z@1.0.0"], Rank(jobs, MetricGoal.Maximize));
        Assert.Equal(["x@1.0.0", "y@1.0.0", "z@1.0.0"], Rank(jobs, MetricGoal.Minimize));
        Assert.Equal("z@1.0.0: 2 of 2 succeeded (95 % interval 0.34–1.00), no final reward recorded; 2 jobs on 7B; indistinguishable from #1, #2 (95 % intervals overlap)",
            Recommender.Rank(new RecommendRequest("rlhf", "grpo", 7e9, jobs) { Metric = Reward }).Ranks[2].Explanation);

        // Without a metric: more jobs at the same bound cannot happen, so the id decides.
        Assert.Equal(["x@1.0.0", "y@1.0.0", "z@1.0.0"], Recommender.Rank(new RecommendRequest("rlhf", "grpo", 7e9, jobs)).Ranks.Select(r => r.Recipe));

        static string[] Rank(JobRecord[] jobs, MetricGoal goal) =>
            Recommender.Rank(new RecommendRequest("rlhf", "grpo", 7e9, jobs) { Metric = new MetricObjective("reward", goal) }).Ranks.Select(r => r.Recipe).ToArray();
    }

    [Fact]
    public void In_the_generated_history_the_tuned_recipe_ranks_first_whatever_the_order()
    {
        var jobs = data.History.Jobs;
        var a = Recommender.Rank(new RecommendRequest("rlhf", "grpo", 7e9, jobs) { Metric = Reward });
        var b = Recommender.Rank(new RecommendRequest("rlhf", "grpo", 7e9, jobs.Reverse().ToArray()) { Metric = Reward });

        Assert.Equal("grpo_math@1.2.0", a.Ranks[0].Recipe);
        Assert.Equal(a.Ranks.Select(r => r.Explanation), b.Ranks.Select(r => r.Explanation));
        Assert.Equal(a.Ranks.Select(r => r.WilsonLowerBound).OrderDescending(), a.Ranks.Select(r => r.WilsonLowerBound));
        Assert.All(a.Ranks, r => Assert.Equal(r.JobIds.Order(StringComparer.Ordinal), r.JobIds));
    }
}
