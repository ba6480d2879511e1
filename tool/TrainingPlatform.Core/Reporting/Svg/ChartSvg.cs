using System.Globalization;

namespace TrainingPlatform.Core.Reporting;

/// <summary>One job's line in a chart, already downsampled.</summary>
public sealed record ChartSeries(string JobId, string Label, int Color, long[] Steps, double[] Values);

/// <summary>One metric's chart; <see cref="LogY"/>: log scale asked and all values above 0.</summary>
public sealed record ChartModel(string Metric, IReadOnlyList<ChartSeries> Series, bool LogY);

/// <summary>
/// A metric chart as inline SVG: step on x, value on y (linear, or log10 when <see cref="ChartModel.LogY"/>), nice ticks
/// with gridlines, and one <c>path.series</c> per series made of one <c>M</c> and one <c>L</c> per further finite point.
/// When every value is above zero both y axes are written (the other one with <c>display="none"</c>) so the report's
/// script can switch scales; the root carries the plot box and both domains for it (<c>data-plot</c>, <c>data-x</c>,
/// <c>data-y-linear</c>, <c>data-y-log</c>, <c>data-scale</c>).
/// </summary>
public static class ChartSvg
{
    public const int Width = 720;
    public const int Height = 320;
    private const int Left = 64;
    private const int Right = 16;
    private const int Top = 12;
    private const int Bottom = 44;
    private const int PlotWidth = Width - Left - Right;
    private const int PlotHeight = Height - Top - Bottom;

    /// <summary>What fits along the y axis at 11px; the whole name is in the chart's title.</summary>
    private const int AxisTitleChars = 40;

    public static void Write(TextWriter w, ChartModel chart, string id)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(chart);
        ArgumentNullException.ThrowIfNull(id);

        // Domains over the points that are drawn: finite steps and values (and above zero for a log axis).
        long? minStep = null, maxStep = null;
        double minValue = double.PositiveInfinity, maxValue = double.NegativeInfinity;
        var allPositive = true;
        foreach (var s in chart.Series)
        {
            for (var i = 0; i < Count(s); i++)
            {
                var v = s.Values[i];
                if (!double.IsFinite(v))
                {
                    continue;
                }

                minStep = Math.Min(minStep ?? long.MaxValue, s.Steps[i]);
                maxStep = Math.Max(maxStep ?? long.MinValue, s.Steps[i]);
                (minValue, maxValue) = (Math.Min(minValue, v), Math.Max(maxValue, v));
                allPositive &= v > 0;
            }
        }

        var empty = minStep is null;
        var x = empty ? ChartAxis.Linear(0, 1) : ChartAxis.Linear(minStep!.Value, maxStep!.Value);
        var linear = empty ? ChartAxis.Linear(0, 1) : ChartAxis.Linear(minValue, maxValue);
        var log = !empty && allPositive ? ChartAxis.Logarithmic(minValue, maxValue) : null;
        var y = chart.LogY && log is not null ? log : linear;

        var eid = SvgText.Escape(id);
        var metric = SvgText.Escape(chart.Metric);
        w.Write($"<svg id=\"{eid}\" class=\"chart-svg\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" role=\"img\" aria-labelledby=\"{eid}-title\"");
        w.Write($" data-plot=\"{Left} {Top} {PlotWidth} {PlotHeight}\" data-x=\"{Domain(x)}\" data-y-linear=\"{Domain(linear)}\"");
        if (log is not null)
        {
            w.Write($" data-y-log=\"{Domain(log)}\"");
        }

        w.Write($" data-scale=\"{(y.Log ? "log" : "linear")}\" font-size=\"11\" fill=\"currentColor\">");
        w.Write($"<title id=\"{eid}-title\">{metric} by step{(y.Log ? " (log scale)" : "")}</title>");

        WriteXAxis(w, x);
        WriteYAxis(w, linear, hidden: y != linear);
        if (log is not null)
        {
            WriteYAxis(w, log, hidden: y != log);
        }

        w.Write($"<text class=\"axis-title\" x=\"{Left + (PlotWidth / 2)}\" y=\"{Height - 6}\" text-anchor=\"middle\">step</text>");
        w.Write($"<text class=\"axis-title\" transform=\"rotate(-90)\" x=\"{-(Top + (PlotHeight / 2))}\" y=\"14\" text-anchor=\"middle\">{SvgText.Escape(SvgText.Truncate(chart.Metric, AxisTitleChars))}</text>");
        if (empty)
        {
            w.Write($"<text class=\"no-data\" x=\"{Left + (PlotWidth / 2)}\" y=\"{Top + (PlotHeight / 2)}\" text-anchor=\"middle\">no finite values</text>");
        }

        w.Write("<g class=\"series-group\" fill=\"none\" stroke=\"currentColor\" stroke-width=\"1.5\" stroke-linejoin=\"round\" stroke-linecap=\"round\">");
        foreach (var s in chart.Series)
        {
            WriteSeries(w, s, x, y);
        }

        w.Write("</g></svg>");
    }

    private static int Count(ChartSeries s) => Math.Min(s.Steps.Length, s.Values.Length);

    private static string Domain(ChartAxis axis) =>
        axis.Min.ToString("R", CultureInfo.InvariantCulture) + " " + axis.Max.ToString("R", CultureInfo.InvariantCulture);

    private static double X(ChartAxis x, double step) => Left + (x.Fraction(step) * PlotWidth);

    private static double Y(ChartAxis y, double value) => Top + PlotHeight - (y.Fraction(value) * PlotHeight);

    private static void WriteXAxis(TextWriter w, ChartAxis x)
    {
        w.Write("<g class=\"axis axis-x\" text-anchor=\"middle\">");
        foreach (var t in x.Ticks)
        {
            var px = SvgText.Coordinate(X(x, t.Value));
            w.Write($"<line class=\"grid\" x1=\"{px}\" y1=\"{Top}\" x2=\"{px}\" y2=\"{Top + PlotHeight}\" stroke=\"currentColor\" stroke-opacity=\"0.15\"/>");
            w.Write($"<text x=\"{px}\" y=\"{Top + PlotHeight + 16}\">{SvgText.Escape(t.Label)}</text>");
        }

        w.Write($"<line class=\"axis-line\" x1=\"{Left}\" y1=\"{Top + PlotHeight}\" x2=\"{Left + PlotWidth}\" y2=\"{Top + PlotHeight}\" stroke=\"currentColor\"/>");
        w.Write("</g>");
    }

    private static void WriteYAxis(TextWriter w, ChartAxis y, bool hidden)
    {
        w.Write($"<g class=\"axis axis-y axis-{(y.Log ? "log" : "linear")}\" text-anchor=\"end\"{(hidden ? " display=\"none\"" : "")}>");
        foreach (var t in y.Ticks)
        {
            var py = SvgText.Coordinate(Y(y, t.Value));
            w.Write($"<line class=\"grid\" x1=\"{Left}\" y1=\"{py}\" x2=\"{Left + PlotWidth}\" y2=\"{py}\" stroke=\"currentColor\" stroke-opacity=\"0.15\"/>");
            w.Write($"<text x=\"{Left - 6}\" y=\"{py}\" dy=\"0.32em\">{SvgText.Escape(t.Label)}</text>");
        }

        w.Write($"<line class=\"axis-line\" x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Top + PlotHeight}\" stroke=\"currentColor\"/>");
        w.Write("</g>");
    }

    private static void WriteSeries(TextWriter w, ChartSeries s, ChartAxis x, ChartAxis y)
    {
        var d = new System.Text.StringBuilder();
        var points = 0;
        string? first = null;
        for (var i = 0; i < Count(s); i++)
        {
            var v = s.Values[i];
            if (!double.IsFinite(v) || (y.Log && v <= 0))
            {
                continue;
            }

            var point = SvgText.Coordinate(X(x, s.Steps[i])) + " " + SvgText.Coordinate(Y(y, v));
            d.Append(points == 0 ? "M" : "L").Append(point);
            first ??= point;
            points++;
        }

        var color = ((s.Color % 10) + 10) % 10;
        var job = SvgText.Escape(s.JobId);
        w.Write($"<path class=\"series c{color}\" data-job=\"{job}\" data-points=\"{points}\"");
        if (points > 0)
        {
            w.Write($" d=\"{d}\"");
        }

        w.Write($"><title>{SvgText.Escape(s.Label)}</title></path>");

        // A one-point line has no length and would not show: mark the point.
        if (points == 1)
        {
            var xy = first!.Split(' ');
            w.Write($"<circle class=\"point c{color}\" data-job=\"{job}\" cx=\"{xy[0]}\" cy=\"{xy[1]}\" r=\"3\" fill=\"currentColor\"/>");
        }
    }
}
