using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Diffing;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Text;

namespace TrainingPlatform.Core.Reporting;

/// <summary>
/// Reads what <c>trainplat report</c> shows from a lineage store (docs/report.md): the selected jobs newest first, the run
/// table of <c>job list --columns</c>, one chart per metric with every series downsampled (largest-triangle-three-buckets)
/// within the report's point budget, each job's record, the lineage graph and the config diffs.
/// </summary>
public static class ReportBuilder
{
    /// <summary>Colours c0…c9 of the report's style sheet; the jobs take them in turn.</summary>
    public const int Colors = 10;

    /// <exception cref="UserErrorException">No job selected, an unknown or ambiguous job, a bad filter, column or point count.</exception>
    public static ReportModel Build(ILineageStore store, ReportRequest request)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Points < 2)
        {
            throw new UserErrorException($"--points must be at least 2, not {request.Points}", $"the default is {ReportRequest.DefaultPoints:N0} points per series");
        }

        var jobs = Select(store, request);
        var table = RunTables.Build(jobs, store.GetConfig, new RunTableRequest(Columns(request, jobs), null, []));
        var reportJobs = jobs.Select((j, i) => Job(store, j, i % Colors)).ToArray();
        var (charts, budget) = Charts(store, reportJobs, request);
        var (nodes, edges) = Graph(store, reportJobs);
        return new ReportModel(request.ToolVersion, request.GeneratedAt, request.StoreDisplay ?? store.Info.Path, table, reportJobs, charts, budget, nodes, edges, Diffs(store, reportJobs, request));
    }

    /// <summary>The union of the named jobs, <c>--compare</c>'s two and the jobs the filters (or <c>--all</c>) match; newest first, then by id.</summary>
    private static JobRecord[] Select(ILineageStore store, ReportRequest request)
    {
        if (request.Jobs.Count == 0 && request.Compare is null && !request.All && !request.HasFilters)
        {
            throw new UserErrorException("no jobs selected for the report",
                "name jobs (ids or prefixes), or select them with --recipe ID, --tag T, --since DATE or --all");
        }

        var selected = new Dictionary<string, JobRecord>(StringComparer.Ordinal);
        foreach (var reference in request.Jobs.Concat(request.Compare is { } c ? [c.Left, c.Right] : []))
        {
            var job = JobRules.Resolve(store, reference);
            selected.TryAdd(job.Id, job);
        }

        if (request.All || request.HasFilters)
        {
            var query = JobQueries.Parse(null, request.Recipe, null, null, null, request.Since, request.Tag);
            var matched = store.FindJobs(query);
            if (matched.Count == 0 && selected.Count == 0)
            {
                throw request.HasFilters
                    ? new UserErrorException($"no jobs match {Filters(request)} in {request.StoreDisplay ?? store.Info.Path}",
                        $"`trainplat job list {Filters(request)}` lists what they match; drop a filter, or use --all")
                    : new UserErrorException($"there are no jobs in {request.StoreDisplay ?? store.Info.Path}", "record one with `trainplat job create`, or give --store PATH");
            }

            foreach (var job in matched)
            {
                selected.TryAdd(job.Id, job);
            }
        }

        return [.. selected.Values.OrderByDescending(j => j.Created).ThenBy(j => j.Id, StringComparer.Ordinal)];
    }

    private static string Filters(ReportRequest r) =>
        string.Join(" ", new[] { ("--recipe", r.Recipe), ("--tag", r.Tag), ("--since", r.Since) }.Where(f => f.Item2 is not null).Select(f => $"{f.Item1} {f.Item2}"));

    /// <summary>The asked keys (id first), or the default job fields and every metric's last value.</summary>
    private static string[] Columns(ReportRequest request, IReadOnlyList<JobRecord> jobs)
    {
        var keys = request.Columns.SelectMany(c => c.Split(',')).ToList();
        if (keys.Count == 0)
        {
            keys.AddRange(ReportRequest.DefaultColumns);
            if (jobs.Any(j => j.Metrics.Count > 0))
            {
                keys.Add(RunTables.MetricPrefix + "*.last");
            }
        }

        if (!keys.Any(k => k.Trim() == "id"))
        {
            keys.Insert(0, "id");
        }

        return [.. keys];
    }

    private static ReportJob Job(ILineageStore store, JobRecord job, int color)
    {
        var recipes = job.Chain.Select(store.GetRecipeVersion).OfType<RecipeVersionRecord>().ToArray();
        var datasets = job.Datasets
            .Select(d => new ReportDataset(d.Role, d.Name, d.Hash, store.Find(d.Name, d.Hash).FirstOrDefault(v => v.Hash == d.Hash)?.Samples))
            .ToArray();
        var children = store.FindJobs(new JobQuery(ParentId: job.Id)).Select(c => c.Id).Order(StringComparer.Ordinal).ToArray();
        return new ReportJob(job, color, recipes, PrettyConfig(store.GetConfig(job.ConfigHash)), datasets,
            [.. job.Forced.Select(ReportFinding.Parse)], Memory(job.MemoryJson), children);
    }

    /// <summary>The config as indented JSON (non-ASCII kept: the writer escapes it for HTML); null when the store lacks it.</summary>
    private static string? PrettyConfig(string? json)
    {
        if (json is null)
        {
            return null;
        }

        using var doc = JsonDocument.Parse(json);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            doc.WriteTo(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static ReportMemory? Memory(string? json)
    {
        if (json is null || JsonNode.Parse(json) is not JsonObject m)
        {
            return null;
        }

        var terms = m["terms"] is JsonArray a
            ? a.OfType<JsonObject>().Select(t => new ReportMemoryTerm(Text(t["name"]) ?? "", Number(t["gb"]) ?? 0, Text(t["formula"]) ?? "")).ToArray()
            : [];
        var notes = m["notes"] is JsonArray n ? n.Select(Text).OfType<string>().ToArray() : [];
        return new ReportMemory(terms, Number(m["total_gb"]), Number(m["gpu_memory_gb"]), m["fits"] is JsonValue f && f.TryGetValue<bool>(out var fits) ? fits : null,
            Text(m["precision"]), notes);

        static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        static double? Number(JsonNode? node) => node is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;
    }

    /// <summary>
    /// One chart per metric name (ordinal), a series per job that logged it (in the jobs' order). Each series keeps at most
    /// min(<c>--points</c>, total budget / series) points, but at least <see cref="ReportRequest.MinPointsPerSeries"/>.
    /// </summary>
    private static (ReportChart[] Charts, ReportBudget Budget) Charts(ILineageStore store, IReadOnlyList<ReportJob> jobs, ReportRequest request)
    {
        var series = jobs.Select(j => (Job: j, Series: j.Job.Metrics.Count == 0 ? [] : store.ReadSeries(j.Job.Id, null))).ToArray();
        var count = series.Sum(s => s.Series.Count);
        var perSeries = count == 0
            ? request.Points
            : Math.Max(Math.Min(request.Points, request.TotalPoints / count), Math.Min(request.Points, ReportRequest.MinPointsPerSeries));
        perSeries = Math.Max(perSeries, 2);
        var names = series.SelectMany(s => s.Series).Select(s => s.Name).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var byName = series.SelectMany(s => s.Series.Select(m => (s.Job, Metric: m))).ToLookup(x => x.Metric.Name, StringComparer.Ordinal);
        long stored = 0, shown = 0;
        var charts = new List<ReportChart>();
        foreach (var name in names)
        {
            var lines = new List<ChartSeries>();
            var counts = new List<long>();
            var positive = true;
            foreach (var (job, metric) in byName[name])
            {
                var kept = MetricDownsampling.Lttb(metric.Steps, metric.Values, perSeries);
                var steps = new long[kept.Length];
                var values = new double[kept.Length];
                for (var i = 0; i < kept.Length; i++)
                {
                    steps[i] = metric.Steps[kept[i]];
                    values[i] = metric.Values[kept[i]];
                    positive &= !double.IsFinite(values[i]) || values[i] > 0;
                }

                lines.Add(new ChartSeries(job.Job.Id, job.Label, job.Color, steps, values));
                counts.Add(metric.Count);
                stored += metric.Count;
                shown += kept.Length;
            }

            var logY = positive && request.LogScale is { } glob && NameGlob.Matches(glob, name);
            charts.Add(new ReportChart(new ChartModel(name, lines, logY), counts, positive));
        }

        return ([.. charts], new ReportBudget(perSeries, request.TotalPoints, count, stored, shown));
    }

    /// <summary>Job → its recipe version → the bases it extends; job → each dataset; parent → child (both in the report). Nodes and edges in first-seen order.</summary>
    private static (GraphNode[] Nodes, GraphEdge[] Edges) Graph(ILineageStore store, IReadOnlyList<ReportJob> jobs)
    {
        var nodes = new Dictionary<string, GraphNode>(StringComparer.Ordinal);
        var edges = new List<GraphEdge>();
        var direct = jobs.Select(j => j.Job.RecipeHash).ToHashSet(StringComparer.Ordinal);
        var recorded = new Dictionary<string, RecipeVersionRecord?>(StringComparer.Ordinal);
        RecipeVersionRecord? Recipe(string hash) => recorded.TryGetValue(hash, out var r) ? r : recorded[hash] = store.GetRecipeVersion(hash);
        void Add(GraphNode node) => nodes.TryAdd(node.Id, node);
        void Edge(string from, string to, string kind)
        {
            var edge = new GraphEdge(from, to, kind);
            if (!edges.Contains(edge))
            {
                edges.Add(edge);
            }
        }

        GraphNode RecipeNode(string hash) =>
            new("recipe:" + hash, direct.Contains(hash) ? GraphNodeKind.RecipeVersion : GraphNodeKind.BaseRecipe,
                Recipe(hash) is { } r ? $"{r.RecipeId}@{r.Version}" : "sha256 " + hash[..Math.Min(12, hash.Length)], null);

        foreach (var j in jobs)
        {
            Add(new GraphNode("job:" + j.Job.Id, GraphNodeKind.Job, j.Label, "#job-" + j.Job.Id));
        }

        foreach (var j in jobs)
        {
            var job = j.Job;
            Add(RecipeNode(job.RecipeHash));
            Edge("job:" + job.Id, "recipe:" + job.RecipeHash, "recipe");

            // The chain is base first, ending with the job's recipe: each version extends the one before it.
            var chain = job.Chain.Count > 0 && job.Chain[^1] == job.RecipeHash ? job.Chain : [.. job.Chain, job.RecipeHash];
            for (var i = chain.Count - 1; i > 0; i--)
            {
                Add(RecipeNode(chain[i - 1]));
                Edge("recipe:" + chain[i], "recipe:" + chain[i - 1], "extends");
            }

            foreach (var d in job.Datasets)
            {
                var id = $"dataset:{d.Name}@{d.Hash}";
                Add(new GraphNode(id, GraphNodeKind.Dataset, $"{d.Name}@{d.Hash[..Math.Min(8, d.Hash.Length)]}", null));
                Edge("job:" + job.Id, id, "dataset");
            }
        }

        foreach (var j in jobs)
        {
            if (j.Job.ParentId is { } parent && nodes.ContainsKey("job:" + parent))
            {
                Edge("job:" + parent, "job:" + j.Job.Id, "parent");
            }
        }

        return ([.. nodes.Values], [.. edges]);
    }

    /// <summary><c>--compare A B</c>'s one diff, else each job against its parent (when the store has the parent), in the jobs' order.</summary>
    private static ReportDiff[] Diffs(ILineageStore store, IReadOnlyList<ReportJob> jobs, ReportRequest request)
    {
        if (request.Compare is { } compare)
        {
            var left = JobRules.Resolve(store, compare.Left);
            var right = JobRules.Resolve(store, compare.Right);
            return Diff(store, left, right, ReportDiffKind.Compare, request.Rules) is { } d ? [d] : [];
        }

        return [.. jobs
            .Where(j => j.Job.ParentId is not null)
            .Select(j => store.GetJob(j.Job.ParentId!) is { } parent ? Diff(store, parent, j.Job, ReportDiffKind.Parent, request.Rules) : null)
            .OfType<ReportDiff>()];
    }

    private static ReportDiff? Diff(ILineageStore store, JobRecord left, JobRecord right, ReportDiffKind kind, SeverityRules rules)
    {
        if (store.GetConfig(left.ConfigHash) is not { } a || store.GetConfig(right.ConfigHash) is not { } b)
        {
            return null;
        }

        var changes = ConfigDiff.Compare(JsonNode.Parse(a), JsonNode.Parse(b), rules);
        return new ReportDiff(left.Id, left.Name ?? left.Id, right.Id, right.Name ?? right.Id, kind, changes);
    }
}
