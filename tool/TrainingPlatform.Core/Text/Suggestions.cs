namespace TrainingPlatform.Core.Text;

/// <summary>"Did you mean …" candidates by edit distance (optimal string alignment: a swap counts once).</summary>
public static class Suggestions
{
    /// <summary>The closest candidates to <paramref name="input"/>, best first, at most <paramref name="max"/>.</summary>
    public static IReadOnlyList<string> Closest(string input, IEnumerable<string> candidates, int max = 3)
    {
        var limit = Math.Max(2, input.Length / 3);
        return candidates
            .Distinct(StringComparer.Ordinal)
            .Select(c => (Candidate: c, Distance: Distance(input.ToLowerInvariant(), c.ToLowerInvariant())))
            .Where(x => x.Distance <= limit || x.Candidate.Contains(input, StringComparison.OrdinalIgnoreCase) ||
                        (input.Length >= 4 && input.Contains(x.Candidate, StringComparison.OrdinalIgnoreCase)))
            .OrderBy(x => x.Distance)
            .ThenBy(x => x.Candidate, StringComparer.Ordinal)
            .Take(max)
            .Select(x => x.Candidate)
            .ToArray();
    }

    /// <summary>"did you mean 'a'?" or "did you mean 'a', 'b' or 'c'?"; null when nothing is close.</summary>
    public static string? DidYouMean(string input, IEnumerable<string> candidates, int max = 3)
    {
        var close = Closest(input, candidates, max);
        return close.Count switch
        {
            0 => null,
            1 => $"did you mean '{close[0]}'?",
            _ => "did you mean " + string.Join(", ", close.Take(close.Count - 1).Select(c => $"'{c}'")) + $" or '{close[^1]}'?",
        };
    }

    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
