namespace TrainingPlatform.Core.Reporting;

public enum GraphNodeKind
{
    Job,
    RecipeVersion,
    BaseRecipe,
    Dataset,
}

/// <summary>A node of the lineage graph; <see cref="Href"/> is <c>#job-ID</c> for jobs.</summary>
public sealed record GraphNode(string Id, GraphNodeKind Kind, string Label, string? Href);

/// <summary>An edge: kind <c>recipe</c>, <c>extends</c>, <c>dataset</c> or <c>parent</c>.</summary>
public sealed record GraphEdge(string From, string To, string Kind);

/// <summary>
/// The lineage graph as inline SVG, laid out by <see cref="GraphLayout"/>: one box per node (class
/// <c>node node-job|node-recipe|node-base|node-dataset</c>, a link when the node has an href, the label cut to fit with
/// the whole label in its <c>title</c>), one curve with an arrowhead per edge (class <c>edge edge-KIND</c>).
/// The same nodes and edges in any order give the same bytes.
/// </summary>
public static class LineageGraphSvg
{
    private const int LabelChars = 22;
    private const string ArrowId = "lineage-arrow";

    public static void Write(TextWriter w, IReadOnlyList<GraphNode> nodes, IReadOnlyList<GraphEdge> edges)
    {
        ArgumentNullException.ThrowIfNull(w);
        var layout = GraphLayout.Of(nodes, edges);
        var width = SvgText.Coordinate(layout.Width);
        var height = SvgText.Coordinate(layout.Height);
        w.Write($"<svg class=\"lineage-graph\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-labelledby=\"lineage-title\" font-size=\"12\">");
        w.Write($"<title id=\"lineage-title\">Lineage: {layout.Nodes.Count} nodes, {layout.Edges.Count} edges</title>");
        w.Write($"<defs><marker id=\"{ArrowId}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0 0L10 5L0 10z\" fill=\"currentColor\"/></marker></defs>");

        w.Write("<g class=\"edges\" fill=\"none\" stroke=\"currentColor\" stroke-opacity=\"0.6\">");
        foreach (var route in layout.Routes)
        {
            var e = route.Edge;
            w.Write($"<path class=\"edge edge-{SvgText.Escape(e.Kind)}\" data-from=\"{SvgText.Escape(e.From)}\" data-to=\"{SvgText.Escape(e.To)}\"");
            w.Write($" d=\"{PathData(route.Points)}\" marker-end=\"url(#{ArrowId})\"><title>{SvgText.Escape(e.Kind)}</title></path>");
        }

        w.Write("</g><g class=\"nodes\">");
        foreach (var p in layout.Nodes)
        {
            var n = p.Node;
            var (kind, caption) = n.Kind switch
            {
                GraphNodeKind.Job => ("node-job", "job"),
                GraphNodeKind.RecipeVersion => ("node-recipe", "recipe"),
                GraphNodeKind.BaseRecipe => ("node-base", "base recipe"),
                _ => ("node-dataset", "dataset"),
            };
            if (n.Href is not null)
            {
                w.Write($"<a href=\"{SvgText.Escape(n.Href)}\">");
            }

            var (x, y) = (SvgText.Coordinate(p.X), SvgText.Coordinate(p.Y));
            var middle = SvgText.Coordinate(p.X + (GraphLayout.BoxWidth / 2));
            w.Write($"<g class=\"node {kind}\" data-node=\"{SvgText.Escape(n.Id)}\"><title>{SvgText.Escape(caption + ": " + n.Label)}</title>");
            w.Write($"<rect x=\"{x}\" y=\"{y}\" width=\"{GraphLayout.BoxWidth}\" height=\"{GraphLayout.BoxHeight}\" rx=\"4\" fill=\"currentColor\" fill-opacity=\"0.06\" stroke=\"currentColor\"/>");
            w.Write($"<text x=\"{middle}\" y=\"{SvgText.Coordinate(p.Y + 14)}\" text-anchor=\"middle\" font-size=\"10\" fill=\"currentColor\" fill-opacity=\"0.7\">{caption}</text>");
            w.Write($"<text class=\"label\" x=\"{middle}\" y=\"{SvgText.Coordinate(p.Y + 31)}\" text-anchor=\"middle\" fill=\"currentColor\">{SvgText.Escape(SvgText.Truncate(n.Label, LabelChars))}</text></g>");
            if (n.Href is not null)
            {
                w.Write("</a>");
            }
        }

        w.Write("</g></svg>");
    }

    /// <summary>
    /// Curves between ranks (leaving and entering vertically), straight lines through the gap a long edge has in each
    /// rank it crosses: points 0→1, 2→3 … are curves, 1→2, 3→4 … lines.
    /// </summary>
    private static string PathData(IReadOnlyList<(double X, double Y)> points)
    {
        var c = SvgText.Coordinate;
        var d = new System.Text.StringBuilder($"M{c(points[0].X)} {c(points[0].Y)}");
        for (var i = 1; i < points.Count; i++)
        {
            var (a, b) = (points[i - 1], points[i]);
            if (i % 2 == 0)
            {
                d.Append($"L{c(b.X)} {c(b.Y)}");
                continue;
            }

            // A downward edge bends over half the gap; an edge back up (a cycle) loops out below and above.
            var bend = Math.Max(GraphLayout.GapY / 2, (a.Y - b.Y) / 2);
            d.Append($"C{c(a.X)} {c(a.Y + bend)} {c(b.X)} {c(b.Y - bend)} {c(b.X)} {c(b.Y)}");
        }

        return d.ToString();
    }
}
