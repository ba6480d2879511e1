using System.Globalization;
using TrainingPlatform.Core.Lineage;

namespace TrainingPlatform.Core.Experience;

/// <summary>
/// <c>trainplat recommend</c>: ranks recipe versions by how similar past jobs went.
/// </summary>
/// <remarks>
/// Similar jobs: the same task (and algorithm, when given), a model within a factor of 2
/// (<see cref="SizeWindow"/>), finished (succeeded, failed or cancelled; pending and running ones have
/// no outcome yet). Per <c>id@version</c>: jobs, successes, and the 95 % Wilson lower bound of the success
/// rate, which rewards both a high rate and enough jobs to believe it (9 of 10 gives 0.60, 1 of 1 only
/// 0.21); with a metric, its median and best final value over the succeeded jobs that have it.
/// Order: Wilson lower bound, then median metric (better first; none last), then more jobs, then id@version.
/// </remarks>
public static class Recommender
{
    /// <summary>The normal quantile of a two-sided 95 % interval.</summary>
    public const double Z95 = 1.96;

    /// <summary>The lower end of the Wilson score interval of <paramref name="successes"/> in <paramref name="trials"/> (0 for no trials).</summary>
    public static double WilsonLowerBound(int successes, int trials, double z = Z95) => Statistics.WilsonLowerBound(successes, trials, z);

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
        return new RecommendResult(
            jobs.Length,
            SizeWindow.Describe(request.Parameters),
            metric,
            groups.Select((g, i) => g with { Rank = i + 1 }).ToArray());
    }

    private static RecipeRank Summarize(string id, string version, JobRecord[] jobs, MetricObjective? metric)
    {
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
        var sizes = SizeWindow.Range(jobs.Select(j => j.Parameters));

        var line = string.Create(CultureInfo.InvariantCulture,
            $"{id}@{version}: {succeeded} of {jobs.Length} succeeded (Wilson lower bound {wilson:0.00})");
        if (metric is not null)
        {
            line += median is { } m
                ? $", median {metric.Name} {Statistics.Brief(m)}, best {Statistics.Brief(best!.Value)} over {Count(values.Length)} on {sizes}"
                : $", no final {metric.Name} recorded; {Count(jobs.Length)} on {sizes}";
        }
        else
        {
            line += $" on {sizes}";
        }

        return new RecipeRank(
            0,
            id,
            version,
            jobs.Length,
            succeeded,
            (double)succeeded / jobs.Length,
            wilson,
            values.Length,
            median,
            best,
            jobs.Min(j => j.Parameters),
            jobs.Max(j => j.Parameters),
            jobs.Select(j => j.Id).ToArray(),
            line);
    }

    private static string Count(int n) => n.ToString(CultureInfo.InvariantCulture) + (n == 1 ? " job" : " jobs");
}
