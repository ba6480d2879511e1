using System.Globalization;

namespace TrainingPlatform.Core.Reporting;

/// <summary>One job's line in a chart, already downsampled.</summary>
public sealed record ChartSeries(string JobId, string Label, int Color, long[] Steps, double[] Values);

/// <summary>One metric's chart; <see cref="LogY"/>: log scale asked and all values above 0.</summary>
public sealed record ChartModel(string Metric, IReadOnlyList<ChartSeries> Series, bool LogY);

/// <summary>PLACEHOLDER (replaced by h19-svg): a bare chart, one path per series, so the document can be built and tested.</summary>
public static class ChartSvg
{
    public static void Write(TextWriter w, ChartModel chart, string id)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(chart);
        w.Write("<svg id=\"" + System.Net.WebUtility.HtmlEncode(id) + "\" viewBox=\"0 0 600 300\" role=\"img\">");
        foreach (var s in chart.Series)
        {
            w.Write("<path class=\"series c" + s.Color.ToString(CultureInfo.InvariantCulture) + "\" data-job=\"" + System.Net.WebUtility.HtmlEncode(s.JobId) +
                "\" data-points=\"" + s.Steps.Length.ToString(CultureInfo.InvariantCulture) + "\" d=\"");
            for (var i = 0; i < s.Steps.Length; i++)
            {
                w.Write(i == 0 ? "M" : " L");
                w.Write(i.ToString(CultureInfo.InvariantCulture));
                w.Write(" 0");
            }

            w.Write("\"/>");
        }

        w.Write("</svg>");
    }
}
