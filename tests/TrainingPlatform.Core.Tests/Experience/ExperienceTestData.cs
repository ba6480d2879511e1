using System.Text.Json.Nodes;
using TrainingPlatform.Core.Experience;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Resolution;

namespace TrainingPlatform.Core.Tests.Experience;

/// <summary>The generated history of the acceptance tests (seed 7, 200 jobs) and rendered targets, built once.</summary>
public sealed class ExperienceFixture : IDisposable
{
    private readonly string _empty = Path.Combine(Path.GetTempPath(), "trainplat-experience-" + Guid.NewGuid().ToString("N")[..12]);

    public ExperienceFixture()
    {
        // An empty folder: no trainplat.yaml or git root above it to add project recipes.
        Directory.CreateDirectory(_empty);
        History = ExperienceHistory.Generate(ExperienceHistory.DocumentedSeed, 200);
    }

    public ExperienceHistory History { get; }

    /// <summary>A built-in recipe rendered as <c>render RECIPE --model-size SIZE --set …</c> would.</summary>
    public ResolvedConfig Render(string recipe, string size, params string[] sets)
    {
        var result = RecipeResolver.Resolve(new RenderRequest(recipe, size, null, null, null, null, sets, _empty));
        Assert.True(result.Config is not null, result.Error);
        return result.Config;
    }

    public SuggestRequest Request(ResolvedConfig target, MetricObjective? metric = null) =>
        new(target.Config, target.Recipe.Task, target.Recipe.Algorithm, target.Parameters, History.Evidence()) { Metric = metric };

    public void Dispose()
    {
        Directory.Delete(_empty, recursive: true);
    }
}

/// <summary>Hand-made jobs and configs for tests that need exact numbers.</summary>
internal static class ExperienceTestData
{
    public static readonly MetricObjective Reward = new(ExperienceHistory.RewardMetric, MetricGoal.Maximize);

    private static readonly DateTimeOffset Time = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);

    public static JobRecord Job(
        string id,
        JobStatus status = JobStatus.Succeeded,
        string recipe = "grpo_math@1.2.0",
        string task = "rlhf",
        string algorithm = "grpo",
        double billions = 7,
        double? reward = null,
        int hour = 0)
    {
        var at = recipe.IndexOf('@', StringComparison.Ordinal);
        return new JobRecord
        {
            Id = id,
            Status = status,
            RecipeId = recipe[..at],
            RecipeVersion = recipe[(at + 1)..],
            RecipeHash = "r-" + recipe,
            Task = task,
            Algorithm = algorithm,
            ModelSize = billions.ToString(System.Globalization.CultureInfo.InvariantCulture) + "B",
            Parameters = billions * 1e9,
            Gpus = 8,
            Nodes = 1,
            ConfigHash = "c-" + id,
            User = "test",
            Host = "test",
            ToolVersion = "0.1.0",
            Created = Time.AddHours(hour),
            Updated = Time.AddHours(hour),
            Metrics = reward is { } r ? [new MetricSummary(ExperienceHistory.RewardMetric, 10, 0, 0.1, 100, r, 0, 0.1, 100, r)] : [],
        };
    }

    /// <summary>A config with one section per dotted key given (<c>optimizer.learning_rate</c> → <c>{"optimizer": {"learning_rate": …}}</c>).</summary>
    public static JsonObject Config(params (string Key, JsonNode? Value)[] values)
    {
        var config = new JsonObject();
        foreach (var (key, value) in values)
        {
            var dot = key.IndexOf('.', StringComparison.Ordinal);
            var section = config[key[..dot]] as JsonObject ?? (JsonObject)(config[key[..dot]] = new JsonObject());
            section[key[(dot + 1)..]] = value?.DeepClone();
        }

        return config;
    }

    public static EvidenceJob Evidence(JobRecord job, params (string Key, JsonNode? Value)[] values) => new(job, Config(values));
}
