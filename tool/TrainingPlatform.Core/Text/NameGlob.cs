namespace TrainingPlatform.Core.Text;

/// <summary>
/// Shell-like patterns for metric names, config keys and job fields: <c>*</c> matches any run of characters
/// (<c>/</c> and <c>.</c> included, so <c>reward/*</c> matches <c>reward/mean</c> and <c>optimizer.*</c> every optimizer key),
/// <c>?</c> one character; everything else matches itself, case-sensitively. A pattern without either is a plain name.
/// </summary>
public static class NameGlob
{
    public static bool IsPattern(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        return pattern.AsSpan().IndexOfAny('*', '?') >= 0;
    }

    public static bool Matches(string pattern, string name)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(name);
        if (!IsPattern(pattern))
        {
            return string.Equals(pattern, name, StringComparison.Ordinal);
        }

        // Iterative matching with one backtrack point (the last '*'): linear in practice, never exponential.
        int p = 0, n = 0, star = -1, resume = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == name[n]) && pattern[p] != '*')
            {
                p++;
                n++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = n;
            }
            else if (star >= 0)
            {
                p = star + 1;
                n = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    /// <summary>Whether any of <paramref name="patterns"/> matches (true when there are none: no filter).</summary>
    public static bool MatchesAny(IReadOnlyList<string> patterns, string name)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        if (patterns.Count == 0)
        {
            return true;
        }

        foreach (var pattern in patterns)
        {
            if (Matches(pattern, name))
            {
                return true;
            }
        }

        return false;
    }
}
