namespace TrainingPlatform.Core.Lineage;

/// <summary>
/// Largest-triangle-three-buckets (Steinarsson, "Downsampling Time Series for Visual Representation", 2013, ch. 4.2):
/// keeps the first and the last point, splits the points between them into <c>N - 2</c> equal buckets and keeps from each
/// the point that makes the largest triangle with the point kept before it and the mean of the next bucket. The shape of
/// a curve (spikes included) survives where every-k-th sampling would drop them.
/// </summary>
public static class MetricDownsampling
{
    /// <summary>
    /// The indices of the points to keep, ascending: all of them when <paramref name="points"/> is at least their count;
    /// else exactly <paramref name="points"/> of them, the first and the last included. Non-finite values take no part in
    /// the areas (a bucket of only NaN keeps its first point).
    /// </summary>
    /// <param name="x">The steps, ascending.</param>
    /// <param name="y">The values, one per step.</param>
    /// <param name="points">How many to keep: 2 or more.</param>
    public static int[] Lttb(ReadOnlySpan<long> x, ReadOnlySpan<double> y, int points)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException("one value per step", nameof(y));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(points, 2);
        var n = x.Length;
        if (points >= n)
        {
            var all = new int[n];
            for (var i = 0; i < n; i++)
            {
                all[i] = i;
            }

            return all;
        }

        var kept = new int[points];
        kept[0] = 0;
        kept[points - 1] = n - 1;
        var bucket = (double)(n - 2) / (points - 2);
        var a = 0;
        for (var b = 0; b < points - 2; b++)
        {
            var start = (int)(b * bucket) + 1;
            var end = (int)((b + 1) * bucket) + 1;

            // The mean of the next bucket (the last point for the last bucket).
            var nextStart = end;
            var nextEnd = Math.Min((int)((b + 2) * bucket) + 1, n);
            if (b == points - 3)
            {
                (nextStart, nextEnd) = (n - 1, n);
            }

            double meanX = 0, meanY = 0;
            var count = 0;
            for (var i = nextStart; i < nextEnd; i++)
            {
                if (double.IsFinite(y[i]))
                {
                    meanX += x[i];
                    meanY += y[i];
                    count++;
                }
            }

            if (count > 0)
            {
                meanX /= count;
                meanY /= count;
            }

            var best = start;
            var largest = -1.0;
            double ax = x[a], ay = y[a];
            for (var i = start; i < end; i++)
            {
                // Twice the triangle's area; NaN (a non-finite value here, at the point before, or an empty next bucket) never wins.
                var area = Math.Abs(((ax - meanX) * (y[i] - ay)) - ((ax - x[i]) * (meanY - ay)));
                if (count > 0 && area > largest)
                {
                    largest = area;
                    best = i;
                }
            }

            kept[b + 1] = best;
            a = best;
        }

        return kept;
    }
}
