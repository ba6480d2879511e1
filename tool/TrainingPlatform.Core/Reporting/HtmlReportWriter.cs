using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Diffing;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Yaml;

namespace TrainingPlatform.Core.Reporting;

/// <summary>
/// Writes a <see cref="ReportModel"/> as one self-contained HTML5 document (docs/report.md): one inline style sheet,
/// the charts' data as JSON scripts, one inline script at the end, and nothing fetched from anywhere. Every value from
/// the store is HTML-encoded; JSON escapes <c>&lt;</c>, <c>&gt;</c> and <c>&amp;</c>, so no name can close a script.
/// The same model gives the same bytes.
/// </summary>
public static class HtmlReportWriter
{
    private static readonly JsonWriterOptions DataJson = new() { Encoder = JavaScriptEncoder.Default };

    public static void Write(TextWriter w, ReportModel model)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(model);
        var inReport = model.Jobs.Select(j => j.Job.Id).ToHashSet(StringComparer.Ordinal);
        w.Write("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        w.Write("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        w.Write($"<meta name=\"generator\" content=\"trainplat {E(model.ToolVersion)}\">\n");
        w.Write($"<title>trainplat report: {Count(model.Jobs.Count, "job")}</title>\n");
        w.Write("<style>\n");
        w.Write(ReportStyle.Css);
        w.Write("\n</style>\n</head>\n<body>\n");
        Header(w, model);
        w.Write("<main>\n");
        Runs(w, model);
        Charts(w, model);
        Lineage(w, model);
        Diffs(w, model);
        w.Write("<section id=\"jobs\">\n<h2>Jobs</h2>\n");
        foreach (var job in model.Jobs)
        {
            Job(w, job, inReport);
        }

        w.Write("</section>\n</main>\n");
        w.Write($"<footer class=\"note\"><p>Written by trainplat {E(model.ToolVersion)} from the lineage store; everything is in this file, which makes no network request.</p></footer>\n");
        var script = ReportScript.Text;
        if (script.Contains("</script", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException("the report's script contains </script, which would end it early");
        }

        w.Write("<script>\n");
        w.Write(script);
        w.Write("\n</script>\n</body>\n</html>\n");
    }

    private static void Header(TextWriter w, ReportModel model)
    {
        w.Write("<header>\n<h1>Training report</h1>\n");
        w.Write($"<p class=\"note\">{Count(model.Jobs.Count, "job")} from <code>{E(model.StorePath)}</code>, generated <time datetime=\"{Iso(model.GeneratedAt)}\">{Iso(model.GeneratedAt)}</time> by trainplat {E(model.ToolVersion)}.</p>\n");
        w.Write("<nav><a href=\"#runs\">Runs</a><a href=\"#charts\">Metrics</a><a href=\"#lineage\">Lineage</a><a href=\"#diffs\">Config diffs</a><a href=\"#jobs\">Jobs</a></nav>\n</header>\n");
    }

    private static void Runs(TextWriter w, ReportModel model)
    {
        var table = model.Table;
        w.Write("<section id=\"runs-section\">\n<h2>Runs</h2>\n<div class=\"filters\">\n");
        w.Write("<label>Status <select id=\"filter-status\"><option value=\"\">all</option>");
        foreach (var status in model.Jobs.Select(j => j.Job.Status).Distinct().Order())
        {
            var name = JobStatuses.Name(status);
            w.Write($"<option value=\"{name}\">{name}</option>");
        }

        w.Write("</select></label>\n<label>Tag <select id=\"filter-tag\"><option value=\"\">all</option>");
        foreach (var tag in model.Jobs.SelectMany(j => j.Job.Tags).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            w.Write($"<option value=\"{E(tag)}\">{E(tag)}</option>");
        }

        w.Write("</select></label>\n</div>\n<div class=\"table-wrap\">\n<table id=\"runs\">\n<thead><tr>");
        for (var c = 0; c < table.Columns.Count; c++)
        {
            var key = table.Columns[c];
            w.Write($"<th scope=\"col\" data-key=\"{E(key.Text)}\" data-type=\"{TypeOf(table, c)}\">{E(key.Text)}</th>");
        }

        w.Write("</tr></thead>\n<tbody>\n");
        foreach (var row in table.Rows)
        {
            var job = row.Job;
            w.Write($"<tr data-job=\"{E(job.Id)}\" data-status=\"{JobStatuses.Name(job.Status)}\" data-tags=\"{E(string.Join(' ', job.Tags))}\">");
            for (var c = 0; c < table.Columns.Count; c++)
            {
                var key = table.Columns[c];
                var value = row.Values[c];
                if (key.Kind == RunKeyKind.Field && key.Path == "id")
                {
                    w.Write($"<td><a href=\"#job-{E(job.Id)}\">{E(job.Id)}</a></td>");
                    continue;
                }

                var (shown, raw) = Cell(key, value);
                var numeric = value.IsNumber ? " class=\"num\"" : "";
                w.Write(raw is null || raw == shown ? $"<td{numeric}>{E(shown)}</td>" : $"<td{numeric} data-value=\"{E(raw)}\">{E(shown)}</td>");
            }

            w.Write("</tr>\n");
        }

        w.Write("</tbody>\n</table>\n</div>\n</section>\n");
    }

    /// <summary>time for the time fields, number when every present value is one, else text.</summary>
    private static string TypeOf(RunTable table, int column)
    {
        var key = table.Columns[column];
        if (key.Kind == RunKeyKind.Field && key.Path is "created" or "updated")
        {
            return "time";
        }

        var values = table.Rows.Select(r => r.Values[column]).Where(v => v.Present).ToArray();
        return values.Length > 0 && values.All(v => v.IsNumber) ? "number" : "text";
    }

    /// <summary>The text shown (metrics to 6 significant digits, as <c>job list</c> shows them) and the raw sortable value.</summary>
    private static (string Shown, string? Raw) Cell(RunKey key, RunValue value)
    {
        if (!value.Present)
        {
            return ("-", "");
        }

        if (!value.IsNumber)
        {
            return (value.Text!, null);
        }

        var raw = double.IsFinite(value.Number) ? value.Number.ToString("R", CultureInfo.InvariantCulture) : "";
        return (key.Kind == RunKeyKind.Metric ? Number(value.Number) : raw.Replace("E", "e", StringComparison.Ordinal), raw);
    }

    private static void Charts(TextWriter w, ReportModel model)
    {
        var budget = model.Budget;
        w.Write("<section id=\"charts\">\n<h2>Metrics</h2>\n");
        if (model.Charts.Count == 0)
        {
            w.Write("<p class=\"note\">None of these jobs has logged a metric yet (<code>trainplat metrics import</code> records them).</p>\n</section>\n");
            return;
        }

        w.Write(Invariant($"<p class=\"note\">{Count(model.Charts.Count, "metric")}, {Count(budget.Series, "series", "series")}: {budget.ShownPoints:N0} of {budget.StoredPoints:N0} stored points shown. "));
        w.Write(Invariant($"Each series keeps at most {budget.PerSeries:N0} points, chosen by largest-triangle-three-buckets (the first, the last and the points that shape the curve), so that the report holds at most {budget.Total:N0} points whatever the number of metrics.</p>\n"));
        w.Write("<div class=\"charts\">\n");
        for (var i = 0; i < model.Charts.Count; i++)
        {
            Chart(w, model.Charts[i], "chart-" + i.ToString(CultureInfo.InvariantCulture));
        }

        w.Write("</div>\n</section>\n");
    }

    private static void Chart(TextWriter w, ReportChart chart, string id)
    {
        var metric = chart.Chart.Metric;
        w.Write($"<figure class=\"chart\" data-metric=\"{E(metric)}\">\n<figcaption><span>{E(metric)}</span>");
        if (chart.AllPositive)
        {
            w.Write($"<button type=\"button\" class=\"log-toggle\" aria-pressed=\"{(chart.Chart.LogY ? "true" : "false")}\">log scale</button>");
        }

        w.Write("</figcaption>\n");
        ChartSvg.Write(w, chart.Chart, id);
        w.Write("\n<ul class=\"legend\">");
        for (var s = 0; s < chart.Chart.Series.Count; s++)
        {
            var series = chart.Chart.Series[s];
            var title = Invariant($"{series.Steps.Length:N0} of {chart.StoredCounts[s]:N0} points shown");
            w.Write($"<li><button type=\"button\" class=\"c{series.Color.ToString(CultureInfo.InvariantCulture)}\" data-job=\"{E(series.JobId)}\" aria-pressed=\"true\" title=\"{title}\">{E(series.Label)}</button></li>");
        }

        w.Write("</ul>\n<div class=\"tooltip\" role=\"status\" hidden></div>\n<script type=\"application/json\" class=\"chart-data\">");
        w.Write(ChartJson(chart));
        w.Write("</script>\n</figure>\n");
    }

    /// <summary>
    /// The chart's points for the script: values at single precision (what trainers log; shortest round-trip text), a
    /// non-finite value as null. The encoder writes <c>&lt;</c>, <c>&gt;</c>, <c>&amp;</c> as <c>\u003C</c> and so on.
    /// </summary>
    private static string ChartJson(ReportChart chart)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, DataJson))
        {
            json.WriteStartObject();
            json.WriteString("metric", chart.Chart.Metric);
            json.WriteBoolean("log", chart.Chart.LogY);
            json.WriteStartArray("series");
            for (var s = 0; s < chart.Chart.Series.Count; s++)
            {
                var series = chart.Chart.Series[s];
                json.WriteStartObject();
                json.WriteString("job", series.JobId);
                json.WriteString("label", series.Label);
                json.WriteNumber("color", series.Color);
                json.WriteNumber("stored", chart.StoredCounts[s]);
                json.WriteStartArray("steps");
                foreach (var step in series.Steps)
                {
                    json.WriteNumberValue(step);
                }

                json.WriteEndArray();
                json.WriteStartArray("values");
                foreach (var v in series.Values)
                {
                    if (!double.IsFinite(v))
                    {
                        json.WriteNullValue();
                    }
                    else if (float.IsFinite((float)v))
                    {
                        json.WriteNumberValue((float)v);
                    }
                    else
                    {
                        json.WriteNumberValue(v);
                    }
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Lineage(TextWriter w, ReportModel model)
    {
        w.Write("<section id=\"lineage\">\n<h2>Lineage</h2>\n");
        w.Write("<p class=\"note\">Each job, the recipe version it ran and the base recipes that version extends, the datasets it read, and which job it was cloned from.</p>\n");
        LineageGraphSvg.Write(w, model.Nodes, model.Edges);
        w.Write("\n</section>\n");
    }

    private static void Diffs(TextWriter w, ReportModel model)
    {
        w.Write("<section id=\"diffs\">\n<h2>Config diffs</h2>\n");
        if (model.Diffs.Count == 0)
        {
            w.Write("<p class=\"note\">No job here was cloned from another recorded job; <code>trainplat report --compare A B</code> compares two jobs' configs.</p>\n");
        }

        foreach (var diff in model.Diffs)
        {
            var why = diff.Kind == ReportDiffKind.Parent ? "cloned from its parent" : "compared";
            w.Write($"<h3><a href=\"#job-{E(diff.LeftId)}\">{E(diff.LeftLabel)}</a> → <a href=\"#job-{E(diff.RightId)}\">{E(diff.RightLabel)}</a> <span class=\"note\">({why}; {Summary(diff.Changes)})</span></h3>\n");
            if (diff.Changes.Count == 0)
            {
                w.Write("<p class=\"note\">The rendered configs are the same.</p>\n");
                continue;
            }

            w.Write("<table class=\"diff\">\n<thead><tr><th scope=\"col\">severity</th><th scope=\"col\">key</th><th scope=\"col\">change</th><th scope=\"col\">before</th><th scope=\"col\">after</th></tr></thead>\n<tbody>\n");
            foreach (var change in diff.Changes)
            {
                var severity = SeverityRules.Name(change.Severity);
                w.Write($"<tr class=\"sev-{severity}\"><td>{severity}</td><td><code>{E(change.Path)}</code></td><td>{change.KindName}</td>");
                w.Write($"<td><code>{(change.Kind == ChangeKind.Added ? "" : E(Value(change.Old)))}</code></td><td><code>{(change.Kind == ChangeKind.Removed ? "" : E(Value(change.New)))}</code></td></tr>\n");
            }

            w.Write("</tbody>\n</table>\n");
        }

        w.Write("</section>\n");
    }

    private static string Summary(IReadOnlyList<Change> changes) =>
        Count(changes.Count, "change") + (changes.Count == 0 ? "" : ": " + string.Join(", ",
            new[] { Schema.Importance.Critical, Schema.Importance.Important, Schema.Importance.Minor }
                .Select(s => (s, n: changes.Count(c => c.Severity == s))).Where(x => x.n > 0)
                .Select(x => x.n.ToString(CultureInfo.InvariantCulture) + " " + SeverityRules.Name(x.s))));

    /// <summary>A value on one line, as <c>diff</c> shows it: YAML flow style.</summary>
    private static string Value(JsonNode? node) => node switch
    {
        JsonObject o => "{" + string.Join(", ", o.Select(p => YamlText.String(p.Key) + ": " + Value(p.Value))) + "}",
        JsonArray a => "[" + string.Join(", ", a.Select(Value)) + "]",
        _ => YamlText.Scalar(node),
    };

    private static void Job(TextWriter w, ReportJob r, HashSet<string> inReport)
    {
        var j = r.Job;
        var status = JobStatuses.Name(j.Status);
        w.Write($"<section id=\"job-{E(j.Id)}\" class=\"job\">\n");
        w.Write($"<h3><span class=\"swatch c{r.Color.ToString(CultureInfo.InvariantCulture)}\"></span>{(j.Name is null ? $"<code>{E(j.Id)}</code>" : $"{E(j.Name)} <code>{E(j.Id)}</code>")} <span class=\"status status-{status}\">{status}</span></h3>\n");
        w.Write("<ol class=\"timeline\">");
        TimelineItem(w, "created", j.Created);
        TimelineItem(w, "started", j.Started);
        TimelineItem(w, "finished", j.Finished);
        if (j.Started is { } start && j.Finished is { } end)
        {
            w.Write($"<li class=\"muted\">took {E(Duration(end - start))}</li>");
        }

        w.Write("</ol>\n<dl class=\"facts\">\n");
        Fact(w, "recipe", $"{E(j.RecipeId)}@{E(j.RecipeVersion)} <code title=\"sha256:{E(j.RecipeHash)}\">sha256 {E(Short(j.RecipeHash))}</code>");
        foreach (var recipe in r.Recipes.Where(x => x.Hash != j.RecipeHash).Reverse())
        {
            Fact(w, "extends", $"{E(recipe.RecipeId)}@{E(recipe.Version)} <code title=\"sha256:{E(recipe.Hash)}\">sha256 {E(Short(recipe.Hash))}</code>");
        }

        Fact(w, "task", E(j.Algorithm == j.Task ? j.Task : $"{j.Task} ({j.Algorithm})"));
        Fact(w, "model", E(j.Model is null ? "size " + j.ModelSize : Invariant($"{j.Model} ({j.Parameters / 1e9:0.##}B parameters)")));
        var perNode = j.Nodes > 0 ? j.Gpus / j.Nodes : j.Gpus;
        Fact(w, "cluster", E(Invariant($"{Count(j.Gpus, "GPU")} on {Count(j.Nodes, "node")} ({perNode} per node)")));
        Fact(w, "config", $"<code title=\"sha256:{E(j.ConfigHash)}\">sha256 {E(Short(j.ConfigHash))}</code>" +
            (j.Sets.Count > 0 ? " with " + string.Join(" ", j.Sets.Select(s => $"<code>--set {E(s)}</code>")) : ""));
        Fact(w, "datasets", r.Datasets.Count == 0 ? "<span class=\"muted\">none recorded</span>" :
            "<ul>" + string.Concat(r.Datasets.Select(d => $"<li>{E(d.Role)}: {E(d.Name)}@<code title=\"{E(d.Hash)}\">{E(Short(d.Hash))}</code>" +
                (d.Samples is { } n ? Invariant($" ({n:N0} sample{(n == 1 ? "" : "s")})") : " <span class=\"muted\">(sample count not recorded)</span>") + "</li>")) + "</ul>");
        Fact(w, "git", j.Git is { } g
            ? $"<code>{E(g.Commit)}</code>" + (g.Branch is null ? "" : $" ({E(g.Branch)})") + (g.Dirty ? " <strong>dirty</strong>: uncommitted changes" : "")
            : "<span class=\"muted\">not in a git repository</span>");
        Fact(w, "parent", j.ParentId is not { } parent ? "<span class=\"muted\">none</span>"
            : inReport.Contains(parent) ? $"<a href=\"#job-{E(parent)}\">{E(parent)}</a>" : $"<code>{E(parent)}</code> <span class=\"muted\">(not in this report)</span>");
        if (r.Children.Count > 0)
        {
            Fact(w, "clones", string.Join(", ", r.Children.Select(c => inReport.Contains(c) ? $"<a href=\"#job-{E(c)}\">{E(c)}</a>" : $"<code>{E(c)}</code>")));
        }

        if (j.Tags.Count > 0)
        {
            Fact(w, "tags", E(string.Join(", ", j.Tags)));
        }

        Fact(w, "recorded by", E($"{j.User} on {j.Host} (trainplat {j.ToolVersion})"));
        w.Write("</dl>\n");

        w.Write("<h4>Pre-flight findings</h4>\n");
        if (r.Findings.Count == 0)
        {
            w.Write("<p class=\"muted\">None: the job was created with no pre-flight error.</p>\n");
        }
        else
        {
            w.Write("<p>Pre-flight errors accepted with <code>--force</code>:</p>\n<table class=\"findings\">\n<thead><tr><th scope=\"col\">code</th><th scope=\"col\">key</th><th scope=\"col\">message</th></tr></thead>\n<tbody>\n");
            foreach (var f in r.Findings)
            {
                w.Write($"<tr class=\"sev-critical\"><td><code>{E(f.Code)}</code></td><td>{(f.Path is null ? "" : $"<code>{E(f.Path)}</code>")}</td><td>{E(f.Message)}</td></tr>\n");
            }

            w.Write("</tbody>\n</table>\n");
        }

        Memory(w, r.Memory);
        History(w, j);
        Metrics(w, j);

        w.Write($"<details class=\"config\"><summary>Rendered config <code>sha256 {E(Short(j.ConfigHash))}</code></summary>\n");
        w.Write(r.ConfigJson is { } config ? $"<pre><code>{E(config)}</code></pre>\n" : "<p class=\"muted\">The store lacks this config.</p>\n");
        w.Write("</details>\n</section>\n");
    }

    private static void TimelineItem(TextWriter w, string what, DateTimeOffset? time) =>
        w.Write(time is { } t ? $"<li>{what} <time datetime=\"{Iso(t)}\">{Iso(t)}</time></li>" : $"<li class=\"missing\">not {what}</li>");

    private static void Fact(TextWriter w, string name, string html) => w.Write($"<dt>{name}</dt><dd>{html}</dd>\n");

    private static void Memory(TextWriter w, ReportMemory? m)
    {
        w.Write("<h4>Memory estimate</h4>\n");
        if (m is null)
        {
            w.Write("<p class=\"muted\">None recorded with this job.</p>\n");
            return;
        }

        var verdict = m.Fits switch
        {
            true => "<span class=\"fits-yes\">fits</span>",
            false => "<span class=\"fits-no\">does not fit</span>",
            null => "",
        };
        w.Write($"<p>{(m.TotalGb is { } total ? Invariant($"{total:0.##} GB per GPU") : "")}{(m.GpuMemoryGb is { } gpu ? Invariant($" of {gpu:0.##} GB") : "")} {verdict}{(m.Precision is { } p ? $" <span class=\"muted\">({E(p)})</span>" : "")}</p>\n");
        if (m.Terms.Count > 0)
        {
            w.Write("<table class=\"memory\">\n<thead><tr><th scope=\"col\">term</th><th scope=\"col\" data-type=\"number\">GB</th><th scope=\"col\">formula</th></tr></thead>\n<tbody>\n");
            foreach (var t in m.Terms)
            {
                w.Write(Invariant($"<tr><td>{E(t.Name)}</td><td class=\"num\">{t.Gb:0.00}</td><td><code>{E(t.Formula)}</code></td></tr>\n"));
            }

            w.Write("</tbody>\n</table>\n");
        }

        if (m.Notes.Count > 0)
        {
            w.Write("<ul class=\"notes\">" + string.Concat(m.Notes.Select(n => $"<li>{E(n)}</li>")) + "</ul>\n");
        }
    }

    private static void History(TextWriter w, JobRecord j)
    {
        if (j.Events.Count == 0)
        {
            return;
        }

        w.Write("<h4>History</h4>\n<table class=\"history\">\n<tbody>\n");
        foreach (var e in j.Events)
        {
            w.Write($"<tr><td><time datetime=\"{Iso(e.Time)}\">{Iso(e.Time)}</time></td><td>{JobStatuses.Name(e.Status)}</td><td>{E(e.Note ?? "")}</td></tr>\n");
        }

        w.Write("</tbody>\n</table>\n");
    }

    private static void Metrics(TextWriter w, JobRecord j)
    {
        if (j.Metrics.Count == 0)
        {
            return;
        }

        w.Write("<h4>Metrics</h4>\n<table class=\"metrics\">\n<thead><tr><th scope=\"col\">metric</th><th scope=\"col\">points</th><th scope=\"col\">last</th><th scope=\"col\">at step</th><th scope=\"col\">min</th><th scope=\"col\">max</th></tr></thead>\n<tbody>\n");
        foreach (var m in j.Metrics)
        {
            w.Write(Invariant($"<tr><td>{E(m.Name)}</td><td class=\"num\">{m.Count:N0}</td><td class=\"num\">{Number(m.Last)}</td><td class=\"num\">{m.LastStep:N0}</td><td class=\"num\">{Number(m.Min)}</td><td class=\"num\">{Number(m.Max)}</td></tr>\n"));
        }

        w.Write("</tbody>\n</table>\n");
    }

    /// <summary>HTML-encodes a value for text or a quoted attribute.</summary>
    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string Number(double v) =>
        double.IsNaN(v) ? "NaN" : double.IsInfinity(v) ? (v > 0 ? "inf" : "-inf") : v.ToString("G6", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Short(string hash) => hash[..Math.Min(12, hash.Length)];

    private static string Count(long n, string one, string? many = null) => Invariant($"{n:N0} ") + (n == 1 ? one : many ?? one + "s");

    private static string Duration(TimeSpan d) =>
        d.TotalDays >= 1 ? Invariant($"{(int)d.TotalDays}d {d.Hours}h {d.Minutes:00}m")
        : d.TotalHours >= 1 ? Invariant($"{(int)d.TotalHours}h {d.Minutes:00}m")
        : d.TotalMinutes >= 1 ? Invariant($"{(int)d.TotalMinutes}m {d.Seconds:00}s")
        : Invariant($"{d.Seconds}s");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
