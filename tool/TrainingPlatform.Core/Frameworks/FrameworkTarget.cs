using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Frameworks;

public enum Framework
{
    Verl,
    Trl,
}

/// <summary>A trainer and one of its releases whose key catalog ships with the tool (<c>verl@0.9.0</c>, <c>trl@1.9.0</c>).</summary>
public sealed record FrameworkTarget(Framework Framework, string Release)
{
    /// <summary>The releases whose catalogs are embedded, oldest first; the last is the default target.</summary>
    public static readonly IReadOnlyList<FrameworkTarget> Known =
    [
        new(Framework.Verl, "0.7.0"),
        new(Framework.Verl, "0.9.0"),
        new(Framework.Trl, "1.9.0"),
    ];

    public string Name => Framework == Framework.Verl ? "verl" : "trl";

    public override string ToString() => $"{Name}@{Release}";

    /// <summary>
    /// Reads <c>verl</c>, <c>verl@0.7</c>, <c>verl@0.9.0</c>, <c>trl</c>, <c>trl@1.9</c>: a release may leave out trailing
    /// components; a bare name means the newest release in the catalog.
    /// </summary>
    public static FrameworkTarget Parse(string text)
    {
        var at = text.IndexOf('@', StringComparison.Ordinal);
        var name = (at < 0 ? text : text[..at]).Trim().ToLowerInvariant();
        var release = at < 0 ? null : text[(at + 1)..].Trim();
        var candidates = Known.Where(k => k.Name == name).ToArray();
        if (candidates.Length == 0)
        {
            throw new UserErrorException($"unknown framework '{text}'",
                $"use one of: {string.Join(", ", Known.Select(k => k.Name).Distinct())} (optionally with @RELEASE: {string.Join(", ", Known)})");
        }

        if (release is null)
        {
            return candidates[^1];
        }

        var match = candidates.LastOrDefault(k => k.Release == release || k.Release.StartsWith(release + ".", StringComparison.Ordinal));
        return match ?? throw new UserErrorException($"{name} release '{release}' is not in the catalog",
            $"use one of: {string.Join(", ", candidates.Select(c => c.ToString()))}");
    }
}
