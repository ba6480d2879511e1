using System.Globalization;
using System.Text.RegularExpressions;

namespace TrainingPlatform.Core.Recipes;

/// <summary>
/// A model size as people write it: <c>7B</c>, <c>1.5b</c>, <c>500M</c>, <c>1T</c>, or a mixture of
/// experts <c>8x7B</c> (taken as experts × size, an upper bound on total parameters).
/// </summary>
public sealed partial record ModelSize(double Parameters, string Text) : IComparable<ModelSize>
{
    [GeneratedRegex(@"^\s*(?:(\d+)\s*[xX]\s*)?(\d+(?:\.\d+)?)\s*([mMbBtT])\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public double Billions => Parameters / 1e9;

    public static bool TryParse(string? text, out ModelSize size)
    {
        size = new ModelSize(0, "");
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var m = Pattern().Match(text);
        if (!m.Success)
        {
            return false;
        }

        var experts = m.Groups[1].Success ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 1;
        var value = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        var scale = char.ToUpperInvariant(m.Groups[3].Value[0]) switch
        {
            'M' => 1e6,
            'B' => 1e9,
            _ => 1e12,
        };
        var parameters = experts * value * scale;
        if (parameters <= 0)
        {
            return false;
        }

        size = new ModelSize(parameters, text.Trim());
        return true;
    }

    public int CompareTo(ModelSize? other) => other is null ? 1 : Parameters.CompareTo(other.Parameters);

    public override string ToString() => Text;

    public static bool operator <(ModelSize left, ModelSize right) => left.CompareTo(right) < 0;

    public static bool operator >(ModelSize left, ModelSize right) => left.CompareTo(right) > 0;

    public static bool operator <=(ModelSize left, ModelSize right) => left.CompareTo(right) <= 0;

    public static bool operator >=(ModelSize left, ModelSize right) => left.CompareTo(right) >= 0;
}
