using System.Globalization;
using System.Xml.Linq;
using TrainingPlatform.Core.Reporting;

namespace TrainingPlatform.Core.Tests.Reporting.Svg;

public sealed class LineageGraphSvgTests
{
    /// <summary>Three jobs (j2 a child of j1), two recipe versions of one base, two datasets.</summary>
    private static readonly GraphNode[] Nodes =
    [
        new("job:j1", GraphNodeKind.Job, "j1 sft-baseline", "#job-j1"),
        new("job:j2", GraphNodeKind.Job, "j2 sft-lr-sweep", "#job-j2"),
        new("job:j3", GraphNodeKind.Job, "j3 dpo", "#job-j3"),
        new("recipe:sft@2", GraphNodeKind.RecipeVersion, "sft@2", null),
        new("recipe:dpo@1", GraphNodeKind.RecipeVersion, "dpo@1", null),
        new("base:llama-base", GraphNodeKind.BaseRecipe, "llama-base", null),
        new("dataset:alpaca", GraphNodeKind.Dataset, "alpaca@3f2a", null),
        new("dataset:prefs", GraphNodeKind.Dataset, "prefs@9c1d", null),
    ];

    private static readonly GraphEdge[] Edges =
    [
        new("job:j1", "job:j2", "parent"),
        new("job:j1", "recipe:sft@2", "recipe"),
        new("job:j2", "recipe:sft@2", "recipe"),
        new("job:j3", "recipe:dpo@1", "recipe"),
        new("recipe:sft@2", "base:llama-base", "extends"),
        new("recipe:dpo@1", "base:llama-base", "extends"),
        new("job:j1", "dataset:alpaca", "dataset"),
        new("job:j2", "dataset:alpaca", "dataset"),
        new("job:j3", "dataset:prefs", "dataset"),
    ];

    private static string Render(IReadOnlyList<GraphNode> nodes, IReadOnlyList<GraphEdge> edges)
    {
        using var w = new StringWriter(CultureInfo.InvariantCulture);
        LineageGraphSvg.Write(w, nodes, edges);
        return w.ToString();
    }

    private static T[] Shuffled<T>(T[] items, int seed)
    {
        var copy = (T[])items.Clone();
        new Random(seed).Shuffle(copy);
        return copy;
    }

    [Fact]
    public void The_same_graph_in_any_order_gives_the_same_bytes()
    {
        var expected = Render(Nodes, Edges);
        for (var seed = 1; seed <= 20; seed++)
        {
            Assert.Equal(expected, Render(Shuffled(Nodes, seed), Shuffled(Edges, seed * 31)));
        }
    }

    [Fact]
    public void Every_edge_points_down_to_a_lower_rank()
    {
        var layout = GraphLayout.Of(Nodes, Edges);
        var rank = layout.Nodes.ToDictionary(p => p.Node.Id, p => p.Rank);

        Assert.Equal(Edges.Length, layout.Edges.Count);
        Assert.All(layout.Edges, e => Assert.True(rank[e.From] < rank[e.To], $"{e.From} (rank {rank[e.From]}) -> {e.To} (rank {rank[e.To]})"));
        Assert.Equal(0, rank["job:j1"]);
        Assert.Equal(1, rank["job:j2"]);
        Assert.Equal(3, rank["base:llama-base"]); // the longest path: j1 -> j2 -> sft@2 -> base
        var j1ToData = layout.Routes.Single(r => r.Edge.To == "dataset:alpaca" && r.Edge.From == "job:j1");
        Assert.Equal(4, j1ToData.Points.Count); // j1 (rank 0) to alpaca (rank 2) through a gap in rank 1
    }

    [Fact]
    public void No_two_boxes_overlap_and_all_lie_inside_the_drawing()
    {
        var random = new Random(19);
        var nodes = Enumerable.Range(0, 40).Select(i => new GraphNode("n" + i.ToString("00", CultureInfo.InvariantCulture), (GraphNodeKind)(i % 4), "node " + i.ToString(CultureInfo.InvariantCulture), null)).ToArray();
        var edges = Enumerable.Range(0, 80).Select(_ => (A: random.Next(40), B: random.Next(40)))
            .Where(p => p.A < p.B).Select(p => new GraphEdge(nodes[p.A].Id, nodes[p.B].Id, "recipe")).ToArray();
        var layout = GraphLayout.Of(nodes, edges);

        Assert.Equal(40, layout.Nodes.Count);
        foreach (var a in layout.Nodes)
        {
            Assert.InRange(a.X, 0, layout.Width - GraphLayout.BoxWidth);
            Assert.InRange(a.Y, 0, layout.Height - GraphLayout.BoxHeight);
            foreach (var b in layout.Nodes.Where(b => !ReferenceEquals(a, b)))
            {
                var apart = a.X + GraphLayout.BoxWidth <= b.X || b.X + GraphLayout.BoxWidth <= a.X
                    || a.Y + GraphLayout.BoxHeight <= b.Y || b.Y + GraphLayout.BoxHeight <= a.Y;
                Assert.True(apart, $"{a.Node.Id} and {b.Node.Id} overlap");
            }
        }

        var rank = layout.Nodes.ToDictionary(p => p.Node.Id, p => p.Rank);
        Assert.All(layout.Edges, e => Assert.True(rank[e.From] < rank[e.To]));

        // An edge across ranks passes each crossed rank in a gap of its own, through no box.
        foreach (var route in layout.Routes.Where(r => r.Points.Count > 2))
        {
            Assert.Equal(2 * (rank[route.Edge.To] - rank[route.Edge.From]), route.Points.Count);
            for (var i = 1; i + 1 < route.Points.Count; i += 2)
            {
                var (x, y) = route.Points[i];
                Assert.DoesNotContain(layout.Nodes, b => b.Y == y && b.X - GraphLayout.GapX / 2 < x && x < b.X + GraphLayout.BoxWidth + GraphLayout.GapX / 2);
            }
        }
    }

    [Fact]
    public void Barycenter_ordering_keeps_children_under_their_parents()
    {
        // Without ordering, ids put b's child (a-child) first; the sweeps move it under b.
        GraphNode[] nodes =
        [
            new("a", GraphNodeKind.Job, "a", null), new("b", GraphNodeKind.Job, "b", null),
            new("x-child", GraphNodeKind.Dataset, "x", null), new("a-child", GraphNodeKind.Dataset, "y", null),
        ];
        GraphEdge[] edges = [new("a", "x-child", "dataset"), new("b", "a-child", "dataset")];
        var order = GraphLayout.Of(nodes, edges).Nodes.Where(p => p.Rank == 1).Select(p => p.Node.Id);
        Assert.Equal(["x-child", "a-child"], order);
    }

    [Fact]
    public void A_cycle_is_laid_out_without_looping_and_keeps_every_node()
    {
        GraphNode[] nodes = [new("a", GraphNodeKind.Job, "a", null), new("b", GraphNodeKind.Job, "b", null), new("c", GraphNodeKind.Job, "c", null)];
        GraphEdge[] edges = [new("a", "b", "parent"), new("b", "c", "parent"), new("c", "a", "parent"), new("a", "a", "parent")];
        var layout = GraphLayout.Of(nodes, edges);

        Assert.Equal(["a", "b", "c"], layout.Nodes.Select(p => p.Node.Id));
        Assert.Equal([0, 1, 2], layout.Nodes.Select(p => p.Rank));
        Assert.Equal(3, layout.Edges.Count); // the self edge is dropped, the back edge still drawn
        XElement.Parse(Render(nodes, edges));
    }

    [Fact]
    public void Edges_to_unknown_nodes_and_repeated_nodes_are_dropped()
    {
        GraphNode[] nodes = [new("a", GraphNodeKind.Job, "a", null), new("a", GraphNodeKind.Job, "a", null), new("b", GraphNodeKind.Dataset, "b", null)];
        GraphEdge[] edges = [new("a", "b", "dataset"), new("a", "b", "dataset"), new("a", "ghost", "dataset")];
        var layout = GraphLayout.Of(nodes, edges);

        Assert.Equal(2, layout.Nodes.Count);
        Assert.Single(layout.Edges);
    }

    [Fact]
    public void The_svg_is_xml_with_a_box_per_node_an_arrow_per_edge_and_job_links()
    {
        var svg = XElement.Parse(Render(Nodes, Edges));
        var boxes = svg.Descendants("g").Where(g => ((string?)g.Attribute("class") ?? "").StartsWith("node ", StringComparison.Ordinal)).ToArray();

        Assert.Equal(Nodes.Length, boxes.Length);
        Assert.Equal(3, boxes.Count(b => (string?)b.Attribute("class") == "node node-job"));
        Assert.Equal(2, boxes.Count(b => (string?)b.Attribute("class") == "node node-recipe"));
        Assert.Single(boxes, b => (string?)b.Attribute("class") == "node node-base");
        Assert.Equal(2, boxes.Count(b => (string?)b.Attribute("class") == "node node-dataset"));
        Assert.Equal(["#job-j1", "#job-j2", "#job-j3"], svg.Descendants("a").Select(a => (string?)a.Attribute("href")).Order(StringComparer.Ordinal));

        var edges = svg.Descendants("path").Where(p => ((string?)p.Attribute("class") ?? "").StartsWith("edge ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(Edges.Length, edges.Length);
        Assert.All(edges, e => Assert.Equal("url(#lineage-arrow)", (string?)e.Attribute("marker-end")));
        Assert.Single(svg.Descendants("marker"), m => (string?)m.Attribute("id") == "lineage-arrow");
    }

    [Fact]
    public void Long_labels_are_cut_with_the_whole_label_in_the_title_and_everything_is_escaped()
    {
        var label = "<img src=x onerror=alert(1)> a very long job name indeed";
        GraphNode[] nodes = [new("job:<x>", GraphNodeKind.Job, label, "#job-<x>&")];
        var text = Render(nodes, []);

        Assert.DoesNotContain("<img", text, StringComparison.Ordinal);
        var node = XElement.Parse(text).Descendants("g").Single(g => (string?)g.Attribute("data-node") == "job:<x>");
        Assert.Equal("job: " + label, node.Element("title")!.Value);
        var shown = node.Elements("text").Single(t => (string?)t.Attribute("class") == "label").Value;
        Assert.EndsWith("…", shown, StringComparison.Ordinal);
        Assert.StartsWith(shown[..^1], label, StringComparison.Ordinal);
        Assert.Equal("#job-<x>&", (string?)node.Parent!.Attribute("href"));
    }

    [Fact]
    public void An_empty_graph_is_an_empty_drawing()
    {
        var svg = XElement.Parse(Render([], []));
        Assert.Empty(svg.Descendants("rect"));
        Assert.Equal("Lineage: 0 nodes, 0 edges", svg.Element("title")!.Value);
    }
}
