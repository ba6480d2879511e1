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

    /// <summary>
    /// Jobs of the task and algorithm in the size window, newest first, with their configs (read by hash, once per
    /// hash): succeeded ones until <paramref name="max"/> of them trained the target's way (<paramref name="method"/>),
    /// with the succeeded ones of other methods and the first <paramref name="max"/> failed ones met on the way.
    /// The method comes from the config, so a LoRA job cannot crowd a full fine-tune's evidence out of the window.
    /// </summary>
    public static IReadOnlyList<EvidenceJob> ForSuggest(ILineageStore store, string task, string algorithm, TrainingMethod method, double parameters,
        int max = Suggester.DefaultMaxEvidence)
    {
        var jobs = new List<EvidenceJob>();
        int succeeded = 0, failed = 0;
        var records = store.ListJobs(new JobQuery(Task: task, Algorithm: algorithm))
            .Where(j => j.Status is JobStatus.Succeeded or JobStatus.Failed && SizeWindow.Contains(parameters, j.Parameters));
        foreach (var job in EvidenceJob.Read(records, store.GetConfig))
        {
            if (job.Job.Status == JobStatus.Failed)
            {
                // Their configs (and so their method) are read only if a suggestion needs counter-evidence.
                if (failed++ < max)
                {
                    jobs.Add(job);
                }

                continue;
            }

            jobs.Add(job);
            if (job.Method == method && ++succeeded == max)
            {
                break;
            }
        }

        return jobs;
    }

    /// <summary>Finished (succeeded, failed, cancelled) jobs of the task (and algorithm) in the size window, the <paramref name="max"/> most recent.</summary>
    public static IReadOnlyList<JobRecord> ForRecommend(ILineageStore store, string task, string? algorithm, double parameters, int max = MaxRecommendJobs) =>
        [.. store.ListJobs(new JobQuery(Task: task, Algorithm: algorithm))
            .Where(j => JobStatuses.IsFinal(j.Status) && SizeWindow.Contains(parameters, j.Parameters))
            .Take(max)];
}
