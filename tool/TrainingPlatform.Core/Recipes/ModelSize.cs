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

    [GeneratedRegex(@"(?<![0-9A-Za-z.])((?:\d+[xX])?\d+(?:\.\d+)?[mMbBtT])(?![0-9A-Za-z])", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    /// <summary>
    /// The size a model's name states (<c>Qwen/Qwen2.5-7B-Instruct</c>: 7B, <c>Mixtral-8x7B</c>: 8x7B), which people
    /// filter by; null when the name states none (<c>DeepSeek-V3</c>).
    /// </summary>
    public static ModelSize? NominalIn(string? modelName)
    {
        var name = modelName?[(modelName.LastIndexOf('/') + 1)..];
        return name is not null && NamePattern().Match(name) is { Success: true } m && TryParse(m.Groups[1].Value, out var size) ? size : null;
    }

    /// <summary>
    /// True when a job's model matches a size asked for: its parameter count is that size, or its model's name states
    /// it (a job on Qwen2.5-7B-Instruct, 7.61B parameters, is a 7B job).
    /// </summary>
    public static bool Matches(double wanted, double parameters, string? modelName) =>
        Math.Abs(parameters - wanted) <= wanted * 1e-6 ||
        (NominalIn(modelName) is { } nominal && Math.Abs(nominal.Parameters - wanted) <= wanted * 1e-6);

    public int CompareTo(ModelSize? other) => other is null ? 1 : Parameters.CompareTo(other.Parameters);

    public override string ToString() => Text;

    public static bool operator <(ModelSize left, ModelSize right) => left.CompareTo(right) < 0;

    public static bool operator >(ModelSize left, ModelSize right) => left.CompareTo(right) > 0;

    public static bool operator <=(ModelSize left, ModelSize right) => left.CompareTo(right) <= 0;

    public static bool operator >=(ModelSize left, ModelSize right) => left.CompareTo(right) >= 0;
}
