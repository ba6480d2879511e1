using TrainingPlatform.Core.Text;

namespace TrainingPlatform.Core.Tests.Text;

public sealed class SparklineTests
{
    [Fact]
    public void Empty_input_is_an_empty_string() => Assert.Equal("", Sparkline.Render([]));

    [Fact]
    public void A_ramp_uses_every_level_once() =>
        Assert.Equal("▁▂▃▄▅▆▇█", Sparkline.Render([0, 1, 2, 3, 4, 5, 6, 7]));

    [Fact]
    public void A_falling_loss_falls() =>
        Assert.Equal("█▄▂▁▁", Sparkline.Render([2.0, 1.0, 0.5, 0.25, 0.2]));

    [Fact]
    public void The_levels_are_equally_wide_from_the_lowest_to_the_highest_value() =>
        Assert.Equal("▁▁▂▅▇██", Sparkline.Render([-1, -0.76, -0.74, 0, 0.74, 0.76, 1]));

    [Theory]
    [InlineData(new[] { 3.0 }, "▄")]
    [InlineData(new[] { 0.5, 0.5, 0.5, 0.5 }, "▄▄▄▄")]
    public void A_constant_series_is_flat_in_the_middle(double[] values, string expected) =>
        Assert.Equal(expected, Sparkline.Render(values));

    [Fact]
    public void Non_finite_values_are_dots_and_do_not_stretch_the_scale()
    {
        Assert.Equal("▁·█·▁", Sparkline.Render([1, double.NaN, 3, double.PositiveInfinity, 1]));
        Assert.Equal("▄·▄", Sparkline.Render([2, double.NegativeInfinity, 2]));
        Assert.Equal("···", Sparkline.Render([double.NaN, double.NaN, double.PositiveInfinity]));
    }

    [Fact]
    public void Longer_series_are_bucketed_by_index_into_the_mean_of_each_bucket()
    {
        var values = Enumerable.Range(0, 100).Select(i => (double)i).ToArray();

        Assert.Equal("▁▁▂▃▄▅▆▇██", Sparkline.Render(values, width: 10));
        Assert.Equal(24, Sparkline.Render(values).Length);
        Assert.Equal("▄", Sparkline.Render(values, width: 1));
    }

    [Fact]
    public void Uneven_buckets_are_split_by_index_the_same_way_every_time()
    {
        // Five values in two buckets: [0, 2) and [2, 5).
        Assert.Equal("█▁", Sparkline.Render([10, 10, 0, 0, 0], width: 2));
        Assert.Equal("▁█", Sparkline.Render([0, 0, 9, 9, 9], width: 2));
        Assert.Equal("▁█", Sparkline.Render([4, 0, 8, 8, 0], width: 2));
        Assert.Equal("▁█", Sparkline.Render([0, 0, 0, 0, 100], width: 2));

        // Seven values in three buckets: [0, 2), [2, 4) and [4, 7); the last value is not dropped.
        Assert.Equal("▁▁█", Sparkline.Render([0, 0, 0, 0, 0, 0, 9], width: 3));
    }

    [Fact]
    public void A_bucket_uses_the_mean_of_its_finite_values_and_is_a_dot_without_any()
    {
        Assert.Equal("█▁", Sparkline.Render([double.NaN, 2, 0, 0], width: 2));
        Assert.Equal("▁·█", Sparkline.Render([0, 0, double.NaN, double.NaN, 5, double.PositiveInfinity], width: 3));
    }

    [Fact]
    public void Extreme_values_do_not_overflow() =>
        Assert.Equal("▁▅█", Sparkline.Render([-double.MaxValue, 0, double.MaxValue]));

    [Fact]
    public void The_width_is_never_exceeded()
    {
        var random = new Random(7);
        for (var n = 0; n < 200; n++)
        {
            var values = Enumerable.Range(0, n).Select(_ => random.NextDouble()).ToArray();
            var width = random.Next(1, 40);

            Assert.Equal(Math.Min(n, width), Sparkline.Render(values, width).Length);
        }
    }

    [Fact]
    public void A_repeated_value_is_flat_even_when_bucket_means_differ_in_their_last_bits()
    {
        var values = Enumerable.Repeat(1e-6, 2500).ToArray();
        Assert.Equal(new string('▄', 24), Sparkline.Render(values));
    }
}
