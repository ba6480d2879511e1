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

/// <summary>PLACEHOLDER (replaced by h19-svg): the nodes as a list of texts, so the document can be built and tested.</summary>
public static class LineageGraphSvg
{
    public static void Write(TextWriter w, IReadOnlyList<GraphNode> nodes, IReadOnlyList<GraphEdge> edges)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(edges);
        w.Write("<svg class=\"lineage\" viewBox=\"0 0 600 300\" role=\"img\">");
        var y = 20;
        foreach (var n in nodes)
        {
            w.Write("<text x=\"10\" y=\"" + y.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\">" + System.Net.WebUtility.HtmlEncode(n.Label) + "</text>");
            y += 20;
        }

        w.Write("</svg>");
    }
}
