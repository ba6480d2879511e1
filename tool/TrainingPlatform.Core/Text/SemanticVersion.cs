using System.Globalization;
using System.Text.RegularExpressions;

namespace TrainingPlatform.Core.Text;

/// <summary>A Semantic Versioning 2.0.0 version, compared by the spec's precedence rules.</summary>
public sealed partial record SemanticVersion(int Major, int Minor, int Patch, string? PreRelease, string? Build)
    : IComparable<SemanticVersion>
{
    // The regular expression published at semver.org.
    [GeneratedRegex(@"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static bool TryParse(string? text, out SemanticVersion version)
    {
        version = new SemanticVersion(0, 0, 0, null, null);
        if (text is null)
        {
            return false;
        }

        var m = Pattern().Match(text);
        if (!m.Success ||
            !int.TryParse(m.Groups[1].Value, CultureInfo.InvariantCulture, out var major) ||
            !int.TryParse(m.Groups[2].Value, CultureInfo.InvariantCulture, out var minor) ||
            !int.TryParse(m.Groups[3].Value, CultureInfo.InvariantCulture, out var patch))
        {
            return false;
        }

        version = new SemanticVersion(major, minor, patch,
            m.Groups[4].Success ? m.Groups[4].Value : null,
            m.Groups[5].Success ? m.Groups[5].Value : null);
        return true;
    }

    public int CompareTo(SemanticVersion? other)
    {
        if (other is null)
        {
            return 1;
        }

        var c = Major.CompareTo(other.Major);
        if (c == 0)
        {
            c = Minor.CompareTo(other.Minor);
        }

        if (c == 0)
        {
            c = Patch.CompareTo(other.Patch);
        }

        return c != 0 ? c : ComparePreRelease(PreRelease, other.PreRelease);
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Major}.{Minor}.{Patch}") +
        (PreRelease is null ? "" : "-" + PreRelease) + (Build is null ? "" : "+" + Build);

    private static int ComparePreRelease(string? a, string? b)
    {
        if (a == b)
        {
            return 0;
        }

        if (a is null)
        {
            return 1; // a release ranks above its pre-releases
        }

        if (b is null)
        {
            return -1;
        }

        var x = a.Split('.');
        var y = b.Split('.');
        for (var i = 0; i < Math.Min(x.Length, y.Length); i++)
        {
            var xn = long.TryParse(x[i], CultureInfo.InvariantCulture, out var xv);
            var yn = long.TryParse(y[i], CultureInfo.InvariantCulture, out var yv);
            var c = (xn, yn) switch
            {
                (true, true) => xv.CompareTo(yv),
                (true, false) => -1,
                (false, true) => 1,
                _ => string.CompareOrdinal(x[i], y[i]),
            };
            if (c != 0)
            {
                return c;
            }
        }

        return x.Length.CompareTo(y.Length);
    }

    public static bool operator <(SemanticVersion left, SemanticVersion right) => left.CompareTo(right) < 0;

    public static bool operator >(SemanticVersion left, SemanticVersion right) => left.CompareTo(right) > 0;

    public static bool operator <=(SemanticVersion left, SemanticVersion right) => left.CompareTo(right) <= 0;

    public static bool operator >=(SemanticVersion left, SemanticVersion right) => left.CompareTo(right) >= 0;
}
