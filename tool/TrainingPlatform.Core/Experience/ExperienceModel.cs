using System.Text.Json.Nodes;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Schema;

namespace TrainingPlatform.Core.Experience;

/// <summary>
/// A metric to judge jobs by (its final value, <see cref="MetricSummary.Last"/>) and which way is better
/// (<see cref="MetricGoals.Guess"/> gives a default from the name).
/// </summary>
public sealed record MetricObjective(string Name, MetricGoal Goal)
{
    /// <summary>The job's final value of this metric, or null when it has none (or it is not finite).</summary>
    public double? FinalValue(JobRecord job)
    {
        foreach (var m in job.Metrics)
        {
            if (string.Equals(m.Name, Name, StringComparison.Ordinal))
            {
                return double.IsFinite(m.Last) ? m.Last : null;
            }
        }

        return null;
    }
}

/// <summary>What the engine needs to know of a config key: the severity of changing it, its scale, its type.</summary>
/// <param name="Severity">The schema's <c>x-importance</c> (or a <c>trainplat.yaml</c> importance glob).</param>
/// <param name="LogScale">The schema marks the key <c>x-scale: log</c>: compared by ratio, referenced by geometric median.</param>
/// <param name="Integer">The schema types the key <c>integer</c>: suggested values stay whole.</param>
public sealed record KeyMetadata(Importance Severity, bool LogScale, bool Integer);

/// <summary>How a suggestion's reference value was found.</summary>
public enum SuggestionBasis
{
    /// <summary>The median of the evidence's values.</summary>
    Median,

    /// <summary>The geometric median: the median of the logarithms, exponentiated (<c>x-scale: log</c> keys).</summary>
    GeometricMedian,

    /// <summary>The value a strict majority of the evidence used (strings and booleans).</summary>
    Majority,
}

/// <summary>How often one value occurs in the evidence.</summary>
public sealed record ValueCount(JsonNode? Value, int Count);

/// <summary>What <c>trainplat suggest</c> compares a config against.</summary>
/// <param name="Config">The target's resolved config (<see cref="Resolution.ResolvedConfig.Config"/>: section → key → value).</param>
/// <param name="Task">The target recipe's task; evidence must have the same.</param>
/// <param name="Algorithm">The target recipe's algorithm; evidence must have the same.</param>
/// <param name="Parameters">The target model's parameter count; evidence must be within a factor of 2.</param>
/// <param name="Jobs">Candidate evidence: any jobs (the engine keeps succeeded ones of the same task, algorithm and size window).</param>
public sealed record SuggestRequest(
    JsonObject Config,
    string Task,
    string Algorithm,
    double Parameters,
    IReadOnlyList<EvidenceJob> Jobs)
{
    /// <summary>With a metric, only the best quarter of the evidence by its final value is used.</summary>
    public MetricObjective? Metric { get; init; }

    /// <summary>Fewer evidence jobs than this give "not enough evidence"; a key needs this many jobs that have it.</summary>
    public int MinEvidence { get; init; } = Suggester.DefaultMinEvidence;

    /// <summary>
    /// Of the jobs in the size window only the most recent this many (by creation, then id) count, before the
    /// metric's quarter is taken: practice drifts, and it bounds the configs read however large the store grows.
    /// </summary>
    public int MaxEvidence { get; init; } = Suggester.DefaultMaxEvidence;

    /// <summary>Severity, scale and type by dotted key; null skips the key. Defaults to the recipe schema.</summary>
    public Func<string, KeyMetadata?> Keys { get; init; } = ExperienceKeys.Schema;
}

/// <summary>Which past jobs a suggestion or ranking stands on, and how they were narrowed down.</summary>
/// <param name="Candidates">Succeeded jobs of the same task and algorithm among those given.</param>
/// <param name="InSizeWindow">Of those, the ones whose model is within a factor of 2 of the target's.</param>
/// <param name="Considered">Of those, the most recent <see cref="SuggestRequest.MaxEvidence"/>.</param>
/// <param name="WithMetric">Of those, the ones that have the metric (null without a metric).</param>
/// <param name="JobIds">The evidence used, sorted.</param>
/// <param name="SizeWindow">The parameter range searched, e.g. <c>3.5B–14B</c>.</param>
/// <param name="Description">The evidence in words: "8 succeeded GRPO jobs on 7B–14B models".</param>
public sealed record EvidenceSummary(
    int Candidates,
    int InSizeWindow,
    int Considered,
    int? WithMetric,
    IReadOnlyList<string> JobIds,
    int MinEvidence,
    string SizeWindow,
    string Description)
{
    public int Count => JobIds.Count;

    /// <summary>The target's training method: evidence must have the same.</summary>
    public TrainingMethod Method { get; init; }

    /// <summary>Succeeded jobs in the size window left out because they trained another way (LoRA evidence for a full fine-tune).</summary>
    public int OtherMethod { get; init; }
}

/// <summary>Failed jobs that used a suggestion's value: a warning against it, with their ids.</summary>
/// <param name="Value">The suggested value they used.</param>
/// <param name="JobIds">The failed jobs, sorted.</param>
/// <param name="Text">In words: "3 failed GRPO jobs used 1.0e-05, the suggested value".</param>
public sealed record CounterEvidence(JsonNode? Value, IReadOnlyList<string> JobIds, string Text);

/// <summary>One change <c>suggest</c> proposes: a key whose value the evidence does not support.</summary>
/// <param name="Key">Dotted config key (<c>optimizer.learning_rate</c>).</param>
/// <param name="Current">The target's value.</param>
/// <param name="Suggested">The value to use instead, typed as the key (integer, number, string, boolean).</param>
/// <param name="Reason">Why, in words with the numbers.</param>
/// <param name="Severity">The key's importance from the schema.</param>
/// <param name="Reference">The median (or geometric median) of the evidence; null for categorical keys.</param>
/// <param name="Minimum">The evidence's smallest value; null for categorical keys.</param>
/// <param name="Maximum">The evidence's largest value; null for categorical keys.</param>
/// <param name="Counts">For categorical keys, every value the evidence used, most used first; empty for numbers.</param>
/// <param name="JobIds">The evidence jobs that have this key, sorted.</param>
public sealed record ConfigSuggestion(
    string Key,
    JsonNode? Current,
    JsonNode? Suggested,
    string Reason,
    Importance Severity,
    SuggestionBasis Basis,
    double? Reference,
    double? Minimum,
    double? Maximum,
    IReadOnlyList<ValueCount> Counts,
    IReadOnlyList<string> JobIds)
{
    public int Count => JobIds.Count;

    /// <summary>Failed jobs clustered at the suggested value (<see cref="Suggester.CounterEvidenceMin"/>, <see cref="Suggester.CounterEvidenceShare"/>); null when none.</summary>
    public CounterEvidence? CounterEvidence { get; init; }
}

/// <summary>
/// The outcome of <c>suggest</c>: either not enough evidence (<see cref="NotEnoughEvidence"/> says so, no
/// suggestions), or the suggestions, critical first, then by key.
/// </summary>
/// <param name="KeysCompared">Keys of the target the evidence covered (compared, flagged or not).</param>
public sealed record SuggestResult(
    EvidenceSummary Evidence,
    string? NotEnoughEvidence,
    int KeysCompared,
    IReadOnlyList<ConfigSuggestion> Suggestions)
{
    public bool EnoughEvidence => NotEnoughEvidence is null;

    /// <summary>
    /// Without enough evidence, the built-in recipe the target is compared with instead (<see cref="BuiltInReferences"/>);
    /// null when there is enough evidence or no built-in recipe of the task, algorithm and method renders at the size.
    /// </summary>
    public BuiltInReference? Reference { get; init; }
}

/// <summary>What <c>trainplat recommend</c> ranks recipes by.</summary>
/// <param name="Task">Jobs must have this task.</param>
/// <param name="Algorithm">When given, jobs must have this algorithm.</param>
/// <param name="Parameters">The model's parameter count; jobs must be within a factor of 2.</param>
/// <param name="Jobs">Candidate jobs of any status (pending and running ones are left out).</param>
public sealed record RecommendRequest(
    string Task,
    string? Algorithm,
    double Parameters,
    IReadOnlyList<JobRecord> Jobs)
{
    public MetricObjective? Metric { get; init; }
}

/// <summary>One recipe version's record on similar jobs.</summary>
/// <param name="Rank">1 for the best.</param>
/// <param name="Jobs">Finished jobs (succeeded, failed or cancelled) that ran the recipe as written or near it (<see cref="Recommender.IsNear"/>).</param>
/// <param name="WilsonLowerBound">The lower end of the 95 % Wilson score interval of the success rate.</param>
/// <param name="MetricJobs">Succeeded jobs that have the metric (0 without one).</param>
/// <param name="MedianMetric">Median final value of the metric over <see cref="MetricJobs"/>.</param>
/// <param name="BestMetric">Best final value of the metric over <see cref="MetricJobs"/>.</param>
/// <param name="JobIds">The jobs counted, sorted.</param>
/// <param name="Explanation">The rank in one line, with the numbers.</param>
public sealed record RecipeRank(
    int Rank,
    string RecipeId,
    string RecipeVersion,
    int Jobs,
    int Succeeded,
    double SuccessRate,
    double WilsonLowerBound,
    int MetricJobs,
    double? MedianMetric,
    double? BestMetric,
    double MinParameters,
    double MaxParameters,
    IReadOnlyList<string> JobIds,
    string Explanation)
{
    /// <summary><c>id@version</c>.</summary>
    public string Recipe => RecipeId + "@" + RecipeVersion;

    /// <summary>The upper end of the 95 % Wilson score interval (1 when no job ran the recipe as written).</summary>
    public double WilsonUpperBound { get; init; } = 1;

    /// <summary>Finished jobs of this recipe version with <c>--set</c> overrides beyond the near ones: not counted in the rank.</summary>
    public int Overridden { get; init; }

    /// <summary>The failed (and cancelled) ones of <see cref="Overridden"/>, with their overrides: what may have broken them.</summary>
    public IReadOnlyList<OverriddenJob> OverriddenFailures { get; init; } = [];

    /// <summary>Recipes ranked above this one whose Wilson intervals overlap its own: the data cannot tell them apart.</summary>
    public IReadOnlyList<string> IndistinguishableFrom { get; init; } = [];
}

/// <summary>A job that ran a recipe with overrides, and the overrides (<c>key=value</c>, as given to <c>--set</c>).</summary>
public sealed record OverriddenJob(string JobId, JobStatus Status, IReadOnlyList<string> Sets);

/// <summary>The outcome of <c>recommend</c>: recipes, best first.</summary>
/// <param name="JobsConsidered">Finished jobs of the task (and algorithm) in the size window.</param>
/// <param name="SizeWindow">The parameter range searched, e.g. <c>3.5B–14B</c>.</param>
public sealed record RecommendResult(
    int JobsConsidered,
    string SizeWindow,
    MetricObjective? Metric,
    IReadOnlyList<RecipeRank> Ranks)
{
    /// <summary>Of <see cref="JobsConsidered"/>, the ones that ran their recipe as written or near it: what the ranks count.</summary>
    public int JobsAsWritten { get; init; }
}
