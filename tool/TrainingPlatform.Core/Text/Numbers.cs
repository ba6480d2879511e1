using System.Globalization;

namespace TrainingPlatform.Core.Text;

/// <summary>Stable, culture-free number text that YAML 1.1 readers (PyYAML) also read as floats.</summary>
public static class Numbers
{
    /// <summary>
    /// The number a JSON value holds, whatever CLR type it was created from (a <c>JsonValue</c> made from an int does not
    /// read as double, parsed JSON reads as any), else null.
    /// </summary>
    public static double? Of(System.Text.Json.Nodes.JsonNode? node)
    {
        if (node is not System.Text.Json.Nodes.JsonValue v || v.GetValueKind() != System.Text.Json.JsonValueKind.Number)
        {
            return null;
        }

        return v.TryGetValue<double>(out var d) ? d
            : v.TryGetValue<long>(out var l) ? l
            : v.TryGetValue<int>(out var i) ? i
            : v.TryGetValue<decimal>(out var m) ? (double)m
            : v.TryGetValue<float>(out var f) ? f
            : double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Shortest round-trip text that still reads as a float: <c>1.0</c>, <c>0.05</c>, <c>1.0e-06</c>
    /// (exponent forms always carry a dot and a signed exponent).
    /// </summary>
    public static string Format(double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            return double.IsNaN(value) ? ".nan" : value > 0 ? ".inf" : "-.inf";
        }

        if (value == Math.Floor(value) && Math.Abs(value) < 1e15)
        {
            return value.ToString("0.0", CultureInfo.InvariantCulture);
        }

        var r = value.ToString("R", CultureInfo.InvariantCulture);
        var e = r.IndexOfAny(['E', 'e']);
        if (e < 0)
        {
            return r;
        }

        var mantissa = r[..e];
        var exponent = int.Parse(r[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        if (!mantissa.Contains('.', StringComparison.Ordinal))
        {
            mantissa += ".0";
        }

        return mantissa + "e" + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
    }
}
