namespace TrainingPlatform.Core.Reporting;

/// <summary>A node box placed by <see cref="GraphLayout"/>: its rank (row, 0 on top), order in the rank and top-left corner.</summary>
internal sealed record PlacedNode(GraphNode Node, int Rank, int Order, double X, double Y);

/// <summary>Where an edge is drawn: the points it passes, from its source box to its target box.</summary>
internal sealed record EdgeRoute(GraphEdge Edge, IReadOnlyList<(double X, double Y)> Points);

/// <summary>
/// A deterministic layered layout (a simplified Sugiyama): ranks by the longest path along the edges (so every edge
/// points down), edges across several ranks split by a narrow dummy vertex per crossed rank, the order within a rank by
/// barycenter sweeps with ties broken by node id (dummies by edge), fixed-size boxes, each rank centred. The result depends only on the set of nodes and edges, never on their order. Edges that would
/// close a cycle (the store forbids cycles; this stays safe anyway) are ignored for ranking; edges to unknown nodes
/// and self edges are dropped.
/// </summary>
internal sealed class GraphLayout
{
    public const double BoxWidth = 168;
    public const double BoxHeight = 40;
    public const double GapX = 24;
    public const double GapY = 56;
    public const double Margin = 12;
    private const double DummyWidth = 8;
    private const int Sweeps = 4;

    private GraphLayout(IReadOnlyList<PlacedNode> nodes, IReadOnlyList<EdgeRoute> routes, double width, double height)
    {
        Nodes = nodes;
        Routes = routes;
        Width = width;
        Height = height;
    }

    /// <summary>Every node once, by rank then order.</summary>
    public IReadOnlyList<PlacedNode> Nodes { get; }

    /// <summary>The edges kept (both ends known, not a self edge, first of duplicates), ordinal by from, to, kind.</summary>
    public IReadOnlyList<GraphEdge> Edges => [.. Routes.Select(r => r.Edge)];

    /// <summary>
    /// Each kept edge's way: from the bottom middle of its source box, down through the gap kept in every rank it
    /// crosses (an entry and an exit point per rank), to the top middle of its target box.
    /// </summary>
    public IReadOnlyList<EdgeRoute> Routes { get; }

    public double Width { get; }

    public double Height { get; }

    public static GraphLayout Of(IReadOnlyList<GraphNode> nodes, IReadOnlyList<GraphEdge> edges)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(edges);

        // Canonical input: one node per id (the least by kind, label, href when an id repeats), edges sorted and unique.
        var byId = nodes
            .OrderBy(n => n.Id, StringComparer.Ordinal).ThenBy(n => n.Kind).ThenBy(n => n.Label, StringComparer.Ordinal)
            .ThenBy(n => n.Href, StringComparer.Ordinal)
            .DistinctBy(n => n.Id, StringComparer.Ordinal)
            .ToArray();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < byId.Length; i++)
        {
            index[byId[i].Id] = i;
        }

        var kept = edges
            .Where(e => e.From != e.To && index.ContainsKey(e.From) && index.ContainsKey(e.To))
            .OrderBy(e => e.From, StringComparer.Ordinal).ThenBy(e => e.To, StringComparer.Ordinal).ThenBy(e => e.Kind, StringComparer.Ordinal)
            .DistinctBy(e => (e.From, e.To))
            .ToArray();

        var n = byId.Length;
        var down = new List<int>[n];
        var up = new List<int>[n];
        for (var i = 0; i < n; i++)
        {
            (down[i], up[i]) = ([], []);
        }

        var acyclic = Acyclic(n, kept.Select(e => (index[e.From], index[e.To])).ToArray());
        foreach (var (from, to) in acyclic)
        {
            down[from].Add(to);
            up[to].Add(from);
        }

        var rank = LongestPathRanks(n, down, up);

        // Proper layering: an edge across several ranks becomes a chain through one narrow dummy vertex per rank it
        // crosses, so the ordering sees it and the drawing routes it through a gap kept free between the boxes.
        var vertexRank = new List<int>(rank);
        var next = Enumerable.Range(0, n).Select(_ => new List<int>()).ToList();
        var previous = Enumerable.Range(0, n).Select(_ => new List<int>()).ToList();
        var chains = new Dictionary<(int From, int To), List<int>>();
        foreach (var (from, to) in acyclic)
        {
            var chain = new List<int> { from };
            for (var r = rank[from] + 1; r < rank[to]; r++)
            {
                vertexRank.Add(r);
                next.Add([]);
                previous.Add([]);
                chain.Add(vertexRank.Count - 1);
            }

            chain.Add(to);
            for (var k = 1; k < chain.Count; k++)
            {
                next[chain[k - 1]].Add(chain[k]);
                previous[chain[k]].Add(chain[k - 1]);
            }

            chains[(from, to)] = chain;
        }

        var rows = Enumerable.Range(0, n == 0 ? 0 : rank.Max() + 1).Select(_ => new List<int>()).ToArray();
        for (var v = 0; v < vertexRank.Count; v++)
        {
            rows[vertexRank[v]].Add(v); // nodes in id order, then dummies in edge order
        }

        Order(rows, next, previous);

        double Slot(int v) => v < n ? BoxWidth : DummyWidth;
        var rowWidths = rows.Select(r => r.Sum(Slot) + (Math.Max(0, r.Count - 1) * GapX)).ToArray();
        var width = (2 * Margin) + (rowWidths.Length == 0 ? 0 : rowWidths.Max());
        var height = (2 * Margin) + (rows.Length * BoxHeight) + (Math.Max(0, rows.Length - 1) * GapY);
        var left = new double[vertexRank.Count];
        var placed = new List<PlacedNode>(n);
        for (var r = 0; r < rows.Length; r++)
        {
            var x = (width - rowWidths[r]) / 2;
            var order = 0;
            foreach (var v in rows[r])
            {
                left[v] = x;
                x += Slot(v) + GapX;
                if (v < n)
                {
                    placed.Add(new PlacedNode(byId[v], r, order++, left[v], Top(r)));
                }
            }
        }

        (double X, double Y) Bottom(int v) => (left[v] + (Slot(v) / 2), Top(vertexRank[v]) + BoxHeight);
        (double X, double Y) Over(int v) => (left[v] + (Slot(v) / 2), Top(vertexRank[v]));
        var routes = kept.Select(e =>
        {
            var (from, to) = (index[e.From], index[e.To]);
            if (!chains.TryGetValue((from, to), out var chain))
            {
                return new EdgeRoute(e, [Bottom(from), Over(to)]); // closes a cycle: drawn straight back up
            }

            var points = new List<(double X, double Y)> { Bottom(from) };
            foreach (var dummy in chain.Skip(1).SkipLast(1))
            {
                points.Add(Over(dummy));
                points.Add(Bottom(dummy));
            }

            points.Add(Over(to));
            return new EdgeRoute(e, points);
        }).ToArray();

        return new GraphLayout(placed, routes, width, height);
    }

    private static double Top(int rank) => Margin + (rank * (BoxHeight + GapY));

    /// <summary>The edges without those that close a cycle: a depth-first search from each node in id order drops back edges.</summary>
    private static List<(int From, int To)> Acyclic(int n, (int From, int To)[] edges)
    {
        var next = new List<int>[n];
        for (var i = 0; i < n; i++)
        {
            next[i] = [];
        }

        foreach (var (from, to) in edges)
        {
            next[from].Add(to);
        }

        var state = new byte[n]; // 0 unseen, 1 on the stack, 2 done
        var back = new HashSet<(int, int)>();
        var stack = new Stack<(int Node, int Next)>();
        for (var start = 0; start < n; start++)
        {
            if (state[start] != 0)
            {
                continue;
            }

            state[start] = 1;
            stack.Push((start, 0));
            while (stack.Count > 0)
            {
                var (node, k) = stack.Pop();
                if (k == next[node].Count)
                {
                    state[node] = 2;
                    continue;
                }

                stack.Push((node, k + 1));
                var to = next[node][k];
                if (state[to] == 1)
                {
                    back.Add((node, to));
                }
                else if (state[to] == 0)
                {
                    state[to] = 1;
                    stack.Push((to, 0));
                }
            }
        }

        return [.. edges.Where(e => !back.Contains(e))];
    }

    /// <summary>Rank = length of the longest path reaching the node (Kahn's order over an acyclic graph).</summary>
    private static int[] LongestPathRanks(int n, List<int>[] down, List<int>[] up)
    {
        var rank = new int[n];
        var waiting = up.Select(u => u.Count).ToArray();
        var ready = new Queue<int>(Enumerable.Range(0, n).Where(i => waiting[i] == 0));
        while (ready.Count > 0)
        {
            var node = ready.Dequeue();
            foreach (var to in down[node])
            {
                rank[to] = Math.Max(rank[to], rank[node] + 1);
                if (--waiting[to] == 0)
                {
                    ready.Enqueue(to);
                }
            }
        }

        return rank;
    }

    /// <summary>
    /// Barycenter sweeps, down then up, a fixed number of times: each node moves to the mean centred position of its
    /// neighbours in other rows (a node without any keeps its own), ties by id.
    /// </summary>
    private static void Order(List<int>[] rows, List<List<int>> down, List<List<int>> up)
    {
        var position = new double[down.Count];
        void Place(List<int> row)
        {
            for (var o = 0; o < row.Count; o++)
            {
                position[row[o]] = o - ((row.Count - 1) / 2.0);
            }
        }

        foreach (var row in rows)
        {
            Place(row);
        }

        for (var sweep = 0; sweep < Sweeps; sweep++)
        {
            var downward = sweep % 2 == 0;
            var neighbours = downward ? up : down;
            for (var k = 0; k < rows.Length; k++)
            {
                var row = rows[downward ? k : rows.Length - 1 - k];
                var center = row.ToDictionary(i => i, i => neighbours[i].Count == 0 ? position[i] : neighbours[i].Average(j => position[j]));
                row.Sort((a, b) => center[a] != center[b] ? center[a].CompareTo(center[b]) : a.CompareTo(b));
                Place(row);
            }
        }
    }
}
