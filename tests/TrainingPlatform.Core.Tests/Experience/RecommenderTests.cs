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
        Assert.Equal("grpo_math@1.2.0: 9 of 10 succeeded (Wilson lower bound 0.60), median reward 0.71, best 0.78 over 9 jobs on 7B", top.Explanation);
        Assert.Equal("grpo_lucky@0.1.0: 1 of 1 succeeded (Wilson lower bound 0.21), median reward 0.95, best 0.95 over 1 job on 7B", result.Ranks[1].Explanation);
        Assert.Equal(11, result.JobsConsidered);

        var plain = Recommender.Rank(new RecommendRequest("rlhf", null, 7e9, jobs));
        Assert.Equal("grpo_math@1.2.0: 9 of 10 succeeded (Wilson lower bound 0.60) on 7B", plain.Ranks[0].Explanation);
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
        Assert.Equal("grpo_math@1.2.0: 2 of 3 succeeded (Wilson lower bound 0.21) on 7B–14B", rank.Explanation);

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
        Assert.Equal("z@1.0.0: 2 of 2 succeeded (Wilson lower bound 0.34), no final reward recorded; 2 jobs on 7B",
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
