using TrainingPlatform.Core.Reporting;

namespace TrainingPlatform.Core.Tests.Reporting.Svg;

public sealed class SvgTextTests
{
    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(-0.04, "0")]
    [InlineData(12.0, "12")]
    [InlineData(12.25, "12.3")]
    [InlineData(12.34, "12.3")]
    [InlineData(-3.96, "-4")]
    public void Coordinates_have_at_most_one_decimal_and_no_negative_zero(double value, string expected) =>
        Assert.Equal(expected, SvgText.Coordinate(value));

    [Theory]
    [InlineData("short", 10, "short")]
    [InlineData("exactly10!", 10, "exactly10!")]
    [InlineData("a bit too long", 10, "a bit too…")]
    [InlineData("abcdefgh😀xyz", 10, "abcdefgh…")] // never half of the emoji's surrogate pair
    public void Truncate_keeps_whole_characters_and_marks_the_cut(string text, int max, string expected) =>
        Assert.Equal(expected, SvgText.Truncate(text, max));

    [Fact]
    public void Escape_makes_markup_text() =>
        Assert.Equal("&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &apos;", SvgText.Escape("<img src=x onerror=\"alert(1)\"> & '"));
}
