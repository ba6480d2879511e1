using System.Text.Json.Nodes;
using TrainingPlatform.Core.Lineage;
using static TrainingPlatform.Tool.Output.DataFormatter;

namespace TrainingPlatform.Tool.Output;

/// <summary>Text (a tree) and JSON for <c>trainplat lineage</c>.</summary>
internal static class LineageFormatter
{
    public static void WriteTrace(TextWriter output, JobLineage trace, TextFormat format)
    {
        if (format == TextFormat.Json)
        {
            output.WriteLine(JsonText.Write(TraceJson(trace)));
            return;
        }

        var j = trace.Job;
        output.WriteLine(TerminalText.Escape($"job {j.Id}{(j.Name is null ? "" : $" \"{j.Name}\"")}  {JobStatuses.Name(j.Status)}  {Time(j.Created)}"));
        WriteBranches(output, trace, "");
    }

    private static void WriteBranches(TextWriter output, JobLineage trace, string indent)
    {
        var j = trace.Job;
        var items = new List<(string Line, Action<string>? Children)>();
        var leaf = trace.Recipes.FirstOrDefault(r => r.Hash == j.RecipeHash);
        var bases = trace.Recipes.Where(r => r.Hash != j.RecipeHash).Reverse().ToArray();
        void Bases(string prefix)
        {
            for (var i = 0; i < bases.Length; i++)
            {
                var last = i == bases.Length - 1;
                output.WriteLine($"{prefix}{(last ? "└── " : "├── ")}extends  {bases[i].RecipeId}@{bases[i].Version}  sha256 {JobFormatter.Short(bases[i].Hash)}");
            }
        }

        void Datasets(string prefix)
        {
            var table = new TextTable();
            foreach (var (use, version) in trace.Datasets)
            {
                var detail = version is null ? "  (version not in the store)"
                    : Invariant($"  {(version.IsFolder ? "folder" : version.Format)}, {Bytes(version.Size)}") + (version.Samples is { } n ? Invariant($", {n:N0} samples") : "");
                table.Add(use.Role, $"{use.Name}@{JobFormatter.Short(use.Hash)}{detail}");
            }

            var lines = table.Rows();
            for (var i = 0; i < lines.Count; i++)
            {
                output.WriteLine($"{prefix}{(i == lines.Count - 1 ? "└── " : "├── ")}{lines[i]}");
            }
        }

        items.Add(($"recipe   {j.RecipeId}@{j.RecipeVersion}  sha256 {JobFormatter.Short(j.RecipeHash)}{(leaf is null ? "  (text not in the store)" : "")}", bases.Length == 0 ? null : Bases));
        var cluster = Invariant($"{j.ModelSize}, {j.Gpus} GPU{Plural(j.Gpus)}") + (j.Sets.Count > 0 ? "; " + string.Join(" ", j.Sets.Select(s => "--set " + s)) : "");
        items.Add(($"config   sha256 {JobFormatter.Short(j.ConfigHash)}  ({cluster})", null));
        items.Add(trace.Datasets.Count == 0 ? ("datasets none recorded", null) : ("datasets", Datasets));
        items.Add((j.Git is { } g ? $"git      {JobFormatter.Short(g.Commit)}{(g.Branch is null ? "" : $" ({g.Branch})")}{(g.Dirty ? "  dirty: uncommitted changes" : "")}" : "git      not in a git repository", null));
        if (j.Metrics.Count > 0)
        {
            var points = j.Metrics.Sum(m => m.Count);
            items.Add((Invariant($"metrics  {j.Metrics.Count} metric{Plural(j.Metrics.Count)}, {points:N0} point{Plural(points)}: ") +
                string.Join(", ", j.Metrics.Take(4).Select(m => Invariant($"{m.Name} {JobFormatter.Value(m.Last)} at step {m.LastStep:N0}"))) + (j.Metrics.Count > 4 ? ", …" : ""), null));
        }

        if (trace.Parent is { } parent)
        {
            var p = parent.Job;
            items.Add(($"parent   job {p.Id}{(p.Name is null ? "" : $" \"{p.Name}\"")}  {JobStatuses.Name(p.Status)}  {Time(p.Created)}", prefix => WriteBranches(output, parent, prefix)));
        }
        else if (trace.MissingParent is { } missing)
        {
            items.Add(($"parent   job {missing}  (not in this store: deleted, or not imported)", null));
        }

        for (var i = 0; i < items.Count; i++)
        {
            var last = i == items.Count - 1;
            output.WriteLine(indent + (last ? "└── " : "├── ") + TerminalText.Escape(items[i].Line));
            items[i].Children?.Invoke(indent + (last ? "    " : "│   "));
        }
    }

    private static JsonObject TraceJson(JobLineage t)
    {
        var o = JobFormatter.Json(t.Job, children: []);
        o.Remove("children");
        o["recipe_versions"] = new JsonArray([.. t.Recipes.Select(r => (JsonNode)new JsonObject
        {
            ["id"] = r.RecipeId,
            ["version"] = r.Version,
            ["sha256"] = r.Hash,
        })]);
        o["dataset_versions"] = new JsonArray([.. t.Datasets.Select(d => (JsonNode)new JsonObject
        {
            ["role"] = d.Use.Role,
            ["name"] = d.Use.Name,
            ["hash"] = d.Use.Hash,
            ["format"] = d.Version?.IsFolder == true ? "folder" : d.Version?.Format,
            ["size"] = d.Version?.Size,
            ["samples"] = d.Version?.Samples,
            ["in_store"] = d.Version is not null,
        })]);
        o["parent_job"] = t.Parent is { } p ? TraceJson(p) : null;
        return o;
    }

    public static void WriteDatasetUses(TextWriter output, string reference, IReadOnlyList<DatasetUse> uses, TextFormat format)
    {
        if (format == TextFormat.Json)
        {
            output.WriteLine(JsonText.Write(new JsonArray([.. uses.Select(u => (JsonNode)new JsonObject
            {
                ["job"] = u.Job.Id,
                ["status"] = JobStatuses.Name(u.Job.Status),
                ["role"] = u.Use.Role,
                ["dataset"] = u.Use.Name,
                ["hash"] = u.Use.Hash,
                ["recipe"] = $"{u.Job.RecipeId}@{u.Job.RecipeVersion}",
                ["model_size"] = u.Job.ModelSize,
                ["created"] = Iso(u.Job.Created),
            })])));
            return;
        }

        if (uses.Count == 0)
        {
            output.WriteLine(TerminalText.Escape($"No job used {reference}."));
            return;
        }

        Table(output, ["JOB", "STATUS", "ROLE", "DATASET", "RECIPE", "SIZE", "CREATED"],
            uses.Select(u => new[] { u.Job.Id, JobStatuses.Name(u.Job.Status), u.Use.Role, $"{u.Use.Name}@{JobFormatter.Short(u.Use.Hash)}", $"{u.Job.RecipeId}@{u.Job.RecipeVersion}", u.Job.ModelSize, Time(u.Job.Created) }));
        var jobs = uses.Select(u => u.Job.Id).Distinct().Count();
        output.WriteLine(Invariant($"{jobs:N0} job{Plural(jobs)} used {reference}"));
    }

    public static void WriteRecipeUses(TextWriter output, string reference, IReadOnlyList<RecipeUse> uses, TextFormat format)
    {
        if (format == TextFormat.Json)
        {
            output.WriteLine(JsonText.Write(new JsonArray([.. uses.Select(u => (JsonNode)new JsonObject
            {
                ["job"] = u.Job.Id,
                ["status"] = JobStatuses.Name(u.Job.Status),
                ["recipe"] = u.Version.RecipeId,
                ["version"] = u.Version.Version,
                ["sha256"] = u.Version.Hash,
                ["via"] = u.Direct ? null : $"{u.Job.RecipeId}@{u.Job.RecipeVersion}",
                ["links"] = new JsonArray([.. u.Links.Select(l => (JsonNode)new JsonObject
                {
                    ["link"] = RecipeDerivation.Name(l.Kind),
                    ["to"] = $"{l.To.RecipeId}@{l.To.Version}",
                })]),
                ["model_size"] = u.Job.ModelSize,
                ["created"] = Iso(u.Job.Created),
            })])));
            return;
        }

        Table(output, ["JOB", "STATUS", "VERSION", "SHA256", "VIA", "SIZE", "CREATED"],
            uses.Select(u => new[] { u.Job.Id, JobStatuses.Name(u.Job.Status), u.Version.Version, JobFormatter.Short(u.Version.Hash), Via(u), u.Job.ModelSize, Time(u.Job.Created) }));
        output.WriteLine(Invariant($"{uses.Count:N0} job{Plural(uses.Count)} used {reference}")
            + (uses.Any(u => !u.Direct) ? " (VIA: through a recipe derived from it: extends = inherits from it, copied = made from it with `recipe new --from`)" : ""));
    }

    /// <summary>
    /// The job's recipe and how it derives from the one asked about: <c>my_grpo@0.1.0 (copied)</c>, or through other recipes
    /// <c>my3@0.1.0 (extends my2, copied from my_grpo, copied)</c>.
    /// </summary>
    private static string Via(RecipeUse u) =>
        u.Direct
            ? "-"
            : $"{u.Job.RecipeId}@{u.Job.RecipeVersion} ("
              + string.Join(", ", u.Links.Select((l, i) => i == u.Links.Count - 1
                  ? RecipeDerivation.Name(l.Kind)
                  : (l.Kind == DerivationKind.Extends ? "extends " : "copied from ") + l.To.RecipeId))
              + ")";

    private static void Table(TextWriter output, string[] header, IEnumerable<string[]> rows)
    {
        var table = new TextTable(header);
        foreach (var row in rows)
        {
            table.Add(row);
        }

        table.Write(output);
    }
}
