using TrainingPlatform.Core.Text;
using TrainingPlatform.Core.Yaml;

namespace TrainingPlatform.Core.Tests.Yaml;

public sealed class Yaml11Tests
{
    [Theory]
    [InlineData("1e-6", true)]
    [InlineData("1E5", true)]
    [InlineData("1.0e6", true)]
    [InlineData("-2e-3", true)]
    [InlineData("1.0e-6", false)]
    [InlineData("0.001", false)]
    [InlineData("1.", false)]
    [InlineData("42", false)]
    [InlineData("abc", false)]
    public void Floats_that_pyyaml_reads_as_strings_are_found(string text, bool hazard) =>
        Assert.Equal(hazard, Yaml11.IsFloatReadAsString(text));

    [Theory]
    [InlineData("1e-6", "1.0e-6")]
    [InlineData("1E5", "1.0e+5")]
    [InlineData("1.5e6", "1.5e+6")]
    [InlineData("-2e-3", "-2.0e-3")]
    [InlineData(".5e-3", "0.5e-3")]
    public void The_fix_reads_as_a_float_in_both_versions(string text, string fix)
    {
        Assert.Equal(fix, Yaml11.SafeFloat(text));
        Assert.False(Yaml11.IsFloatReadAsString(fix));
    }

    [Theory]
    [InlineData(1e-6, "1.0e-06")]
    [InlineData(2e-5, "2.0e-05")]
    [InlineData(0.001, "0.001")]
    [InlineData(1.0, "1.0")]
    [InlineData(3.5e-7, "3.5e-07")]
    [InlineData(1e20, "1.0e+20")]
    public void Numbers_format_as_yaml_1_1_floats(double value, string text)
    {
        Assert.Equal(text, Numbers.Format(value));
        Assert.False(Yaml11.IsFloatReadAsString(text));
    }
}
