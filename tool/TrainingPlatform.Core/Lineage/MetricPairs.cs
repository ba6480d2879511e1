using System.Globalization;
using System.Text;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Lineage;

/// <summary>
/// The values of one step as <c>trainplat metrics log</c> takes them: <c>name=value</c> pairs (the last <c>=</c> splits),
/// each name once; names and values follow the rules of a metrics file (<see cref="MetricsFile.NameProblem"/>; a value is
/// a number, or <c>nan</c>, <c>inf</c>, <c>infinity</c> in any case with a sign).
/// </summary>
public static class MetricPairs
{
    /// <exception cref="UserErrorException">A pair is not name=value, a name is unusable or given twice, or a value is not a number.</exception>
    public static IReadOnlyList<MetricPoint> Parse(IEnumerable<string> pairs, long step, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var points = pairs.Select(p => ParseOne(p, step, time)).ToArray();
        if (points.GroupBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new UserErrorException($"metric '{twice.Key}' is given twice for step {step.ToString(CultureInfo.InvariantCulture)}", "give each name once per step");
        }

        return points;
    }

    private static MetricPoint ParseOne(string text, long step, DateTimeOffset time)
    {
        var eq = text.LastIndexOf('=');
        if (eq <= 0 || eq == text.Length - 1)
        {
            throw new UserErrorException($"'{text}' is not name=value", "e.g. trainplat metrics log JOB --step 100 loss=0.42 reward=0.61");
        }

        var name = text[..eq];
        var value = text[(eq + 1)..];
        if (MetricsFile.NameProblem(name) is { } problem)
        {
            var mapped = MetricNames.Map(name);
            throw new UserErrorException(problem, MetricNames.Problem(mapped) is null && mapped != name
                ? $"write it without white space, e.g. '{mapped}={value}' ({MetricNames.Rule})"
                : MetricNames.Rule);
        }

        if (!MetricsFile.TryNumber(Encoding.UTF8.GetBytes(value), out var number))
        {
            throw new UserErrorException($"{name}={value}: '{value}' is not a number", "use a plain number such as 0.42 or 1e-5 (NaN and inf are accepted)");
        }

        return new MetricPoint(step, name, number, time);
    }
}
