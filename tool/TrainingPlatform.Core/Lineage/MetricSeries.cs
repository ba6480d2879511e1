namespace TrainingPlatform.Core.Lineage;

/// <summary>
/// One metric of one job as a series: steps ascending, one value per step (the last one written when a step was logged
/// more than once, as <see cref="MetricSummaries"/> counts it), and when each was measured (unix milliseconds).
/// </summary>
public sealed record MetricSeries(string Name, long[] Steps, double[] Values, long[] Times)
{
    public int Count => Steps.Length;

    /// <summary>
    /// A series from points in write order: sorted by step (stably), keeping the last point of each step.
    /// The arrays are reused when they are already ascending without repeats, as the store usually has them.
    /// </summary>
    public static MetricSeries FromWriteOrder(string name, long[] steps, double[] values, long[] times)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(times);
        var ascending = true;
        for (var i = 1; i < steps.Length && ascending; i++)
        {
            ascending = steps[i - 1] < steps[i];
        }

        if (ascending)
        {
            return new MetricSeries(name, steps, values, times);
        }

        var order = new int[steps.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        Array.Sort(order, (a, b) => steps[a] != steps[b] ? steps[a].CompareTo(steps[b]) : a.CompareTo(b));
        var s = new List<long>(order.Length);
        var v = new List<double>(order.Length);
        var t = new List<long>(order.Length);
        foreach (var i in order)
        {
            if (s.Count > 0 && s[^1] == steps[i])
            {
                (v[^1], t[^1]) = (values[i], times[i]);
                continue;
            }

            s.Add(steps[i]);
            v.Add(values[i]);
            t.Add(times[i]);
        }

        return new MetricSeries(name, [.. s], [.. v], [.. t]);
    }

    /// <summary>
    /// The value in effect at <paramref name="step"/>: the point at that step, else the last one before it; none (-1) when
    /// the series starts after the step or ends before it (a run that never got there has no value there).
    /// </summary>
    public int IndexAt(long step)
    {
        if (Steps.Length == 0 || step < Steps[0] || step > Steps[^1])
        {
            return -1;
        }

        var i = Array.BinarySearch(Steps, step);
        return i >= 0 ? i : ~i - 1;
    }
}
