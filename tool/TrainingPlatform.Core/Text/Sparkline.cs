namespace TrainingPlatform.Core.Text;

/// <summary>A series as one line of block characters (<c>▁▂▃▄▅▆▇█</c>), lowest value to highest.</summary>
public static class Sparkline
{
    private const string Levels = "▁▂▃▄▅▆▇█";

    /// <summary>Shown for a value (or a bucket) without any finite number.</summary>
    public const char Missing = '·';

    /// <summary>
    /// At most <paramref name="width"/> characters. Longer series are cut into <paramref name="width"/> buckets by index
    /// (bucket <c>i</c> holds values <c>i·n/width</c> up to <c>(i+1)·n/width</c>), each shown as the mean of its finite
    /// values. The lowest shown value is <c>▁</c>, the highest <c>█</c>, the levels between equally wide; a constant
    /// series is all <c>▄</c>. Empty input gives "".
    /// </summary>
    public static string Render(IReadOnlyList<double> values, int width = 24)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        var n = values.Count;
        var cells = new double[Math.Min(n, width)];
        for (var i = 0; i < cells.Length; i++)
        {
            cells[i] = n <= width ? values[i] : FiniteMean(values, (int)((long)i * n / width), (int)((long)(i + 1) * n / width));
        }

        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var v in cells)
        {
            if (double.IsFinite(v))
            {
                (min, max) = (Math.Min(min, v), Math.Max(max, v));
            }
        }

        // Halved so that a range wider than double's (-1e308 to 1e308) stays finite. A range within rounding
        // error of the values (bucket means of one repeated value differ in their last bits) is a constant series.
        var range = (max / 2) - (min / 2);
        if (range <= Math.Max(Math.Abs(max), Math.Abs(min)) * 1e-12)
        {
            range = 0;
        }

        return string.Create(cells.Length, (cells, min, range), static (chars, state) =>
        {
            for (var i = 0; i < chars.Length; i++)
            {
                var v = state.cells[i];
                chars[i] = !double.IsFinite(v) ? Missing
                    : state.range > 0 ? Levels[Math.Clamp((int)(((v / 2) - (state.min / 2)) / state.range * Levels.Length), 0, Levels.Length - 1)]
                    : Levels[3];
            }
        });
    }

    /// <summary>The mean of the finite values in [start, end), or NaN when there are none.</summary>
    private static double FiniteMean(IReadOnlyList<double> values, int start, int end)
    {
        var count = 0;
        for (var i = start; i < end; i++)
        {
            count += double.IsFinite(values[i]) ? 1 : 0;
        }

        // Each value divided first, so that the sum cannot overflow.
        var mean = 0.0;
        for (var i = start; i < end; i++)
        {
            mean += double.IsFinite(values[i]) ? values[i] / count : 0;
        }

        return count == 0 ? double.NaN : mean;
    }
}
