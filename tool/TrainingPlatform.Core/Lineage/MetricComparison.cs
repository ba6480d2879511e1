using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Text;

namespace TrainingPlatform.Core.Lineage;

/// <summary>Where <c>metrics compare</c> reads each job's value: at its last step, at its best point, or at one step.</summary>
public enum CompareAt
{
    Last,
    Best,
    Step,
}

/// <summary>A metric name pattern and the way that is better for the metrics it matches (<c>--goal GLOB=min|max</c>).</summary>
public sealed record GoalOverride(string Pattern, MetricGoal Goal);

/// <summary>What to compare: the metrics (patterns; none means all), where, and which way is better where the name does not tell.</summary>
public sealed record CompareRequest(IReadOnlyList<string> Names, CompareAt At, long Step, IReadOnlyList<GoalOverride> Goals);

/// <summary>One job's value of one metric and the step it was read at; <see cref="Step"/> is -1 when the job has no value there.</summary>
public readonly record struct ComparedValue(long Step, double Value, bool Best)
{
    public static ComparedValue None => new(-1, double.NaN, false);

    public bool Present => Step >= 0;
}

/// <summary>One row: a metric, which way is better, and a value per job (in the order the jobs were given).</summary>
public sealed record ComparedMetric(string Name, MetricGoal Goal, IReadOnlyList<ComparedValue> Values)
{
    /// <summary>The step every present value was read at, or null when they differ (or none is present).</summary>
    public long? CommonStep
    {
        get
        {
            long? step = null;
            foreach (var v in Values)
            {
                if (!v.Present)
                {
                    continue;
                }

                if (step is { } s && s != v.Step)
                {
                    return null;
                }

                step = v.Step;
            }

            return step;
        }
    }
}

/// <summary>What <c>metrics compare</c> found: the jobs (columns) and one row per metric, names in ordinal order.</summary>
public sealed record MetricComparison(IReadOnlyList<JobRecord> Jobs, CompareAt At, long Step, IReadOnlyList<ComparedMetric> Metrics);

/// <summary>
/// Jobs side by side, one row per metric. Rules (docs/metrics.md):
/// <list type="bullet">
/// <item>Better is lower for loss-like names and higher otherwise (<see cref="MetricGoals.Guess"/>), unless a
/// <see cref="GoalOverride"/> matches the name (the first one given that matches).</item>
/// <item><see cref="CompareAt.Last"/>: each job's value at its own last step (from the stored summaries, no points read);
/// <see cref="CompareAt.Best"/>: each job's best finite value and the step where it was first reached.</item>
/// <item><see cref="CompareAt.Step"/>: the value in effect at the step, so runs that log at different intervals line up — the
/// point at that step, else the job's last point before it; a job whose metric starts after the step or ends before it has
/// none there (<see cref="MetricSeries.IndexAt"/>). Only the compared metrics' points are read.</item>
/// <item>The best value of a row is marked when at least two jobs have a finite value; on a tie every job that has it is marked.
/// A job without the metric, without a value at the step, or with a non-finite value is never best.</item>
/// </list>
/// </summary>
public static class MetricComparisons
{
    /// <exception cref="UserErrorException">A job given twice, or a name pattern that matches none of the jobs' metrics.</exception>
    public static MetricComparison Compare(ILineageStore store, IReadOnlyList<JobRecord> jobs, CompareRequest request)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(request);
        if (jobs.GroupBy(j => j.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new UserErrorException($"job {twice.Key} is given twice", "give each job once");
        }

        var all = jobs.SelectMany(j => j.Metrics).Select(m => m.Name).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        foreach (var pattern in request.Names)
        {
            if (!all.Any(n => NameGlob.Matches(pattern, n)))
            {
                throw new UserErrorException($"no metric matching '{pattern}' in {(jobs.Count == 1 ? "job " + jobs[0].Id : "any of the " + jobs.Count + " jobs")}",
                    Suggestions.DidYouMean(pattern, all) ?? (all.Length == 0 ? "no metrics are logged yet" : "metrics: " + string.Join(", ", all.Take(20)) + (all.Length > 20 ? ", …" : "")));
            }
        }

        var names = all.Where(n => NameGlob.MatchesAny(request.Names, n)).ToArray();
        var wanted = names.ToHashSet(StringComparer.Ordinal);

        // At a step the points are needed: only the compared metrics', one job at a time.
        var series = request.At == CompareAt.Step
            ? jobs.Select(j => j.Metrics.Any(m => wanted.Contains(m.Name))
                ? store.ReadSeries(j.Id, wanted).ToDictionary(s => s.Name, StringComparer.Ordinal)
                : []).ToArray()
            : null;

        var rows = new List<ComparedMetric>(names.Length);
        foreach (var name in names)
        {
            var goal = GoalOf(name, request.Goals);
            var values = new ComparedValue[jobs.Count];
            for (var j = 0; j < jobs.Count; j++)
            {
                values[j] = ValueOf(jobs[j], name, goal, request, series?[j]);
            }

            rows.Add(new ComparedMetric(name, goal, MarkBest(values, goal)));
        }

        return new MetricComparison(jobs, request.At, request.Step, rows);
    }

    /// <summary>The first override whose pattern matches, else the guess from the name.</summary>
    public static MetricGoal GoalOf(string name, IReadOnlyList<GoalOverride> goals)
    {
        ArgumentNullException.ThrowIfNull(goals);
        foreach (var g in goals)
        {
            if (NameGlob.Matches(g.Pattern, name))
            {
                return g.Goal;
            }
        }

        return MetricGoals.Guess(name);
    }

    /// <summary><c>GLOB=min|max</c> (also <c>minimize</c>/<c>maximize</c>, <c>lower</c>/<c>higher</c>).</summary>
    /// <exception cref="UserErrorException">Not in that form.</exception>
    public static GoalOverride ParseGoal(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var eq = text.LastIndexOf('=');
        var way = eq < 0 ? "" : text[(eq + 1)..].Trim().ToLowerInvariant();
        MetricGoal? goal = way switch
        {
            "min" or "minimize" or "lower" => MetricGoal.Minimize,
            "max" or "maximize" or "higher" => MetricGoal.Maximize,
            _ => null,
        };
        if (eq <= 0 || goal is null)
        {
            throw new UserErrorException($"--goal '{text}' is not NAME=min or NAME=max", "e.g. --goal 'response_length/*=min' (NAME may have * and ?)");
        }

        return new GoalOverride(text[..eq].Trim(), goal.Value);
    }

    private static ComparedValue ValueOf(JobRecord job, string name, MetricGoal goal, CompareRequest request, Dictionary<string, MetricSeries>? series)
    {
        var summary = job.Metrics.FirstOrDefault(m => m.Name == name);
        if (summary is null)
        {
            return ComparedValue.None;
        }

        switch (request.At)
        {
            case CompareAt.Last:
                return new ComparedValue(summary.LastStep, summary.Last, false);
            case CompareAt.Best:
                var (step, value) = MetricGoals.Best(summary, goal);
                return step < 0 ? ComparedValue.None : new ComparedValue(step, value, false);
            default:
                if (series is null || !series.TryGetValue(name, out var s) || s.IndexAt(request.Step) is var i && i < 0)
                {
                    return ComparedValue.None;
                }

                return new ComparedValue(s.Steps[i], s.Values[i], false);
        }
    }

    private static ComparedValue[] MarkBest(ComparedValue[] values, MetricGoal goal)
    {
        var finite = values.Where(v => v.Present && double.IsFinite(v.Value)).Select(v => v.Value).ToArray();
        if (finite.Length < 2)
        {
            return values;
        }

        var best = goal == MetricGoal.Minimize ? finite.Min() : finite.Max();
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i].Present && values[i].Value == best)
            {
                values[i] = values[i] with { Best = true };
            }
        }

        return values;
    }
}
