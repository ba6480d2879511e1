namespace TrainingPlatform.Core.Reporting;

/// <summary>A node box placed by <see cref="GraphLayout"/>: its rank (row, 0 on top), order in the rank and top-left corner.</summary>
internal sealed record PlacedNode(GraphNode Node, int Rank, int Order, double X, double Y);

/// <summary>
/// A deterministic layered layout (a simplified Sugiyama): ranks by the longest path along the edges (so every edge
/// points down), the order within a rank by barycenter sweeps with ties broken by node id, fixed-size boxes centred
/// on the widest rank. The result depends only on the set of nodes and edges, never on their order. Edges that would
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
    private const int Sweeps = 4;

    private GraphLayout(IReadOnlyList<PlacedNode> nodes, IReadOnlyList<GraphEdge> edges, double width, double height)
    {
        Nodes = nodes;
        Edges = edges;
        Width = width;
        Height = height;
    }

    /// <summary>Every node once, by rank then order.</summary>
    public IReadOnlyList<PlacedNode> Nodes { get; }

    /// <summary>The edges kept (both ends known, not a self edge, first of duplicates), ordinal by from, to, kind.</summary>
    public IReadOnlyList<GraphEdge> Edges { get; }

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

        foreach (var (from, to) in Acyclic(n, kept.Select(e => (index[e.From], index[e.To])).ToArray()))
        {
            down[from].Add(to);
            up[to].Add(from);
        }

        var rank = LongestPathRanks(n, down, up);
        var rows = Enumerable.Range(0, n == 0 ? 0 : rank.Max() + 1).Select(_ => new List<int>()).ToArray();
        for (var i = 0; i < n; i++)
        {
            rows[rank[i]].Add(i); // ids are sorted, so each row starts in id order
        }

        Order(rows, down, up);

        var widest = rows.Length == 0 ? 0 : rows.Max(r => r.Count);
        var width = (2 * Margin) + (widest * BoxWidth) + (Math.Max(0, widest - 1) * GapX);
        var height = (2 * Margin) + (rows.Length * BoxHeight) + (Math.Max(0, rows.Length - 1) * GapY);
        var placed = new List<PlacedNode>(n);
        for (var r = 0; r < rows.Length; r++)
        {
            var rowWidth = (rows[r].Count * BoxWidth) + ((rows[r].Count - 1) * GapX);
            var left = (width - rowWidth) / 2;
            for (var o = 0; o < rows[r].Count; o++)
            {
                placed.Add(new PlacedNode(byId[rows[r][o]], r, o, left + (o * (BoxWidth + GapX)), Margin + (r * (BoxHeight + GapY))));
            }
        }

        return new GraphLayout(placed, kept, width, height);
    }

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
    private static void Order(List<int>[] rows, List<int>[] down, List<int>[] up)
    {
        var position = new double[down.Length];
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
