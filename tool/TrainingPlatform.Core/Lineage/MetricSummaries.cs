namespace TrainingPlatform.Core.Lineage;

/// <summary>
/// Keeps a job's <see cref="MetricSummary"/>s up to date as points arrive. Merging in batches gives the same summaries
/// as summarizing every point at once, in the same order:
/// <list type="bullet">
/// <item><see cref="MetricSummary.Count"/> counts every point, NaN and infinities too.</item>
/// <item>First is the point with the smallest step (on a tie the earlier point stays); Last the one with the largest step
/// (on a tie the later point wins, so a re-logged step replaces the value).</item>
/// <item>Min and Max are over finite values, with the step where first reached (on a tie the smallest step, then the
/// earlier point); a metric without any finite value has NaN for both, at step -1.</item>
/// </list>
/// </summary>
public static class MetricSummaries
{
    /// <summary>The summaries of <paramref name="existing"/> with <paramref name="added"/> folded in, sorted by name (ordinal).</summary>
    /// <exception cref="ArgumentException"><paramref name="existing"/> has two summaries of one name.</exception>
    public static IReadOnlyList<MetricSummary> Merge(IReadOnlyList<MetricSummary> existing, IReadOnlyList<MetricPoint> added)
    {
        ArgumentNullException.ThrowIfNull(existing);
        ArgumentNullException.ThrowIfNull(added);
        var byName = new Dictionary<string, Accumulator>(existing.Count + 8, StringComparer.Ordinal);
        foreach (var summary in existing)
        {
            if (!byName.TryAdd(summary.Name, new Accumulator(summary)))
            {
                throw new ArgumentException($"two summaries of metric '{summary.Name}'", nameof(existing));
            }
        }

        // Points arrive grouped by line with interned names: remembering the last one skips most lookups.
        // Rows of a CSV file cycle through a few names: those are found by reference, without hashing.
        string? lastName = null;
        Accumulator? last = null;
        var recentNames = new List<string>();
        var recent = new List<Accumulator>();
        foreach (ref readonly var point in MetricColumns.AsSpan(added))
        {
            if (!ReferenceEquals(point.Name, lastName))
            {
                lastName = point.Name;
                if (MetricColumns.Recent(recentNames, point.Name) is >= 0 and var r)
                {
                    last = recent[r];
                }
                else
                {
                    var known = byName.TryGetValue(point.Name, out last);
                    if (!known)
                    {
                        last = new Accumulator(point);
                        byName.Add(point.Name, last);
                    }

                    if (recentNames.Count < 16)
                    {
                        recentNames.Add(point.Name);
                        recent.Add(last!);
                    }

                    if (!known)
                    {
                        continue;
                    }
                }
            }

            last!.Add(point.Step, point.Value);
        }

        var result = byName.Values.Select(a => a.ToSummary()).ToList();
        result.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return result;
    }

    /// <summary>
    /// Each metric's values by step, ascending, for a trend line: a step logged more than once counts its last
    /// value (points are given in write order within a step, as <see cref="ILineageStore.ReadMetrics"/> returns them).
    /// </summary>
    public static IReadOnlyDictionary<string, double[]> Series(IReadOnlyList<MetricPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var result = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var sorted = true;
        for (var i = 1; i < points.Count && sorted; i++)
        {
            var c = string.CompareOrdinal(points[i - 1].Name, points[i].Name);
            sorted = c < 0 || (c == 0 && points[i - 1].Step <= points[i].Step);
        }

        if (!sorted)
        {
            return points.GroupBy(p => p.Name, StringComparer.Ordinal).ToDictionary(
                g => g.Key,
                g => g.GroupBy(p => p.Step).OrderBy(s => s.Key).Select(s => s.Last().Value).ToArray(),
                StringComparer.Ordinal);
        }

        // Already by name, then step (as the store returns them): one pass, a repeated step overwrites.
        var values = new List<double>();
        for (var i = 0; i < points.Count; i++)
        {
            if (i > 0 && points[i].Name == points[i - 1].Name && points[i].Step == points[i - 1].Step)
            {
                values[^1] = points[i].Value;
            }
            else
            {
                values.Add(points[i].Value);
            }

            if (i == points.Count - 1 || points[i + 1].Name != points[i].Name)
            {
                result[points[i].Name] = [.. values];
                values.Clear();
            }
        }

        return result;
    }

    /// <summary>The summaries of <paramref name="points"/> alone.</summary>
    public static IReadOnlyList<MetricSummary> Summarize(IReadOnlyList<MetricPoint> points) => Merge([], points);

    private sealed class Accumulator
    {
        private readonly string _name;
        private long _count;
        private long _firstStep;
        private double _first;
        private long _lastStep;
        private double _last;
        private long _minStep;
        private double _min;
        private long _maxStep;
        private double _max;

        public Accumulator(MetricSummary s)
        {
            (_name, _count, _firstStep, _first, _lastStep, _last) = (s.Name, s.Count, s.FirstStep, s.First, s.LastStep, s.Last);
            (_minStep, _min, _maxStep, _max) = (s.MinStep, s.Min, s.MaxStep, s.Max);
            if (!double.IsFinite(_min) || !double.IsFinite(_max))
            {
                (_minStep, _min, _maxStep, _max) = (-1, double.NaN, -1, double.NaN);
            }
        }

        public Accumulator(MetricPoint p)
        {
            (_name, _count, _firstStep, _first, _lastStep, _last) = (p.Name, 1, p.Step, p.Value, p.Step, p.Value);
            (_minStep, _min, _maxStep, _max) = double.IsFinite(p.Value)
                ? (p.Step, p.Value, p.Step, p.Value)
                : (-1, double.NaN, -1, double.NaN);
        }

        public void Add(long step, double value)
        {
            _count++;
            if (step < _firstStep)
            {
                (_firstStep, _first) = (step, value);
            }

            if (step >= _lastStep)
            {
                (_lastStep, _last) = (step, value);
            }

            if (!double.IsFinite(value))
            {
                return;
            }

            if (_minStep < 0)
            {
                (_minStep, _min, _maxStep, _max) = (step, value, step, value);
                return;
            }

            if (value < _min || (value == _min && step < _minStep))
            {
                (_minStep, _min) = (step, value);
            }

            if (value > _max || (value == _max && step < _maxStep))
            {
                (_maxStep, _max) = (step, value);
            }
        }

        public MetricSummary ToSummary() => new(_name, _count, _firstStep, _first, _lastStep, _last, _minStep, _min, _maxStep, _max);
    }
}

/// <summary>Whether a metric is better low (loss) or high (reward).</summary>
public enum MetricGoal
{
    Minimize,
    Maximize,
}

public static class MetricGoals
{
    private static readonly string[] LowerIsBetterWords = ["loss", "error", "perplexity", "latency", "time"];

    /// <summary>Short words that only count as a whole word: <c>val_wer</c>, not <c>answer_accuracy</c>.</summary>
    private static readonly string[] LowerIsBetterTokens = ["err", "ppl", "kl", "wer", "cer"];

    /// <summary>
    /// Minimize for names containing (ignoring case) loss, error, perplexity, latency or time, or having err, ppl, kl,
    /// wer or cer as a word (words split at non-alphanumerics, camelCase and acronyms: <c>KLDiv</c>); Maximize otherwise (reward, accuracy, score, …).
    /// </summary>
    public static MetricGoal Guess(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var word in LowerIsBetterWords)
        {
            if (name.Contains(word, StringComparison.OrdinalIgnoreCase))
            {
                return MetricGoal.Minimize;
            }
        }

        var i = 0;
        while (i < name.Length)
        {
            if (!char.IsLetterOrDigit(name[i]))
            {
                i++;
                continue;
            }

            var start = i++;
            while (i < name.Length && char.IsLetterOrDigit(name[i]) && !WordStartsAt(name, i))
            {
                i++;
            }

            var word = name.AsSpan(start, i - start);
            foreach (var token in LowerIsBetterTokens)
            {
                if (word.Equals(token, StringComparison.OrdinalIgnoreCase))
                {
                    return MetricGoal.Minimize;
                }
            }
        }

        return MetricGoal.Maximize;
    }

    /// <summary>camelCase (<c>evalWer</c>) and acronym (<c>KLDiv</c>) word boundaries.</summary>
    private static bool WordStartsAt(string name, int i) =>
        char.IsUpper(name[i])
        && (char.IsLower(name[i - 1]) || (char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1])));

    /// <summary>The best value and the step where it was first reached: the minimum or the maximum; (-1, NaN) when no value was finite.</summary>
    public static (long Step, double Value) Best(MetricSummary summary, MetricGoal goal)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return goal == MetricGoal.Minimize ? (summary.MinStep, summary.Min) : (summary.MaxStep, summary.Max);
    }
}
