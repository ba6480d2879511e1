using System.Globalization;

namespace TrainingPlatform.Core.Reporting;

/// <summary>One tick of a chart axis: where it is (data units) and its label.</summary>
internal readonly record struct ChartTick(double Value, string Label);

/// <summary>
/// A chart axis with "nice" ticks that cover the data: linear axes step by 1, 2 or 5 times a power of ten and start
/// and end on a tick; log axes (<see cref="Log"/>: <see cref="Min"/> and <see cref="Max"/> are decimal exponents) tick
/// on whole decades, with 2 and 5 between them when the axis spans at most two decades.
/// </summary>
internal sealed record ChartAxis(double Min, double Max, bool Log, IReadOnlyList<ChartTick> Ticks)
{
    private const int TargetIntervals = 5;
    private const int MaxDecadeTicks = 8;

    /// <summary>Where <paramref name="value"/> lies on the axis, 0 at <see cref="Min"/> and 1 at <see cref="Max"/>.</summary>
    public double Fraction(double value) => ((Log ? Math.Log10(value) : value) - Min) / (Max - Min);

    public static ChartAxis Linear(double min, double max)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max) || min > max)
        {
            (min, max) = (0, 1);
        }

        // A single value (or values within rounding of each other) still gets an axis around it.
        if (max - min <= Math.Max(Math.Abs(min), Math.Abs(max)) * 1e-12)
        {
            var pad = min == 0 ? 1 : Math.Abs(min) * 0.1;
            (min, max) = (min - pad, max + pad);
        }

        var step = NiceStep((max - min) / TargetIntervals);
        var first = Math.Floor(min / step);
        var last = Math.Ceiling(max / step);
        var decimals = Math.Clamp(-Exponent(step), 0, 15);
        var ticks = new List<ChartTick>();
        for (var k = first; k <= last; k++)
        {
            var value = Math.Round(k * step, decimals);
            ticks.Add(new ChartTick(value, Label(value, step)));
        }

        return new ChartAxis(ticks[0].Value, ticks[^1].Value, false, ticks);
    }

    /// <summary>A log axis over <paramref name="min"/>..<paramref name="max"/>, both above zero.</summary>
    public static ChartAxis Logarithmic(double min, double max)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(min);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, min);
        var lo = (int)Math.Floor(Math.Log10(min) + 1e-12);
        var hi = (int)Math.Ceiling(Math.Log10(max) - 1e-12);
        if (hi <= lo)
        {
            (lo, hi) = (lo - 1, lo + 1);
        }

        var stride = (hi - lo + MaxDecadeTicks - 1) / MaxDecadeTicks;
        lo = FloorTo(lo, stride);
        hi = -FloorTo(-hi, stride);
        var ticks = new List<ChartTick>();
        for (var k = lo; k <= hi; k += stride)
        {
            ticks.Add(Decade(1, k));
            if (hi - lo <= 2 && k < hi)
            {
                ticks.Add(Decade(2, k));
                ticks.Add(Decade(5, k));
            }
        }

        return new ChartAxis(lo, hi, true, ticks);
    }

    /// <summary>
    /// A compact, culture-free label for a tick <paramref name="value"/> on an axis stepping by <paramref name="step"/>:
    /// as many decimals as the step needs, thousands as <c>k</c>, <c>M</c>, <c>G</c>, <c>T</c> (<c>1.2k</c>), and very
    /// small or very large values in exponent form (<c>3e-4</c>, <c>2.5e-5</c>, <c>1e18</c>).
    /// </summary>
    public static string Label(double value, double step)
    {
        if (value == 0)
        {
            return "0";
        }

        var e = Exponent(step);
        var a = Math.Abs(value);
        if (a < 1e-3 || a >= 1e15)
        {
            var mantissaDecimals = Math.Clamp(Exponent(a) - e, 0, 15);
            return value.ToString("0." + new string('#', mantissaDecimals) + "e-0", CultureInfo.InvariantCulture);
        }

        var (scale, suffix) = a >= 1e12 ? (12, "T") : a >= 1e9 ? (9, "G") : a >= 1e6 ? (6, "M") : a >= 1e3 ? (3, "k") : (0, "");
        var decimals = Math.Clamp(scale - e, 0, 15);
        var scaled = scale == 0 ? value : value / Math.Pow(10, scale);
        return scaled.ToString("0." + new string('#', decimals), CultureInfo.InvariantCulture) + suffix;
    }

    /// <summary>
    /// 1, 2 or 5 times a power of ten, whichever is nearest to <paramref name="rough"/> on a log scale (d3's rule:
    /// thresholds at the geometric means √2, √10, √50), so an axis has between about 3 and 8 intervals.
    /// </summary>
    private static double NiceStep(double rough)
    {
        var magnitude = Math.Pow(10, Exponent(rough));
        var n = rough / magnitude;
        return (n >= Math.Sqrt(50) ? 10 : n >= Math.Sqrt(10) ? 5 : n >= Math.Sqrt(2) ? 2 : 1) * magnitude;
    }

    /// <summary>The decimal exponent of <paramref name="value"/> (above 0): 2 for 500, -4 for 0.0003.</summary>
    private static int Exponent(double value) => (int)Math.Floor(Math.Log10(value) + 1e-9);

    private static int FloorTo(int value, int stride) => (int)Math.Floor(value / (double)stride) * stride;

    private static ChartTick Decade(int mantissa, int exponent)
    {
        // Parsed, not Math.Pow: 1e-5 is then the double nearest to 10^-5, so labels and positions are exact.
        var value = double.Parse(mantissa.ToString(CultureInfo.InvariantCulture) + "e" + exponent.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        return new ChartTick(value, Label(value, double.Parse("1e" + exponent.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)));
    }
}
