using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using TrainingPlatform.Core.Experience;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Core.Schema;
using TrainingPlatform.Core.Text;
using static TrainingPlatform.Core.Tests.Experience.ExperienceTestData;

namespace TrainingPlatform.Core.Tests.Experience;

public sealed class SuggesterTests(ExperienceFixture data) : IClassFixture<ExperienceFixture>
{
    private static readonly string[] TooHigh = ["optimizer.learning_rate=1e-5", "batch.global_batch_size=128"];
    private static readonly string[] Inside = ["optimizer.learning_rate=6.5e-7", "batch.global_batch_size=512"];

    [Fact]
    public void Learning_rate_1e_5_and_global_batch_128_are_both_flagged_with_reasons_and_numbers()
    {
        var result = Suggester.Suggest(data.Request(data.Render("grpo_basic", "7B", TooHigh), Reward));

        Assert.True(result.EnoughEvidence);
        Assert.Equal(["batch.global_batch_size", "optimizer.learning_rate"], result.Suggestions.Select(s => s.Key));

        var batch = result.Suggestions[0];
        Assert.Equal(Importance.Critical, batch.Severity);
        Assert.Equal(128, batch.Current!.GetValue<long>());
        Assert.Equal(512, batch.Suggested!.GetValue<long>());
        Assert.Equal(SuggestionBasis.Median, batch.Basis);
        Assert.True(batch.Minimum > 128);
        Assert.Matches(
            @"^batch\.global_batch_size 128 is below the range \d+–\d+ of \d+ succeeded GRPO jobs on 7B–14B models, the best quarter by final reward; their median is 512$",
            batch.Reason);

        var lr = result.Suggestions[1];
        Assert.Equal(Importance.Critical, lr.Severity);
        Assert.Equal(SuggestionBasis.GeometricMedian, lr.Basis);
        var suggested = lr.Suggested!.GetValue<double>();
        Assert.InRange(suggested, 5e-7, 8.5e-7);
        var match = Regex.Match(lr.Reason,
            @"^optimizer\.learning_rate 1\.0e-05 is (\d+)× the geometric median (\S+) of (\d+) succeeded GRPO jobs on 7B–14B models, the best quarter by final reward; their range is \S+–\S+$");
        Assert.True(match.Success, lr.Reason);
        Assert.Equal(Numbers.Format(suggested), match.Groups[2].Value);
        Assert.Equal(Math.Round(1e-5 / lr.Reference!.Value), double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));

        // Every suggestion names the jobs it stands on: the evidence that has the key, sorted.
        foreach (var s in result.Suggestions)
        {
            Assert.Equal(s.JobIds.Order(StringComparer.Ordinal), s.JobIds);
            Assert.Equal(result.Evidence.JobIds, s.JobIds);
            Assert.Contains($"of {s.Count} succeeded", s.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Adopting_the_suggestions_with_set_leaves_nothing_to_suggest()
    {
        var first = Suggester.Suggest(data.Request(data.Render("grpo_basic", "7B", TooHigh), Reward));
        var sets = Suggester.ToSets(first.Suggestions);
        Assert.Equal(2, sets.Count);
        Assert.Equal("batch.global_batch_size=512", sets[0]);
        Assert.StartsWith("optimizer.learning_rate=", sets[1], StringComparison.Ordinal);

        var adopted = data.Render("grpo_basic", "7B", [.. TooHigh, .. sets]);
        Assert.Equal(512, adopted.Config["batch"]!["global_batch_size"]!.GetValue<long>());
        Assert.Empty(Suggester.Suggest(data.Request(adopted, Reward)).Suggestions);
    }

    [Fact]
    public void Without_a_metric_the_learning_rate_is_still_flagged_by_its_distance_from_the_geometric_median()
    {
        var result = Suggester.Suggest(data.Request(data.Render("grpo_basic", "7B", TooHigh)));

        var lr = Assert.Single(result.Suggestions, s => s.Key == "optimizer.learning_rate");
        Assert.Matches(@"^optimizer\.learning_rate 1\.0e-05 is \d+× the geometric median \S+ of \d+ succeeded GRPO jobs on 7B–14B models; their range is \S+$", lr.Reason);
        Assert.True(lr.Maximum >= 1e-5 / 3, "the flag comes from the 3× rule, not from the range");
        Assert.Equal(result.Evidence.InSizeWindow, result.Evidence.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_config_inside_the_evidence_gets_no_suggestion(bool withMetric)
    {
        var result = Suggester.Suggest(data.Request(data.Render("grpo_basic", "7B", Inside), withMetric ? Reward : null));

        Assert.True(result.EnoughEvidence);
        Assert.Empty(result.Suggestions);
        Assert.True(result.KeysCompared >= 20, $"only {result.KeysCompared} keys compared");
    }

    [Fact]
    public void Two_jobs_of_evidence_give_not_enough_evidence()
    {
        var all = data.History.Evidence();
        var two = all.Where(e => e.Job is { Algorithm: "grpo", Status: JobStatus.Succeeded, Parameters: 7e9 }).Take(2).ToArray();
        var jobs = all.Where(e => e.Job.Algorithm != "grpo" || e.Job.Status != JobStatus.Succeeded).Concat(two).ToArray();
        var target = data.Render("grpo_basic", "7B", TooHigh);

        var result = Suggester.Suggest(new SuggestRequest(target.Config, "rlhf", "grpo", 7e9, jobs));

        Assert.False(result.EnoughEvidence);
        Assert.Empty(result.Suggestions);
        Assert.Equal(2, result.Evidence.Count);
        Assert.Equal(3, result.Evidence.MinEvidence);
        Assert.Equal("not enough evidence: 2 succeeded GRPO jobs (task rlhf, full fine-tune) on models of 3.5B–14B; at least 3 needed", result.NotEnoughEvidence);

        var lower = Suggester.Suggest(new SuggestRequest(target.Config, "rlhf", "grpo", 7e9, jobs) { MinEvidence = 2 });
        Assert.True(lower.EnoughEvidence);
    }

    [Fact]
    public void Not_enough_evidence_after_the_metric_filter_says_how_many_had_the_metric()
    {
        var jobs = Enumerable.Range(1, 5).Select(i => Evidence(Job($"j{i}", reward: i < 3 ? 0.5 : null), ("optimizer.learning_rate", 1e-6))).ToArray();
        var result = Suggester.Suggest(new SuggestRequest(Config(("optimizer.learning_rate", 1e-6)), "rlhf", "grpo", 7e9, jobs) { Metric = Reward });

        Assert.Equal(["j1"], result.Evidence.JobIds);
        Assert.Equal(2, result.Evidence.WithMetric);
        Assert.Equal(
            "not enough evidence: the best quarter by final reward is 1 job, of 2 succeeded GRPO jobs (task rlhf, full fine-tune) on models of 3.5B–14B that recorded it (5 in all); at least 3 needed",
            result.NotEnoughEvidence);
    }

    [Fact]
    public void The_metric_keeps_the_best_quarter_by_final_value_ties_broken_by_job_id()
    {
        // Nine jobs with a reward, one without, one failed and one 70B job with better rewards than all.
        var jobs = Enumerable.Range(1, 9).Select(i => Job($"j{i}", reward: i / 10.0))
            .Append(Job("no-metric"))
            .Append(Job("failed", JobStatus.Failed, reward: 0.99))
            .Append(Job("big", billions: 70, reward: 0.98))
            .Select(j => Evidence(j, ("optimizer.learning_rate", 1e-6)))
            .ToArray();

        Assert.Equal(["j7", "j8", "j9"], Select(jobs, new MetricObjective("reward", MetricGoal.Maximize)).JobIds);
        Assert.Equal(["j1", "j2", "j3"], Select(jobs, new MetricObjective("reward", MetricGoal.Minimize)).JobIds);
        Assert.Equal(9, Select(jobs, Reward).WithMetric);
        Assert.Equal(10, Select(jobs, Reward).InSizeWindow);

        // ⌈5/4⌉ = 2: 0.9, then the lower id of the two at 0.5.
        var tied = new[] { ("z", 0.9), ("b", 0.5), ("a", 0.5), ("c", 0.1), ("d", 0.2) }
            .Select(x => Evidence(Job(x.Item1, reward: x.Item2), ("optimizer.learning_rate", 1e-6)))
            .ToArray();
        Assert.Equal(["a", "z"], Select(tied, Reward).JobIds);

        // One job with the metric is a quarter of one.
        Assert.Equal(["j1"], Select(jobs.Take(1).ToArray(), Reward).JobIds);

        static EvidenceSummary Select(EvidenceJob[] jobs, MetricObjective metric) =>
            Suggester.Suggest(new SuggestRequest(Config(("optimizer.learning_rate", 1e-6)), "rlhf", "grpo", 7e9, jobs) { Metric = metric, MinEvidence = 1 }).Evidence;
    }

    [Fact]
    public void In_the_generated_history_the_metric_evidence_is_the_top_quarter_of_the_size_window()
    {
        var result = Suggester.Suggest(data.Request(data.Render("grpo_basic", "7B", Inside), Reward));
        var window = data.History.Jobs
            .Where(j => j is { Status: JobStatus.Succeeded, Algorithm: "grpo" } && j.Parameters is >= 3.5e9 and <= 14e9)
            .ToDictionary(j => j.Id, j => Reward.FinalValue(j)!.Value);

        Assert.Equal(window.Count, result.Evidence.WithMetric);
        Assert.Equal((window.Count + 3) / 4, result.Evidence.Count);
        var worstKept = result.Evidence.JobIds.Min(id => window[id]);
        Assert.All(window.Where(p => !result.Evidence.JobIds.Contains(p.Key)), p => Assert.True(p.Value <= worstKept));
    }

    [Fact]
    public void The_size_window_is_a_factor_of_two_and_excludes_70B_jobs_for_a_7B_target()
    {
        var result = Suggester.Suggest(data.Request(data.Render("grpo_basic", "7B", Inside)));
        var used = result.Evidence.JobIds.Select(id => data.History.Jobs.Single(j => j.Id == id).Parameters).Distinct().Order().ToArray();
        Assert.Equal([7e9, 8e9, 14e9], used);
        Assert.Contains(data.History.Jobs, j => j is { Algorithm: "grpo", Status: JobStatus.Succeeded, Parameters: 70e9 });
        Assert.Equal("3.5B–14B", result.Evidence.SizeWindow);

        // 70B jobs that all used 1e-5 would make 1e-5 look normal if they counted.
        var jobs = Enumerable.Range(1, 3).Select(i => Evidence(Job($"small{i}"), ("optimizer.learning_rate", 1e-6)))
            .Concat(Enumerable.Range(1, 10).Select(i => Evidence(Job($"big{i}", billions: 70), ("optimizer.learning_rate", 1e-5))))
            .Append(Evidence(Job("edge-low", billions: 3.5), ("optimizer.learning_rate", 1e-6)))
            .Append(Evidence(Job("edge-high", billions: 14), ("optimizer.learning_rate", 1e-6)))
            .Append(Evidence(Job("out-low", billions: 3.4), ("optimizer.learning_rate", 1e-5)))
            .Append(Evidence(Job("out-high", billions: 14.1), ("optimizer.learning_rate", 1e-5)))
            .ToArray();
        var small = Suggester.Suggest(new SuggestRequest(Config(("optimizer.learning_rate", 1e-5)), "rlhf", "grpo", 7e9, jobs));
        Assert.Equal(["edge-high", "edge-low", "small1", "small2", "small3"], small.Evidence.JobIds);
        var s = Assert.Single(small.Suggestions);
        Assert.Equal("optimizer.learning_rate 1.0e-05 is 10× the geometric median 1.0e-06 of 5 succeeded GRPO jobs on 3.5B–14B models; all of them used 1.0e-06", s.Reason);
    }

    [Fact]
    public void Only_the_most_recent_jobs_up_to_max_evidence_are_read()
    {
        // Created at hours 0..5, ids in the opposite order; the two at hour 5 tie and the lower id wins.
        var jobs = new[] { ("f", 0), ("e", 1), ("d", 2), ("c", 3), ("b", 5), ("a", 5) }
            .Select(x => Evidence(Job(x.Item1, hour: x.Item2, reward: x.Item2 / 10.0), ("optimizer.learning_rate", 1e-6)))
            .ToArray();
        var config = Config(("optimizer.learning_rate", 1e-6));

        var result = Suggester.Suggest(new SuggestRequest(config, "rlhf", "grpo", 7e9, jobs) { MaxEvidence = 3 });
        Assert.Equal(["a", "b", "c"], result.Evidence.JobIds);
        Assert.Equal((6, 3), (result.Evidence.InSizeWindow, result.Evidence.Considered));
        Assert.Equal("3 succeeded GRPO jobs on 7B models; full fine-tune jobs only; only the 3 most recent of the 6 jobs in the size window were read", result.Evidence.Description);

        // The metric's quarter is taken of those read.
        var best = Suggester.Suggest(new SuggestRequest(config, "rlhf", "grpo", 7e9, jobs) { MaxEvidence = 4, Metric = Reward, MinEvidence = 1 });
        Assert.Equal(["a"], best.Evidence.JobIds);
        Assert.Equal(4, best.Evidence.WithMetric);
    }

    [Fact]
    public void Only_succeeded_jobs_of_the_same_task_and_algorithm_are_evidence()
    {
        var jobs = new[]
        {
            Job("ok1"), Job("ok2"), Job("ok3"),
            Job("failed", JobStatus.Failed), Job("cancelled", JobStatus.Cancelled), Job("running", JobStatus.Running),
            Job("ppo", algorithm: "ppo"), Job("sft", task: "sft"),
        }.Select(j => Evidence(j, ("optimizer.learning_rate", 1e-6))).ToArray();

        var result = Suggester.Suggest(new SuggestRequest(Config(("optimizer.learning_rate", 1e-6)), "rlhf", "grpo", 7e9, jobs));

        Assert.Equal(["ok1", "ok2", "ok3"], result.Evidence.JobIds);
        Assert.Equal(3, result.Evidence.Candidates);
        Assert.Equal("3 succeeded GRPO jobs on 7B models; full fine-tune jobs only", result.Evidence.Description);
    }

    [Fact]
    public void A_categorical_value_is_flagged_only_against_a_strict_majority()
    {
        var names = Enumerable.Repeat("adamw", 7).Append("adamw_8bit").ToArray();
        var jobs = names.Select((n, i) => Evidence(Job($"d{i}", recipe: "dpo_chat@1.0.0", task: "preference", algorithm: "dpo"), ("optimizer.name", n))).ToArray();

        var flagged = Assert.Single(Suggest(jobs, ("optimizer.name", "adamw_8bit")).Suggestions);
        Assert.Equal("optimizer.name", flagged.Key);
        Assert.Equal("adamw", flagged.Suggested!.GetValue<string>());
        Assert.Equal("adamw_8bit", flagged.Current!.GetValue<string>());
        Assert.Equal(SuggestionBasis.Majority, flagged.Basis);
        Assert.Equal(Importance.Important, flagged.Severity);
        Assert.Equal("optimizer.name adamw_8bit differs from adamw, used by 7 of 8 succeeded DPO jobs on 7B models; counts: adamw 7, adamw_8bit 1", flagged.Reason);
        Assert.Equal([("adamw", 7), ("adamw_8bit", 1)], flagged.Counts.Select(c => (c.Value!.GetValue<string>(), c.Count)));
        Assert.Equal(8, flagged.Count);
        Assert.Null(flagged.Reference);

        Assert.Empty(Suggest(jobs, ("optimizer.name", "adamw")).Suggestions);

        // 4 to 4 is no majority: nothing to suggest, even for a value nobody used.
        var split = names.Take(4).Concat(Enumerable.Repeat("lion", 4))
            .Select((n, i) => Evidence(Job($"s{i}", task: "preference", algorithm: "dpo"), ("optimizer.name", n))).ToArray();
        Assert.Empty(Suggest(split, ("optimizer.name", "sgd")).Suggestions);

        // Booleans too, with their type kept.
        var checkpointing = new[] { true, true, true, true, true, false }
            .Select((b, i) => Evidence(Job($"b{i}", task: "preference", algorithm: "dpo"), ("model.gradient_checkpointing", b))).ToArray();
        var on = Assert.Single(Suggest(checkpointing, ("model.gradient_checkpointing", false)).Suggestions);
        Assert.True(on.Suggested!.GetValue<bool>());
        Assert.Equal(["model.gradient_checkpointing=true"], Suggester.ToSets([on]));

        static SuggestResult Suggest(EvidenceJob[] jobs, (string, JsonNode?) value) =>
            Suggester.Suggest(new SuggestRequest(Config(value), "preference", "dpo", 7e9, jobs));
    }

    [Fact]
    public void Integer_keys_take_the_nearest_value_the_evidence_used()
    {
        // Median 384; 256 and 512 are equally near, and 256 was used more.
        var jobs = new long[] { 256, 256, 512, 1024 }.Select((v, i) => Evidence(Job($"j{i}"), ("batch.global_batch_size", v))).ToArray();
        var s = Assert.Single(Suggester.Suggest(new SuggestRequest(Config(("batch.global_batch_size", 4096L)), "rlhf", "grpo", 7e9, jobs)).Suggestions);

        Assert.Equal(256, s.Suggested!.GetValue<long>());
        Assert.Equal(384, s.Reference);
        Assert.Equal("batch.global_batch_size 4096 is above the range 256–1024 of 4 succeeded GRPO jobs on 7B models; their median is 384; the nearest value they used is 256", s.Reason);
    }

    [Fact]
    public void Number_keys_flag_outside_the_range_and_log_keys_also_beyond_3x()
    {
        var lrs = new[] { 1e-7, 1e-6, 1e-6, 1e-6, 1e-4 };
        var jobs = lrs.Select((v, i) => Evidence(Job($"j{i}"), ("optimizer.learning_rate", v), ("optimizer.weight_decay", i / 100.0))).ToArray();

        // Inside the range but 50× the geometric median: flagged. 2.9× is not.
        var far = Flag(jobs, 5e-5, 0.02);
        Assert.Equal("optimizer.learning_rate 5.0e-05 is 50× the geometric median 1.0e-06 of 5 succeeded GRPO jobs on 7B models; their range is 1.0e-07–0.0001", far.Single().Reason);
        Assert.Empty(Flag(jobs, 2.9e-6, 0.02));
        Assert.Single(Flag(jobs, 3.1e-7, 0.02));
        Assert.Empty(Flag(jobs, 3.4e-7, 0.02));

        // A plain number: only outside the range, suggested at the median.
        var wd = Assert.Single(Flag(jobs, 1e-6, 0.5));
        Assert.Equal("optimizer.weight_decay", wd.Key);
        Assert.Equal(0.02, wd.Suggested!.GetValue<double>());
        Assert.Equal("optimizer.weight_decay 0.5 is above the range 0.0–0.04 of 5 succeeded GRPO jobs on 7B models; their median is 0.02", wd.Reason);
        Assert.Empty(Flag(jobs, 1e-6, 0.04));

        // Outside a range of one value, within 3×.
        var same = Enumerable.Range(0, 3).Select(i => Evidence(Job($"s{i}"), ("optimizer.learning_rate", 1e-6))).ToArray();
        Assert.Equal("optimizer.learning_rate 2.0e-06 differs from 1.0e-06, used by all 3 succeeded GRPO jobs on 7B models", Assert.Single(Flag(same, 2e-6, null)).Reason);

        static IReadOnlyList<ConfigSuggestion> Flag(EvidenceJob[] jobs, double lr, double? wd)
        {
            var config = wd is { } w ? Config(("optimizer.learning_rate", lr), ("optimizer.weight_decay", w)) : Config(("optimizer.learning_rate", lr));
            return Suggester.Suggest(new SuggestRequest(config, "rlhf", "grpo", 7e9, jobs)).Suggestions;
        }
    }

    [Fact]
    public void A_log_key_with_an_even_count_takes_the_geometric_mean_of_the_two_middle_values()
    {
        // The median of the logs: for 4 values, between 1e-7 and 1e-5 lies 1e-6 (the arithmetic median would be 5.05e-6).
        var jobs = new[] { 1e-7, 1e-7, 1e-5, 1e-5 }.Select((v, i) => Evidence(Job($"j{i}"), ("optimizer.learning_rate", v))).ToArray();
        var s = Assert.Single(Suggester.Suggest(new SuggestRequest(Config(("optimizer.learning_rate", 1e-4)), "rlhf", "grpo", 7e9, jobs)).Suggestions);

        Assert.Equal(1e-6, s.Reference!.Value, 15);
        Assert.Equal(1e-6, s.Suggested!.GetValue<double>());
        Assert.Equal("optimizer.learning_rate 0.0001 is 100× the geometric median 1.0e-06 of 4 succeeded GRPO jobs on 7B models; their range is 1.0e-07–1.0e-05", s.Reason);
    }

    [Fact]
    public void The_suggested_number_is_rounded_but_stays_within_the_range()
    {
        var jobs = new[] { 6.41e-7, 6.47e-7, 6.52e-7 }.Select((v, i) => Evidence(Job($"j{i}"), ("optimizer.learning_rate", v))).ToArray();
        var s = Assert.Single(Suggester.Suggest(new SuggestRequest(Config(("optimizer.learning_rate", 1e-5)), "rlhf", "grpo", 7e9, jobs)).Suggestions);

        // 2 digits (6.5e-07) is within 6.41e-07..6.52e-07.
        Assert.Equal(6.5e-7, s.Suggested!.GetValue<double>());
        Assert.Equal(6.47e-7, s.Reference!.Value, 12);

        var narrow = new[] { 6.51e-7, 6.52e-7, 6.53e-7 }.Select((v, i) => Evidence(Job($"n{i}"), ("optimizer.learning_rate", v))).ToArray();
        var t = Assert.Single(Suggester.Suggest(new SuggestRequest(Config(("optimizer.learning_rate", 1e-5)), "rlhf", "grpo", 7e9, narrow)).Suggestions);
        Assert.Equal(6.52e-7, t.Suggested!.GetValue<double>());
    }

    [Fact]
    public void Cluster_ids_and_unknown_keys_are_not_compared_nor_keys_too_few_jobs_have()
    {
        var jobs = Enumerable.Range(0, 4).Select(i => Evidence(Job($"j{i}"),
            ("trainer.seed", 1L),
            ("trainer.total_gpus", 64L),
            ("parallelism.param_offload", true),
            ("batch.micro_batch_size_per_gpu", 2L),
            ("extra.custom", 1.0),
            ("rl.rollout_n", i < 2 ? 8L : null))).ToArray();
        var target = Config(
            ("trainer.seed", 42L),
            ("trainer.total_gpus", 8L),
            ("parallelism.param_offload", false),
            ("batch.micro_batch_size_per_gpu", 16L),
            ("extra.custom", 9.0),
            ("rl.rollout_n", 5L));

        var result = Suggester.Suggest(new SuggestRequest(target, "rlhf", "grpo", 7e9, jobs));

        Assert.True(result.EnoughEvidence);
        Assert.Empty(result.Suggestions);
        Assert.Equal(0, result.KeysCompared);
        Assert.True(Suggester.IsExcluded("parallelism.rollout_tensor_parallel_size"));
        Assert.False(Suggester.IsExcluded("batch.global_batch_size"));
    }

    [Fact]
    public void Sets_read_back_through_the_resolver_with_the_same_type()
    {
        var cases = new (string Key, JsonNode Value)[]
        {
            ("batch.global_batch_size", JsonValue.Create(512L)),
            ("optimizer.learning_rate", JsonValue.Create(6.5e-7)),
            ("optimizer.weight_decay", JsonValue.Create(1.0)),
            ("optimizer.max_grad_norm", JsonValue.Create(0.5)),
            ("optimizer.name", JsonValue.Create("adamw")),
            ("data.packing", JsonValue.Create(false)),
        };
        var suggestions = cases.Select(c => new ConfigSuggestion(c.Key, null, c.Value, "", Importance.Minor, SuggestionBasis.Median, null, null, null, [], [])).ToArray();

        var sets = Suggester.ToSets(suggestions);

        Assert.Equal(["batch.global_batch_size=512", "optimizer.learning_rate=6.5e-07", "optimizer.weight_decay=1.0", "optimizer.max_grad_norm=0.5", "optimizer.name=adamw", "data.packing=false"], sets);
        foreach (var (set, expected) in sets.Zip(cases))
        {
            var back = RecipeResolver.Coerce(RecipeSchema.Current.Find(expected.Key)!, set[(set.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            Assert.Equal(CanonicalJson.Write(expected.Value), CanonicalJson.Write(back));
            Assert.Equal(expected.Value.GetValueKind(), back!.GetValueKind());
        }
    }

    [Fact]
    public void The_same_evidence_in_any_order_gives_the_same_result()
    {
        var target = data.Render("grpo_basic", "7B", ["optimizer.learning_rate=1e-5", "batch.global_batch_size=128", "rl.loss_agg_mode=seq-mean-token-sum"]);
        var jobs = data.History.Evidence();
        var shuffled = jobs.OrderBy(j => CanonicalJson.Sha256(JsonValue.Create(j.Job.Id))).ToArray();

        var a = Describe(Suggester.Suggest(data.Request(target, Reward)));
        var b = Describe(Suggester.Suggest(new SuggestRequest(target.Config, "rlhf", "grpo", 7e9, shuffled) { Metric = Reward }));
        var c = Describe(Suggester.Suggest(data.Request(target, Reward)));

        Assert.Equal(a, b);
        Assert.Equal(a, c);
        Assert.Contains("rl.loss_agg_mode", a, StringComparison.Ordinal);

        // Critical first, then by key.
        var order = Suggester.Suggest(data.Request(target, Reward)).Suggestions.Select(s => (s.Severity, s.Key)).ToArray();
        Assert.Equal(order.OrderByDescending(o => o.Severity).ThenBy(o => o.Key, StringComparer.Ordinal), order);

        static string Describe(SuggestResult r) =>
            string.Join("\n", r.Suggestions.Select(s => $"{s.Key} {s.Suggested?.ToJsonString()} {s.Reason} {string.Join(",", s.JobIds)}"))
            + "\n" + string.Join(",", r.Evidence.JobIds);
    }

    [Fact]
    public void Configs_from_text_and_from_trees_are_the_same_evidence()
    {
        var history = data.History;
        var fromText = history.Jobs.Select(j => EvidenceJob.FromJson(j, history.GetConfig(j.ConfigHash)!)).ToArray();
        var fromTree = history.Jobs.Select(j => new EvidenceJob(j, JsonNode.Parse(history.GetConfig(j.ConfigHash)!)!.AsObject())).ToArray();
        var target = data.Render("grpo_basic", "7B", TooHigh);

        var a = Suggester.Suggest(new SuggestRequest(target.Config, "rlhf", "grpo", 7e9, fromText) { Metric = Reward });
        var b = Suggester.Suggest(new SuggestRequest(target.Config, "rlhf", "grpo", 7e9, fromTree) { Metric = Reward });

        Assert.Equal(a.Suggestions.Select(s => s.Reason), b.Suggestions.Select(s => s.Reason));
        Assert.Equal(2, a.Suggestions.Count);
    }

    [Fact]
    public void Loaded_configs_are_fetched_once_per_hash_and_only_for_evidence()
    {
        var fetched = new List<string>();
        var jobs = EvidenceJob.Load(data.History.Jobs, hash =>
        {
            fetched.Add(hash);
            return data.History.GetConfig(hash);
        });
        Assert.Empty(fetched);

        var result = Suggester.Suggest(new SuggestRequest(data.Render("grpo_basic", "7B", Inside).Config, "rlhf", "grpo", 7e9, jobs) { Metric = Reward });

        // Issue 17 E19: the training method is in the config, so every succeeded GRPO job in the size window is read
        // (once per hash), and nothing else: not other tasks, algorithms or sizes, nor failed jobs when there is no
        // suggestion for them to speak against.
        var window = data.History.Jobs
            .Where(j => j is { Task: "rlhf", Algorithm: "grpo", Status: JobStatus.Succeeded } && SizeWindow.Contains(7e9, j.Parameters))
            .Select(j => j.ConfigHash).Distinct().Order(StringComparer.Ordinal);
        Assert.Equal(window, fetched.Order(StringComparer.Ordinal));
        var evidenceHashes = result.Evidence.JobIds.Select(id => data.History.Jobs.Single(j => j.Id == id).ConfigHash).ToHashSet();
        Assert.Subset(fetched.ToHashSet(), evidenceHashes);
    }

    [Fact]
    public void Issue17_E19_only_jobs_that_trained_the_same_way_are_evidence()
    {
        var jobs = new[]
        {
            Evidence(Job("f1"), ("optimizer.learning_rate", 1e-6)),
            Evidence(Job("f2"), ("optimizer.learning_rate", 1.2e-6)),
            Evidence(Job("f3"), ("optimizer.learning_rate", 9e-7), ("model.quantization", "none")),
            Evidence(Job("l1"), ("optimizer.learning_rate", 3e-6), ("lora.rank", 8)),
            Evidence(Job("l2"), ("optimizer.learning_rate", 3e-6), ("lora.rank", 16)),
            Evidence(Job("l3"), ("optimizer.learning_rate", 3e-6), ("lora.rank", 8), ("model.quantization", "none")),
            Evidence(Job("q1"), ("optimizer.learning_rate", 2e-4), ("lora.rank", 8), ("model.quantization", "nf4")),
        };

        var full = Suggester.Suggest(new SuggestRequest(Config(("optimizer.learning_rate", 1e-6)), "rlhf", "grpo", 7e9, jobs));
        Assert.Equal(["f1", "f2", "f3"], full.Evidence.JobIds);
        Assert.Equal((TrainingMethod.Full, 4), (full.Evidence.Method, full.Evidence.OtherMethod));
        Assert.Contains("; full fine-tune jobs only (3 LoRA, 1 QLoRA left out)", full.Evidence.Description, StringComparison.Ordinal);
        Assert.Empty(full.Suggestions);

        var lora = Suggester.Suggest(new SuggestRequest(Config(("optimizer.learning_rate", 1e-6), ("lora.rank", 8)), "rlhf", "grpo", 7e9, jobs));
        Assert.Equal(["l1", "l2", "l3"], lora.Evidence.JobIds);
        Assert.Equal(3e-6, Assert.Single(lora.Suggestions).Suggested!.GetValue<double>());

        var qlora = Suggester.Suggest(new SuggestRequest(Config(("optimizer.learning_rate", 1e-4), ("lora.rank", 8), ("model.quantization", "nf4")), "rlhf", "grpo", 7e9, jobs));
        Assert.False(qlora.EnoughEvidence);
        Assert.Contains("(task rlhf, QLoRA)", qlora.NotEnoughEvidence, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("grpo_basic", TrainingMethod.Full)]
    [InlineData("sft_full", TrainingMethod.Full)]
    [InlineData("dpo_full", TrainingMethod.Full)]
    [InlineData("grpo_lora", TrainingMethod.Lora)]
    [InlineData("dpo_lora", TrainingMethod.Lora)]
    [InlineData("sft_lora", TrainingMethod.Lora)]
    [InlineData("sft_qlora", TrainingMethod.QLora)]
    public void Issue17_E19_the_built_in_recipes_train_the_way_their_names_say(string recipe, TrainingMethod method)
    {
        var rendered = data.Render(recipe, "7B");
        Assert.Equal(method, TrainingMethods.Of(rendered.Recipe.Algorithm, rendered.Config));
    }

    [Fact]
    public void Issue17_E20_failed_jobs_are_counter_evidence_only_when_they_cluster_at_the_suggested_value()
    {
        EvidenceJob At(string id, JobStatus status, double lr) => Evidence(Job(id, status), ("optimizer.learning_rate", lr));
        var succeeded = Enumerable.Range(0, 10).Select(i => At($"s{i}", JobStatus.Succeeded, 1e-6)).ToArray();
        var target = Config(("optimizer.learning_rate", 1e-5));

        // Two failures among ten successes at 1e-6 are the base rate: no counter-evidence.
        var few = Suggester.Suggest(new SuggestRequest(target, "rlhf", "grpo", 7e9, [.. succeeded, At("f0", JobStatus.Failed, 1e-6), At("f1", JobStatus.Failed, 1e-6)]));
        Assert.Null(Assert.Single(few.Suggestions).CounterEvidence);

        // Four of fourteen, within 5 % of the value, are a cluster; a failure elsewhere is not counted; none is support.
        var many = Suggester.Suggest(new SuggestRequest(target, "rlhf", "grpo", 7e9,
            [.. succeeded, At("f0", JobStatus.Failed, 1e-6), At("f1", JobStatus.Failed, 1.04e-6), At("f2", JobStatus.Failed, 9.7e-7), At("f3", JobStatus.Failed, 1e-6), At("f4", JobStatus.Failed, 1e-4)]));
        var lr = Assert.Single(many.Suggestions);
        Assert.Equal(["f0", "f1", "f2", "f3"], lr.CounterEvidence!.JobIds);
        Assert.Equal("4 failed GRPO jobs on 3.5B–14B models used optimizer.learning_rate 1.0e-06, the suggested value (10 succeeded with it)", lr.CounterEvidence.Text);
        Assert.DoesNotContain(lr.JobIds, id => id.StartsWith('f'));
        Assert.DoesNotContain(many.Evidence.JobIds, id => id.StartsWith('f'));
    }

    [Fact]
    public void A_missing_config_covers_no_key_and_a_broken_one_names_the_job()
    {
        var jobs = EvidenceJob.Load([Job("a"), Job("b"), Job("c")], _ => null);
        var result = Suggester.Suggest(new SuggestRequest(Config(("optimizer.learning_rate", 1e-5)), "rlhf", "grpo", 7e9, jobs));
        Assert.True(result.EnoughEvidence);
        Assert.Equal(0, result.KeysCompared);

        var broken = EvidenceJob.Load([Job("x1"), Job("x2"), Job("x3")], _ => "{\"optimizer\": {");
        var e = Assert.Throws<InvalidDataException>(() => Suggester.Suggest(new SuggestRequest(Config(("optimizer.learning_rate", 1e-5)), "rlhf", "grpo", 7e9, broken)));
        Assert.Contains("job x1", e.Message, StringComparison.Ordinal);
    }
}
