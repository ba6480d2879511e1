using System.Globalization;
using TrainingPlatform.Core.Text;

namespace TrainingPlatform.Core.Experience;

/// <summary>The few statistics the experience engine needs, on plain arrays.</summary>
internal static class Statistics
{
    /// <summary>The median of the values: the middle one, or the mean of the two middle ones.</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            throw new ArgumentException("no values", nameof(values));
        }

        var sorted = values.ToArray();
        Array.Sort(sorted);
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>
    /// The geometric median of positive values, defined here as the median of their natural logarithms,
    /// exponentiated (for an even count, the geometric mean of the two middle values). It is the
    /// scale-free middle that suits <c>x-scale: log</c> keys: 1e-7 and 1e-5 are both 10× from 1e-6.
    /// </summary>
    public static double GeometricMedian(IReadOnlyList<double> values) => Math.Exp(Median(values.Select(v => Math.Log(v)).ToArray()));

    /// <summary>
    /// The lower end of the Wilson score interval for <paramref name="successes"/> in <paramref name="trials"/>:
    /// (p + z²/2n − z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n), clamped to [0, 1]; 0 when there are no trials.
    /// </summary>
    public static double WilsonLowerBound(int successes, int trials, double z)
    {
        if (trials <= 0)
        {
            return 0;
        }

        double n = trials;
        var p = (double)successes / n;
        var z2 = z * z;
        var bound = (p + (z2 / (2 * n)) - (z * Math.Sqrt((p * (1 - p) / n) + (z2 / (4 * n * n))))) / (1 + (z2 / n));
        return Math.Clamp(bound, 0, 1);
    }

    /// <summary>
    /// The upper end of the Wilson score interval: (p + z²/2n + z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n), clamped to
    /// [0, 1]; 1 when there are no trials (nothing is known).
    /// </summary>
    public static double WilsonUpperBound(int successes, int trials, double z)
    {
        if (trials <= 0)
        {
            return 1;
        }

        double n = trials;
        var p = (double)successes / n;
        var z2 = z * z;
        var bound = (p + (z2 / (2 * n)) + (z * Math.Sqrt((p * (1 - p) / n) + (z2 / (4 * n * n))))) / (1 + (z2 / n));
        return Math.Clamp(bound, 0, 1);
    }

    /// <summary><paramref name="value"/> rounded to <paramref name="digits"/> significant digits, as the nearest double to that decimal.</summary>
    public static double RoundSignificant(double value, int digits) =>
        value == 0 || !double.IsFinite(value)
            ? value
            : double.Parse(value.ToString("E" + (digits - 1).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>A number for prose: 3 significant digits in the project's stable spelling (<c>0.713</c>, <c>6.5e-07</c>).</summary>
    public static string Brief(double value) => Numbers.Format(RoundSignificant(value, 3));

    /// <summary>A factor for prose: <c>15×</c>, <c>3.2×</c>.</summary>
    public static string Factor(double ratio) =>
        ratio.ToString(ratio >= 10 ? "0" : "0.#", CultureInfo.InvariantCulture) + "×";
}
