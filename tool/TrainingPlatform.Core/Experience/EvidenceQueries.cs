using TrainingPlatform.Core.Lineage;

namespace TrainingPlatform.Core.Experience;

/// <summary>
/// Reads the jobs <c>suggest</c> and <c>recommend</c> weigh from the store's job index, newest first, and stops
/// once it has enough: the most recent jobs in the size window are the evidence (practice drifts, and the store
/// reads ~20 µs per job, so this is what keeps both commands well under a second with 100,000 jobs).
/// </summary>
public static class EvidenceQueries
{
    /// <summary>Finished jobs <c>recommend</c> ranks recipes by, at most (the most recent).</summary>
    public const int MaxRecommendJobs = 5000;

    /// <summary>Succeeded jobs of the task and algorithm in the size window, the <paramref name="max"/> most recent.</summary>
    public static IReadOnlyList<JobRecord> ForSuggest(ILineageStore store, string task, string algorithm, double parameters, int max = Suggester.DefaultMaxEvidence) =>
        [.. store.ListJobs(new JobQuery(Status: JobStatus.Succeeded, Task: task, Algorithm: algorithm))
            .Where(j => SizeWindow.Contains(parameters, j.Parameters))
            .Take(max)];

    /// <summary>Finished (succeeded, failed, cancelled) jobs of the task (and algorithm) in the size window, the <paramref name="max"/> most recent.</summary>
    public static IReadOnlyList<JobRecord> ForRecommend(ILineageStore store, string task, string? algorithm, double parameters, int max = MaxRecommendJobs) =>
        [.. store.ListJobs(new JobQuery(Task: task, Algorithm: algorithm))
            .Where(j => JobStatuses.IsFinal(j.Status) && SizeWindow.Contains(parameters, j.Parameters))
            .Take(max)];
}
