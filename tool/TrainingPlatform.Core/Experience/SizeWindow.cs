using System.Globalization;

namespace TrainingPlatform.Core.Experience;

/// <summary>Which models count as similar: parameter counts within a factor of 2 (|log2(p / target)| ≤ 1).</summary>
public static class SizeWindow
{
    public const double Factor = 2;

    public static bool Contains(double target, double parameters) =>
        target > 0 && parameters > 0 && parameters <= target * Factor && parameters * Factor >= target;

    /// <summary>The window in words: <c>3.5B–14B</c>.</summary>
    public static string Describe(double target) => Billions(target / Factor) + "–" + Billions(target * Factor);

    /// <summary>The sizes of a set of jobs: <c>7B</c> when all are alike, else <c>7B–14B</c>; empty when there are none.</summary>
    public static string Range(IEnumerable<double> parameters)
    {
        double min = double.MaxValue, max = double.MinValue;
        foreach (var p in parameters)
        {
            min = Math.Min(min, p);
            max = Math.Max(max, p);
        }

        if (min > max)
        {
            return "";
        }

        var low = Billions(min);
        var high = Billions(max);
        return low == high ? low : low + "–" + high;
    }

    /// <summary>A parameter count in billions as the rendered header writes it: <c>7B</c>, <c>1.5B</c>, <c>0.5B</c>, <c>405B</c>.</summary>
    public static string Billions(double parameters) =>
        (parameters / 1e9).ToString(parameters >= 1e11 ? "0" : "0.##", CultureInfo.InvariantCulture) + "B";
}
