using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Recipes;
using static TrainingPlatform.Tool.Output.DataFormatter;

namespace TrainingPlatform.Tool.Output;

/// <summary>Text and JSON for the <c>job</c> commands. Deterministic: invariant numbers, UTC times, fixed key order.</summary>
internal static class JobFormatter
{
    public static string Short(string hash) => hash.Length > 12 ? hash[..12] : hash;

    public static string Created(JobRecord j)
    {
        var sb = new StringBuilder();
        sb.Append(Invariant($"recorded job {j.Id} (pending): {j.RecipeId}@{j.RecipeVersion} at {j.ModelSize} on {j.Gpus} GPU{Plural(j.Gpus)}; config {Short(j.ConfigHash)}"));
        if (j.Datasets.Count > 0)
        {
            sb.Append("; datasets ").Append(string.Join(", ", j.Datasets.Select(d => $"{d.Role}={d.Name}@{Short(d.Hash)}")));
        }

        if (j.Git is { } g)
        {
            sb.Append("; git ").Append(Short(g.Commit)).Append(g.Dirty ? " (dirty)" : "");
        }

        if (j.ParentId is not null)
        {
            sb.Append("; parent ").Append(j.ParentId);
        }

        return sb.ToString();
    }

    /// <param name="more">More jobs match than are shown (<c>--limit</c>).</param>
    public static void WriteList(TextWriter output, IReadOnlyList<JobRecord> jobs, bool more, TableFormat format)
    {
        var shown = jobs;
        if (format == TableFormat.Json)
        {
            output.WriteLine(JsonText.Write(new JsonArray([.. shown.Select(j => (JsonNode)Summary(j))])));
            return;
        }

        if (jobs.Count == 0)
        {
            output.WriteLine("No jobs match.");
            return;
        }

        var table = new TextTable("ID", "STATUS", "RECIPE", "SIZE", "MODEL", "GPUS", "CREATED", "NAME");
        foreach (var j in shown)
        {
            table.Add(j.Id, JobStatuses.Name(j.Status), $"{j.RecipeId}@{j.RecipeVersion}", SizeOf(j), j.Model ?? "",
                j.Gpus.ToString(CultureInfo.InvariantCulture), Time(j.Created), j.Name ?? "");
        }

        table.Write(output);
        output.WriteLine(more
            ? Invariant($"the newest {shown.Count:N0} jobs; more match (--limit N or --limit 0 shows more)")
            : Invariant($"{jobs.Count:N0} job{Plural(jobs.Count)}"));
    }

    /// <summary>The size a job's SIZE column shows: as given, or the size its model's name states (else its parameter count), never the name.</summary>
    private static string SizeOf(JobRecord j) =>
        j.Model is null ? j.ModelSize
        : ModelSize.NominalIn(j.Model)?.Text ?? (j.Parameters / 1e9).ToString(j.Parameters >= 1e11 ? "0" : "0.##", CultureInfo.InvariantCulture) + "B";

    /// <summary>The fields of <c>job list --format json</c>.</summary>
    private static JsonObject Summary(JobRecord j) => new()
    {
        ["id"] = j.Id,
        ["name"] = j.Name,
        ["status"] = JobStatuses.Name(j.Status),
        ["recipe"] = j.RecipeId,
        ["recipe_version"] = j.RecipeVersion,
        ["task"] = j.Task,
        ["algorithm"] = j.Algorithm,
        ["model"] = j.Model,
        ["model_size"] = j.ModelSize,
        ["parameters"] = j.Parameters,
        ["gpus"] = j.Gpus,
        ["created"] = Iso(j.Created),
        ["tags"] = JsonText.Array(j.Tags),
    };

    public static JsonObject Json(JobRecord j, IReadOnlyList<JobRecord> children) => new()
    {
        ["id"] = j.Id,
        ["name"] = j.Name,
        ["status"] = JobStatuses.Name(j.Status),
        ["tags"] = JsonText.Array(j.Tags),
        ["recipe"] = new JsonObject
        {
            ["id"] = j.RecipeId,
            ["version"] = j.RecipeVersion,
            ["sha256"] = j.RecipeHash,
            ["chain"] = JsonText.Array(j.Chain),
        },
        ["task"] = j.Task,
        ["algorithm"] = j.Algorithm,
        ["model"] = j.Model,
        ["model_size"] = j.ModelSize,
        ["parameters"] = j.Parameters,
        ["gpus"] = j.Gpus,
        ["nodes"] = j.Nodes,
        ["config_sha256"] = j.ConfigHash,
        ["sets"] = JsonText.Array(j.Sets),
        ["datasets"] = new JsonArray([.. j.Datasets.Select(d => (JsonNode)new JsonObject
        {
            ["role"] = d.Role,
            ["name"] = d.Name,
            ["algorithm"] = d.Algorithm,
            ["hash"] = d.Hash,
        })]),
        ["git"] = j.Git is { } g ? new JsonObject { ["commit"] = g.Commit, ["dirty"] = g.Dirty, ["branch"] = g.Branch } : null,
        ["parent"] = j.ParentId,
        ["children"] = JsonText.Array(children.Select(c => c.Id).Order(StringComparer.Ordinal)),
        ["forced"] = JsonText.Array(j.Forced),
        ["memory"] = j.MemoryJson is { } memory ? JsonNode.Parse(memory) : null,
        ["user"] = j.User,
        ["host"] = j.Host,
        ["tool_version"] = j.ToolVersion,
        ["created"] = Iso(j.Created),
        ["started"] = j.Started is { } s ? Iso(s) : null,
        ["finished"] = j.Finished is { } f ? Iso(f) : null,
        ["updated"] = Iso(j.Updated),
        ["events"] = new JsonArray([.. j.Events.Select(e => (JsonNode)new JsonObject
        {
            ["time"] = Iso(e.Time),
            ["status"] = JobStatuses.Name(e.Status),
            ["note"] = e.Note,
        })]),
        ["metrics"] = new JsonArray([.. j.Metrics.Select(m => (JsonNode)MetricJson(m))]),
    };

    public static JsonObject MetricJson(MetricSummary m) => new()
    {
        ["name"] = m.Name,
        ["count"] = m.Count,
        ["first"] = Number(m.First),
        ["first_step"] = m.FirstStep,
        ["last"] = Number(m.Last),
        ["last_step"] = m.LastStep,
        ["min"] = Number(m.Min),
        ["min_step"] = m.MinStep,
        ["max"] = Number(m.Max),
        ["max_step"] = m.MaxStep,
    };

    /// <summary>A JSON number, or the strings "NaN"/"Infinity"/"-Infinity" (JSON has no such numbers).</summary>
    public static JsonNode? Number(double v) => double.IsFinite(v) ? JsonValue.Create(v) : JsonValue.Create(double.IsNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");

    /// <summary>Metric values for people: up to 6 significant digits, invariant.</summary>
    public static string Value(double v) =>
        double.IsNaN(v) ? "NaN" : double.IsInfinity(v) ? (v > 0 ? "inf" : "-inf") : v.ToString("G6", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);

    /// <summary><c>job create</c> and <c>job clone</c>: the id on stdout (for scripts) and what was recorded on stderr, or the job as JSON.</summary>
    public static void WriteCreatedId(TextWriter output, JobRecord job, TextFormat format) =>
        output.WriteLine(format == TextFormat.Json ? JsonText.Write(Json(job, children: [])) : job.Id);

    /// <summary><c>job import</c>: every bad line of the export as FILE:LINE: problem, on stderr.</summary>
    public static void WriteImportProblems(TextWriter error, string file, IEnumerable<ExchangeProblem> problems)
    {
        foreach (var p in problems)
        {
            error.WriteLine(TerminalText.Escape(Invariant($"{file}:{p.Line}: {p.Message}")));
        }
    }

    /// <summary><c>job create</c>'s summary for people, on stderr (text format only).</summary>
    public static void WriteCreatedSummary(TextWriter error, JobRecord job, TextFormat format)
    {
        if (format != TextFormat.Json)
        {
            error.WriteLine(TerminalText.Escape(Created(job)));
        }
    }

    /// <summary><c>job update</c>: the status change (or the note), or the job as JSON.</summary>
    public static void WriteUpdated(TextWriter output, JobRecord before, JobRecord updated, TextFormat format)
    {
        if (format == TextFormat.Json)
        {
            output.WriteLine(JsonText.Write(Json(updated, children: [])));
            return;
        }

        output.WriteLine(before.Status == updated.Status
            ? $"job {updated.Id}: note added ({JobStatuses.Name(updated.Status)})"
            : $"job {updated.Id}: {JobStatuses.Name(before.Status)} → {JobStatuses.Name(updated.Status)}");
    }

    public static void WriteDeleted(TextWriter output, JobRecord job, long deletedPoints, int children) =>
        output.WriteLine(Invariant($"deleted job {job.Id} and {deletedPoints:N0} metric points") +
            (children > 0 ? $"; {children} clone{(children == 1 ? "" : "s")} still name it as parent" : ""));

    /// <summary>"exported 3 jobs and 1,200 metric points to jobs.jsonl" (stderr, after writing the file).</summary>
    public static string Exported(LineageBundle bundle, string file) =>
        Invariant($"exported {bundle.Jobs.Count:N0} job{(bundle.Jobs.Count == 1 ? "" : "s")} and {bundle.Metrics.Sum(m => (long)m.Points.Count):N0} metric points to {file}");


    public static void WriteShow(TextWriter output, JobRecord j, IReadOnlyList<RecipeVersionRecord> recipes, IReadOnlyList<JobRecord> children, TextFormat format)
    {
        if (format == TextFormat.Json)
        {
            output.WriteLine(JsonText.Write(Json(j, children)));
            return;
        }

        WriteShowText(output, j, recipes, children);
    }

    private static void WriteShowText(TextWriter output, JobRecord j, IReadOnlyList<RecipeVersionRecord> recipes, IReadOnlyList<JobRecord> children)
    {
        output.WriteLine("job " + j.Id + (j.Name is null ? "" : $"  \"{TerminalText.Escape(j.Name)}\""));
        Field(output, "status", JobStatuses.Name(j.Status) + Timing(j));
        Field(output, "recipe", $"{j.RecipeId}@{j.RecipeVersion}  sha256 {Short(j.RecipeHash)}");
        foreach (var r in recipes.Where(r => r.Hash != j.RecipeHash))
        {
            Field(output, "extends", $"{r.RecipeId}@{r.Version}  sha256 {Short(r.Hash)}");
        }

        Field(output, "task", j.Algorithm == j.Task ? j.Task : $"{j.Task} ({j.Algorithm})");
        Field(output, "model", j.Model is null ? j.ModelSize : $"{j.Model} ({SizeOf(j.Parameters)})");
        Field(output, "cluster", Invariant($"{j.Gpus} GPU{Plural(j.Gpus)} on {j.Nodes} node{Plural(j.Nodes)}"));
        Field(output, "config", "sha256 " + Short(j.ConfigHash) + (j.Sets.Count > 0 ? "  with " + string.Join(" ", j.Sets.Select(s => "--set " + s)) : ""));
        if (j.Datasets.Count == 0)
        {
            Field(output, "datasets", "none recorded");
        }

        var datasets = new TextTable();
        foreach (var d in j.Datasets)
        {
            datasets.Add(d.Role, $"{d.Name}@{Short(d.Hash)}");
        }

        var lines = datasets.Rows();
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            if (i == 0)
            {
                Field(output, "datasets", line);
            }
            else
            {
                output.WriteLine("            " + line);
            }
        }

        Field(output, "git", j.Git is { } g ? g.Commit + (g.Branch is null ? "" : $" ({g.Branch})") + (g.Dirty ? " dirty: uncommitted changes" : "") : "not in a git repository");
        if (j.ParentId is not null)
        {
            Field(output, "parent", j.ParentId);
        }

        if (children.Count > 0)
        {
            Field(output, "clones", string.Join(", ", children.Select(c => c.Id).Order(StringComparer.Ordinal)));
        }

        if (j.Tags.Count > 0)
        {
            Field(output, "tags", string.Join(", ", j.Tags));
        }

        foreach (var forced in j.Forced)
        {
            Field(output, "forced", forced);
        }

        Field(output, "created", $"{Time(j.Created)} by {j.User} on {j.Host} (trainplat {j.ToolVersion})");
        output.WriteLine("  history:");
        var history = new TextTable { Indent = "    ", MinWidths = [0, 9] };
        foreach (var e in j.Events)
        {
            history.Add(Time(e.Time), JobStatuses.Name(e.Status), e.Note ?? "");
        }

        history.Write(output);

        if (j.Metrics.Count == 0)
        {
            Field(output, "metrics", "none logged");
            return;
        }

        output.WriteLine("  metrics:");
        var metrics = new TextTable { Indent = "    " };
        foreach (var m in j.Metrics)
        {
            metrics.Add(m.Name, Invariant($"{m.Count:N0} point{Plural(m.Count)}, last {Value(m.Last)} at step {m.LastStep:N0}, min {Value(m.Min)}, max {Value(m.Max)}"));
        }

        metrics.Write(output);
    }

    private static string Timing(JobRecord j)
    {
        if (j.Started is { } start && j.Finished is { } end)
        {
            return $"  (started {Time(start)}, finished {Time(end)}, took {Duration(end - start)})";
        }

        if (j.Started is { } s)
        {
            return $"  (started {Time(s)})";
        }

        return j.Finished is { } f ? $"  (ended {Time(f)})" : "";
    }

    public static string Duration(TimeSpan d) =>
        d.TotalDays >= 1 ? Invariant($"{(int)d.TotalDays}d {d.Hours}h {d.Minutes:00}m")
        : d.TotalHours >= 1 ? Invariant($"{(int)d.TotalHours}h {d.Minutes:00}m")
        : d.TotalMinutes >= 1 ? Invariant($"{(int)d.TotalMinutes}m {d.Seconds:00}s")
        : Invariant($"{d.TotalSeconds:0.###}s");

    public static string SizeOf(double parameters) =>
        parameters >= 1e9 ? (parameters / 1e9).ToString("0.##", CultureInfo.InvariantCulture) + "B" : (parameters / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + "M";

    public static void WriteImport(TextWriter output, string file, ImportCounts c, TextFormat format)
    {
        if (format == TextFormat.Json)
        {
            output.WriteLine(JsonText.Write(new JsonObject
            {
                ["file"] = file,
                ["jobs_added"] = c.JobsAdded,
                ["jobs_updated"] = c.JobsUpdated,
                ["jobs_unchanged"] = c.JobsUnchanged,
                ["recipe_versions_added"] = c.RecipesAdded,
                ["configs_added"] = c.ConfigsAdded,
                ["dataset_versions_added"] = c.DatasetsAdded,
                ["points_added"] = c.PointsAdded,
            }));
            return;
        }

        output.WriteLine(Invariant($"imported {file}: {c.JobsAdded:N0} job{Plural(c.JobsAdded)} added, {c.JobsUpdated:N0} updated (newer copy), {c.JobsUnchanged:N0} unchanged; ") +
            Invariant($"{c.RecipesAdded:N0} recipe version{Plural(c.RecipesAdded)}, {c.ConfigsAdded:N0} config{Plural(c.ConfigsAdded)}, {c.DatasetsAdded:N0} dataset version{Plural(c.DatasetsAdded)} and {c.PointsAdded:N0} metric point{Plural(c.PointsAdded)} added"));
    }
}
