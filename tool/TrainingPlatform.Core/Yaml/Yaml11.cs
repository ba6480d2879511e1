using System.Text.RegularExpressions;

namespace TrainingPlatform.Core.Yaml;

/// <summary>
/// Where YAML 1.1 readers (PyYAML, used by most trainers) and YAML 1.2 (this tool) disagree.
/// The patterns are PyYAML's resolver patterns.
/// </summary>
public static partial class Yaml11
{
    [GeneratedRegex(@"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", RegexOptions.CultureInvariant)]
    private static partial Regex PyYamlFloat();

    [GeneratedRegex(@"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$", RegexOptions.CultureInvariant)]
    private static partial Regex PyYamlInt();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Yaml12Float();

    /// <summary>True when YAML 1.2 reads <paramref name="plain"/> as a number but PyYAML reads it as a string.</summary>
    public static bool IsFloatReadAsString(string plain) =>
        Yaml12Float().IsMatch(plain) && !PyYamlFloat().IsMatch(plain) && !PyYamlInt().IsMatch(plain);

    /// <summary>The same number written so both YAML versions read a float: <c>1e-6</c> → <c>1.0e-6</c>.</summary>
    public static string SafeFloat(string plain)
    {
        var e = plain.IndexOfAny(['e', 'E']);
        var mantissa = e < 0 ? plain : plain[..e];
        var exponent = e < 0 ? "" : plain[(e + 1)..];
        var sign = mantissa.StartsWith('-') || mantissa.StartsWith('+') ? mantissa[..1] : "";
        var digits = mantissa[sign.Length..];
        if (digits.StartsWith('.'))
        {
            digits = "0" + digits;
        }

        if (!digits.Contains('.', StringComparison.Ordinal))
        {
            digits += ".0";
        }

        if (exponent.Length > 0 && exponent[0] is not ('-' or '+'))
        {
            exponent = "+" + exponent;
        }

        return sign + digits + (exponent.Length > 0 ? "e" + exponent : "");
    }

    /// <summary>Words PyYAML reads as booleans that YAML 1.2 reads as text.</summary>
    public static bool IsBooleanWord(string plain) => plain is "yes" or "Yes" or "YES" or "no" or "No" or "NO" or "on" or "On" or "ON" or "off" or "Off" or "OFF";
}
