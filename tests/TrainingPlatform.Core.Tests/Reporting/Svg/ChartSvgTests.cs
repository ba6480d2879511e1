using System.Globalization;
using System.Xml.Linq;
using TrainingPlatform.Core.Reporting;

namespace TrainingPlatform.Core.Tests.Reporting.Svg;

public sealed class ChartSvgTests
{
    private static string Render(ChartModel chart, string id = "chart-0")
    {
        using var w = new StringWriter(CultureInfo.InvariantCulture);
        ChartSvg.Write(w, chart, id);
        return w.ToString();
    }

    private static XElement Parse(string svg) => XElement.Parse(svg);

    private static IEnumerable<XElement> Paths(XElement svg) =>
        svg.Descendants("path").Where(p => ((string?)p.Attribute("class") ?? "").Split(' ').Contains("series"));

    /// <summary>The points of a path's d as (x, y), checking the contract: one M first, then one L per further point.</summary>
    private static List<(double X, double Y)> Points(XElement path)
    {
        var d = (string?)path.Attribute("d") ?? "";
        if (d.Length == 0)
        {
            return [];
        }

        Assert.Equal('M', d[0]);
        Assert.Equal(1, d.Count(c => c == 'M'));
        return [.. d[1..].Split('L').Select(p =>
        {
            var xy = p.Split(' ');
            Assert.Equal(2, xy.Length);
            return (double.Parse(xy[0], CultureInfo.InvariantCulture), double.Parse(xy[1], CultureInfo.InvariantCulture));
        })];
    }

    private static ChartSeries Series(string job, int color, long[] steps, double[] values) => new(job, "label " + job, color, steps, values);

    [Fact]
    public void Every_series_is_one_path_whose_points_are_its_finite_values()
    {
        var steps = Enumerable.Range(0, 500).Select(i => (long)i * 10).ToArray();
        var a = steps.Select(s => 3.0 / (1 + (s / 100.0))).ToArray();
        var b = steps.Select(s => s % 7 == 0 ? double.NaN : s % 11 == 0 ? double.PositiveInfinity : Math.Sin(s)).ToArray();
        var svg = Parse(Render(new ChartModel("loss", [Series("a", 0, steps, a), Series("b", 1, steps, b)], LogY: false)));

        var paths = Paths(svg).ToArray();
        Assert.Equal(["a", "b"], paths.Select(p => (string?)p.Attribute("data-job")));
        Assert.Equal(["series c0", "series c1"], paths.Select(p => (string?)p.Attribute("class")));
        int[] expected = [500, b.Count(double.IsFinite)];
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(expected[i], Points(paths[i]).Count);
            Assert.Equal(expected[i].ToString(CultureInfo.InvariantCulture), (string?)paths[i].Attribute("data-points"));
        }
    }

    [Fact]
    public void Points_lie_inside_the_plot_in_step_order_and_the_highest_value_is_on_top()
    {
        long[] steps = [0, 100, 200, 300];
        double[] values = [4, 1, 3, 2];
        var svg = Parse(Render(new ChartModel("loss", [Series("a", 0, steps, values)], LogY: false)));
        var plot = ((string)svg.Attribute("data-plot")!).Split(' ').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var points = Points(Paths(svg).Single());

        Assert.All(points, p => Assert.InRange(p.X, plot[0], plot[0] + plot[2]));
        Assert.All(points, p => Assert.InRange(p.Y, plot[1], plot[1] + plot[3]));
        Assert.Equal(points.Select(p => p.X).Order(), points.Select(p => p.X));
        Assert.Equal(0, points.Select(p => p.Y).ToList().IndexOf(points.Min(p => p.Y))); // value 4 is highest, smallest y
    }

    [Fact]
    public void Coordinates_are_rounded_to_one_decimal_and_culture_free()
    {
        var steps = Enumerable.Range(0, 50).Select(i => (long)i * 37).ToArray();
        var values = steps.Select(s => Math.Sqrt(s) / 3).ToArray();
        var d = (string)Paths(Parse(Render(new ChartModel("loss", [Series("a", 0, steps, values)], LogY: false)))).Single().Attribute("d")!;

        Assert.Matches(@"^M\d+(\.\d)? \d+(\.\d)?(L\d+(\.\d)? \d+(\.\d)?)+$", d);
    }

    [Fact]
    public void The_same_chart_gives_the_same_bytes()
    {
        ChartModel Chart() => new("reward/mean", [Series("j1", 2, [1, 2, 3], [0.5, 0.25, 0.125]), Series("j2", 3, [1, 5], [1, 2])], LogY: false);
        Assert.Equal(Render(Chart()), Render(Chart()));
    }

    [Theory]
    [InlineData(0.13, 2.87, 0.5)]
    [InlineData(-3.2, 7.9, 2)]
    [InlineData(0, 10_000, 2000)]
    [InlineData(1_000, 1_010, 2)]
    [InlineData(0.000_12, 0.000_47, 0.000_05)]
    [InlineData(42, 42, 2)]
    public void Linear_ticks_step_by_one_two_or_five_times_a_power_of_ten_and_cover_the_data(double min, double max, double step)
    {
        var axis = ChartAxis.Linear(min, max);
        var ticks = axis.Ticks.Select(t => t.Value).ToArray();

        Assert.True(ticks[0] <= min && ticks[^1] >= max, $"ticks {string.Join(", ", ticks)} do not cover {min}..{max}");
        Assert.InRange(ticks.Length, 3, 12);
        for (var i = 1; i < ticks.Length; i++)
        {
            Assert.Equal(step, ticks[i] - ticks[i - 1], 1e-9 * step);
        }

        Assert.Equal(ticks[0], axis.Min);
        Assert.Equal(ticks[^1], axis.Max);
        Assert.Equal(axis.Ticks.Count, axis.Ticks.Select(t => t.Label).Distinct().Count());
    }

    [Theory]
    [InlineData(0, 1, "0")]
    [InlineData(0.5, 0.1, "0.5")]
    [InlineData(-0.5, 0.5, "-0.5")]
    [InlineData(1200, 200, "1.2k")]
    [InlineData(1000, 200, "1k")]
    [InlineData(2_500_000, 500_000, "2.5M")]
    [InlineData(3e9, 1e9, "3G")]
    [InlineData(0.0003, 0.0001, "3e-4")]
    [InlineData(0.000_25, 0.000_05, "2.5e-4")]
    [InlineData(1e18, 1e18, "1e18")]
    [InlineData(1005, 1, "1.005k")]
    [InlineData(0.25, 0.05, "0.25")]
    public void Tick_labels_are_compact_and_culture_free(double value, double step, string expected) =>
        Assert.Equal(expected, ChartAxis.Label(value, step));

    [Fact]
    public void Log_ticks_are_decades_that_cover_the_data()
    {
        var axis = ChartAxis.Logarithmic(0.0031, 4.2);
        Assert.Equal("1e-4", ChartAxis.Logarithmic(0.0002, 0.5).Ticks[0].Label);
        Assert.True(axis.Log);
        Assert.Equal(["0.001", "0.01", "0.1", "1", "10"], axis.Ticks.Select(t => t.Label));
        Assert.Equal(-3, axis.Min);
        Assert.Equal(1, axis.Max);

        var narrow = ChartAxis.Logarithmic(1.5, 7);
        Assert.Equal(["1", "2", "5", "10"], narrow.Ticks.Select(t => t.Label));

        var wide = ChartAxis.Logarithmic(1e-12, 1e12);
        Assert.InRange(wide.Ticks.Count, 2, 9);
        Assert.True(wide.Min <= -12 && wide.Max >= 12);
    }

    [Fact]
    public void A_log_chart_spaces_decades_evenly_and_keeps_the_linear_axis_for_the_toggle()
    {
        var svg = Parse(Render(new ChartModel("loss", [Series("a", 0, [0, 1, 2], [100, 10, 1])], LogY: true)));
        var ys = Points(Paths(svg).Single()).Select(p => p.Y).ToArray();

        Assert.Equal("log", (string?)svg.Attribute("data-scale"));
        Assert.Equal(ys[1] - ys[0], ys[2] - ys[1], 0.11);
        Assert.NotNull(svg.Attribute("data-y-log"));
        var axes = svg.Elements("g").Where(g => ((string?)g.Attribute("class") ?? "").Contains("axis-y", StringComparison.Ordinal)).ToArray();
        Assert.Equal("none", (string?)axes.Single(g => ((string)g.Attribute("class")!).Contains("axis-linear", StringComparison.Ordinal)).Attribute("display"));
        Assert.Null(axes.Single(g => ((string)g.Attribute("class")!).Contains("axis-log", StringComparison.Ordinal)).Attribute("display"));
    }

    [Fact]
    public void A_chart_with_values_at_or_below_zero_has_no_log_axis()
    {
        var svg = Parse(Render(new ChartModel("advantage", [Series("a", 0, [0, 1], [-1, 1])], LogY: true)));
        Assert.Equal("linear", (string?)svg.Attribute("data-scale"));
        Assert.Null(svg.Attribute("data-y-log"));
        Assert.Equal(2, Points(Paths(svg).Single()).Count);
    }

    [Theory]
    [InlineData("</script>")]
    [InlineData("<b>&")]
    [InlineData("\"onload=alert(1) x='")]
    public void Metric_names_labels_and_ids_are_text(string name)
    {
        var text = Render(new ChartModel(name, [new ChartSeries(name, name, 0, [1], [1])], LogY: false), "chart-" + name);

        Assert.DoesNotContain("</script", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>", text, StringComparison.Ordinal);
        var svg = Parse(text);
        Assert.Equal(name + " by step", svg.Element("title")!.Value);
        Assert.Equal(name, (string?)Paths(svg).Single().Attribute("data-job"));
        Assert.Equal("chart-" + name, (string?)svg.Attribute("id"));
        Assert.Contains(svg.Descendants("text"), t => t.Value == name);
    }

    [Fact]
    public void A_long_metric_name_is_cut_along_the_axis_and_whole_in_the_title()
    {
        var name = "train/" + new string('x', 60);
        var svg = Parse(Render(new ChartModel(name, [], LogY: false)));
        Assert.Equal(name + " by step", svg.Element("title")!.Value);
        var axisTitle = svg.Elements("text").Last(t => (string?)t.Attribute("class") == "axis-title").Value;
        Assert.Equal(40, axisTitle.Length);
        Assert.Equal(name[..39] + "…", axisTitle);
    }

    [Fact]
    public void Characters_xml_cannot_hold_become_replacement_characters()
    {
        var svg = Parse(Render(new ChartModel("a\u0001b\uD800c", [], LogY: false)));
        Assert.Equal("a\uFFFDb\uFFFDc by step", svg.Element("title")!.Value);
    }

    [Fact]
    public void A_chart_without_finite_values_still_draws_its_axes()
    {
        var svg = Parse(Render(new ChartModel("loss", [Series("a", 0, [1, 2], [double.NaN, double.NegativeInfinity])], LogY: true)));
        var path = Paths(svg).Single();

        Assert.Equal("0", (string?)path.Attribute("data-points"));
        Assert.Null(path.Attribute("d"));
        Assert.Contains(svg.Descendants("text"), t => t.Value == "no finite values");
        Assert.Equal("linear", (string?)svg.Attribute("data-scale"));
    }

    [Fact]
    public void A_single_point_is_marked_with_a_dot()
    {
        var svg = Parse(Render(new ChartModel("loss", [Series("a", 4, [7], [0.5])], LogY: false)));
        Assert.Single(Points(Paths(svg).Single()));
        var dot = svg.Descendants("circle").Single();
        Assert.Equal("a", (string?)dot.Attribute("data-job"));
        Assert.Equal("point c4", (string?)dot.Attribute("class"));
    }
}
