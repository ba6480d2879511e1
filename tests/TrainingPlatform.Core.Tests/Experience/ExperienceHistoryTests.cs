using System.Text.Json.Nodes;
using TrainingPlatform.Core.Experience;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Schema;
using TrainingPlatform.Core.Text;

namespace TrainingPlatform.Core.Tests.Experience;

public sealed class ExperienceHistoryTests(ExperienceFixture data) : IClassFixture<ExperienceFixture>
{
    [Fact]
    public void The_same_seed_gives_the_same_history()
    {
        var again = ExperienceHistory.Generate(ExperienceHistory.DocumentedSeed, 200);
        var other = ExperienceHistory.Generate(ExperienceHistory.DocumentedSeed + 1, 200);

        Assert.Equal(Fingerprint(data.History), Fingerprint(again));
        Assert.NotEqual(Fingerprint(data.History), Fingerprint(other));
        Assert.Equal(200, data.History.Jobs.Count);
        Assert.Equal("e00000000001", data.History.Jobs[0].Id);

        static string Fingerprint(ExperienceHistory h) =>
            string.Join("\n", h.Jobs.Select(j => $"{j.Id} {j.Status} {j.RecipeId}@{j.RecipeVersion} {j.Parameters} {j.ConfigHash} {j.Created:O} {string.Join(",", j.Metrics.Select(m => m.Last))}"));
    }

    [Fact]
    public void It_has_grpo_jobs_failures_and_noise_of_other_tasks_and_sizes()
    {
        var jobs = data.History.Jobs;
        Assert.InRange(jobs.Count(j => j.Algorithm == "grpo"), 80, 140);
        Assert.Contains(jobs, j => j.Status == JobStatus.Failed);
        Assert.Contains(jobs, j => j.Status == JobStatus.Cancelled);
        Assert.Contains(jobs, j => j.Task == "preference");
        Assert.Contains(jobs, j => j.Task == "sft");
        Assert.Contains(jobs, j => j.Algorithm == "ppo");
        Assert.Equal([1.5e9, 7e9, 8e9, 14e9, 32e9, 70e9], jobs.Select(j => j.Parameters).Distinct().Order());
        Assert.All(jobs.Where(j => j.Status == JobStatus.Succeeded), j => Assert.Single(j.Metrics));
    }

    [Fact]
    public void The_best_scoring_grpo_7B_class_jobs_used_a_learning_rate_near_6_5e_7_and_a_global_batch_near_512()
    {
        var scored = data.History.Jobs
            .Where(j => j is { Algorithm: "grpo", Status: JobStatus.Succeeded } && j.Parameters is >= 3.5e9 and <= 14e9)
            .OrderByDescending(j => j.Metrics[0].Last)
            .ToArray();
        var best = scored.Take(scored.Length / 4).Select(j => JsonNode.Parse(data.History.GetConfig(j.ConfigHash)!)!).ToArray();

        var lrs = best.Select(c => c["optimizer"]!["learning_rate"]!.GetValue<double>()).ToArray();
        var batches = best.Select(c => c["batch"]!["global_batch_size"]!.GetValue<long>()).Order().ToArray();
        Assert.InRange(Math.Exp(lrs.Average(Math.Log)), 5e-7, 8.5e-7);
        Assert.Equal(512, batches[batches.Length / 2]);
    }

    [Theory]
    [InlineData("grpo_basic", "grpo")]
    [InlineData("ppo", "ppo")]
    [InlineData("dpo_full", "dpo")]
    [InlineData("sft_full", "sft")]
    public void Generated_configs_have_the_keys_the_resolver_renders(string recipe, string algorithm)
    {
        var rendered = data.Render(recipe, "7B").Config;
        var job = data.History.Jobs.First(j => j.Algorithm == algorithm && j.Parameters == 7e9);
        var generated = JsonNode.Parse(data.History.GetConfig(job.ConfigHash)!)!.AsObject();

        Assert.Equal(Keys(rendered), Keys(generated));
        Assert.All(Keys(generated).Where(k => !k.StartsWith("extra.", StringComparison.Ordinal)), k => Assert.NotNull(RecipeSchema.Current.Find(k)));

        static string[] Keys(JsonObject config) =>
            config.SelectMany(s => s.Value!.AsObject().Select(k => s.Key + "." + k.Key)).Order(StringComparer.Ordinal).ToArray();
    }

    [Fact]
    public void New_jobs_carry_their_config_and_recipe_version_as_a_store_records_them()
    {
        var all = data.History.ToNewJobs().ToArray();

        Assert.Equal(data.History.Jobs.Count, all.Length);
        Assert.All(all, n =>
        {
            Assert.Equal(n.Job.ConfigHash, CanonicalJson.Sha256(JsonNode.Parse(n.ConfigJson)));
            var recipe = Assert.Single(n.Recipes);
            Assert.Equal(n.Job.RecipeHash, recipe.Hash);
            Assert.Equal((n.Job.RecipeId, n.Job.RecipeVersion, n.Job.Task, n.Job.Algorithm), (recipe.RecipeId, recipe.Version, recipe.Task, recipe.Algorithm));
            Assert.Equal([JobStatus.Pending, JobStatus.Running, n.Job.Status], n.Job.Events.Select(e => e.Status));
        });
    }
}
