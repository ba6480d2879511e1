using System.Globalization;
using TrainingPlatform.Core.Lineage;

namespace TrainingPlatform.Core.Experience;

/// <summary>
/// <c>trainplat recommend</c>: ranks recipe versions by how similar past jobs went.
/// </summary>
/// <remarks>
/// Similar jobs: the same task (and algorithm, when given), a model within a factor of 2
/// (<see cref="SizeWindow"/>), finished (succeeded, failed or cancelled; pending and running ones have
/// no outcome yet). A recipe is ranked by the jobs that ran it as written or near it (<see cref="IsNear"/>):
/// a failure caused by a <c>--set</c> of the learning rate is not the recipe's; such jobs are counted apart
/// and the overrides of their failures shown. Per <c>id@version</c>: jobs, successes, and the 95 % Wilson
/// score interval of the success rate, whose lower bound rewards both a high rate and enough jobs to believe
/// it (9 of 10 gives 0.60, 1 of 1 only 0.21); recipes whose intervals overlap one ranked above are
/// "indistinguishable" from it. With a metric, its median and best final value over the succeeded jobs that
/// have it. Order: Wilson lower bound, then median metric (better first; none last), then more jobs, then id@version.
/// </remarks>
public static class Recommender
{
    /// <summary>The normal quantile of a two-sided 95 % interval.</summary>
    public const double Z95 = 1.96;

    /// <summary>The lower end of the Wilson score interval of <paramref name="successes"/> in <paramref name="trials"/> (0 for no trials).</summary>
    public static double WilsonLowerBound(int successes, int trials, double z = Z95) => Statistics.WilsonLowerBound(successes, trials, z);

    /// <summary>The upper end of the Wilson score interval (1 for no trials).</summary>
    public static double WilsonUpperBound(int successes, int trials, double z = Z95) => Statistics.WilsonUpperBound(successes, trials, z);

    /// <summary>
    /// "Near" the recipe as written: every <c>--set</c> override is on a key <c>suggest</c> never compares
    /// (<see cref="Suggester.ExcludedKeys"/>: the cluster, the layout on the GPUs, per-GPU batch fit, seeds, names and
    /// paths), so the training recipe itself ran unchanged. A job without overrides is as written.
    /// </summary>
    public static bool IsNear(IReadOnlyList<string> sets) =>
        sets.All(set => set.IndexOf('=', StringComparison.Ordinal) is var eq && Suggester.IsExcluded(eq > 0 ? set[..eq].Trim() : set.Trim()));

    public static RecommendResult Rank(RecommendRequest request)
    {
        var jobs = request.Jobs
            .Where(j => JobStatuses.IsFinal(j.Status)
                && string.Equals(j.Task, request.Task, StringComparison.Ordinal)
                && (request.Algorithm is null || string.Equals(j.Algorithm, request.Algorithm, StringComparison.Ordinal))
                && SizeWindow.Contains(request.Parameters, j.Parameters))
            .OrderBy(j => j.Id, StringComparer.Ordinal)
            .DistinctBy(j => j.Id, StringComparer.Ordinal)
            .ToArray();
        var metric = request.Metric;
        var groups = jobs
            .GroupBy(j => (j.RecipeId, j.RecipeVersion))
            .Select(g => Summarize(g.Key.RecipeId, g.Key.RecipeVersion, g.ToArray(), metric))
            .ToList();
        var asWritten = jobs.Count(j => IsNear(j.Sets));
        groups.Sort((a, b) =>
        {
            var c = b.WilsonLowerBound.CompareTo(a.WilsonLowerBound);
            if (c != 0)
            {
                return c;
            }

            c = (a.MedianMetric, b.MedianMetric) switch
            {
                (null, null) => 0,
                (null, _) => 1,
                (_, null) => -1,
                var (x, y) => metric!.Goal == MetricGoal.Maximize ? y.Value.CompareTo(x.Value) : x.Value.CompareTo(y.Value),
            };
            c = c != 0 ? c : b.Jobs.CompareTo(a.Jobs);
            c = c != 0 ? c : string.CompareOrdinal(a.RecipeId, b.RecipeId);
            return c != 0 ? c : string.CompareOrdinal(a.RecipeVersion, b.RecipeVersion);
        });
        var ranks = groups.Select((g, i) => g with { Rank = i + 1 }).ToArray();
        for (var i = 0; i < ranks.Length; i++)
        {
            var r = ranks[i];
            var same = r.Jobs == 0 ? [] : ranks.Take(i).Where(a => a.Jobs > 0 && a.WilsonLowerBound <= r.WilsonUpperBound && r.WilsonLowerBound <= a.WilsonUpperBound).ToArray();
            if (same.Length > 0)
            {
                ranks[i] = r with
                {
                    IndistinguishableFrom = [.. same.Select(a => a.Recipe)],
                    Explanation = r.Explanation + $"; indistinguishable from {string.Join(", ", same.Select(a => "#" + a.Rank.ToString(CultureInfo.InvariantCulture)))} (95 % intervals overlap)",
                };
            }
        }

        return new RecommendResult(jobs.Length, SizeWindow.Describe(request.Parameters), metric, ranks) { JobsAsWritten = asWritten };
    }

    private static RecipeRank Summarize(string id, string version, JobRecord[] all, MetricObjective? metric)
    {
        var jobs = all.Where(j => IsNear(j.Sets)).ToArray();
        var overridden = all.Where(j => !IsNear(j.Sets)).ToArray();
        var succeeded = jobs.Count(j => j.Status == JobStatus.Succeeded);
        var values = metric is null
            ? []
            : jobs.Where(j => j.Status == JobStatus.Succeeded)
                .Select(metric.FinalValue)
                .OfType<double>()
                .ToArray();
        double? median = values.Length > 0 ? Statistics.Median(values) : null;
        double? best = values.Length > 0 ? (metric!.Goal == MetricGoal.Maximize ? values.Max() : values.Min()) : null;
        var wilson = WilsonLowerBound(succeeded, jobs.Length);
        var upper = WilsonUpperBound(succeeded, jobs.Length);
        var sizes = SizeWindow.Range(jobs.Select(j => j.Parameters));

        var line = jobs.Length == 0
            ? $"{id}@{version}: no job ran it as written"
            : string.Create(CultureInfo.InvariantCulture,
                $"{id}@{version}: {succeeded} of {jobs.Length} succeeded (95 % interval {wilson:0.00}–{upper:0.00})");
        if (jobs.Length > 0 && metric is not null)
        {
            line += median is { } m
                ? $", median {metric.Name} {Statistics.Brief(m)}, best {Statistics.Brief(best!.Value)} over {Count(values.Length)} on {sizes}"
                : $", no final {metric.Name} recorded; {Count(jobs.Length)} on {sizes}";
        }
        else if (jobs.Length > 0)
        {
            line += $" on {sizes}";
        }

        var failures = overridden
            .Where(j => j.Status != JobStatus.Succeeded)
            .Select(j => new OverriddenJob(j.Id, j.Status, j.Sets))
            .ToArray();
        if (overridden.Length > 0)
        {
            line += $"; not counted: {Count(overridden.Length)} with --set overrides" +
                (failures.Length > 0 ? string.Create(CultureInfo.InvariantCulture, $" ({failures.Length} failed or cancelled)") : "");
        }

        return new RecipeRank(
            0,
            id,
            version,
            jobs.Length,
            succeeded,
            jobs.Length == 0 ? 0 : (double)succeeded / jobs.Length,
            wilson,
            values.Length,
            median,
            best,
            all.Min(j => j.Parameters),
            all.Max(j => j.Parameters),
            jobs.Select(j => j.Id).ToArray(),
            line)
        {
            WilsonUpperBound = upper,
            Overridden = overridden.Length,
            OverriddenFailures = failures,
        };
    }

    private static string Count(int n) => n.ToString(CultureInfo.InvariantCulture) + (n == 1 ? " job" : " jobs");
}
