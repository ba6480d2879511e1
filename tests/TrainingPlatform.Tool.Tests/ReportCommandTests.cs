using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Dom.Events;
using AngleSharp.Html.Parser;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>
/// <c>trainplat report</c> (issue 19): the HTML is valid HTML5 with nothing fetched from anywhere, every store value is
/// text, the bytes are the same for the same store, the size stays bounded, and the errors say what to do.
/// </summary>
public sealed class ReportCommandTests
{
    private const string Hostile = "<img src=x onerror=alert(1)>";
    private const string HostileMetric = "</script>";
    private const string GeneratedAt = "2026-12-01T12:00:00Z";
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    /// <summary>A CSS <c>url(…)</c> that is not a fragment of this document (<c>url(#arrow)</c> is).</summary>
    private static readonly Regex ExternalUrl = new(@"url\(\s*(?!['""]?#)", RegexOptions.IgnoreCase);

    /// <summary>
    /// Three jobs in a copy of examples/, pinned ids: "base" (named <see cref="Hostile"/>, tag nightly, metrics loss, reward
    /// and <see cref="HostileMetric"/>), its clone "lr-5e-6" (another learning rate; loss, reward), and an sft_chat job
    /// (loss); base succeeded, its clone is running, chat is pending. Each metric of a job has <paramref name="steps"/> points.
    /// Returns the ids in that order.
    /// </summary>
    private static string[] ThreeJobs(string folder, int steps)
    {
        string Run(DateTimeOffset at, int seed, params string[] args)
        {
            var r = CliRun.Pinned(folder, at, seed, args);
            Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
            return r.Out.Trim();
        }

        var a = Run(T0, 1, "job", "create", "grpo_math_small", "-s", "7B", "--name", Hostile, "--tag", "nightly", "-d", "train=data/train.jsonl");
        var b = Run(T0.AddMinutes(1), 2, "job", "clone", a, "--name", "lr-5e-6", "--set", "optimizer.learning_rate=5e-6");
        var c = Run(T0.AddMinutes(2), 3, "job", "create", "sft_chat", "-s", "8B", "--name", "chat");
        Run(T0.AddMinutes(5), 4, "job", "update", a, "--status", "running");
        Run(T0.AddHours(4), 5, "job", "update", a, "--status", "succeeded", "--note", "done");
        Run(T0.AddMinutes(6), 6, "job", "update", b, "--status", "running");
        using (var store = LineageStore.Open(Path.Combine(folder, ".trainplat", "lineage.db"), new StoreOpenOptions(TimeProvider.System) { ToolVersion = "0.0.0" }))
        {
            Append(store, a, T0.AddHours(1), steps, "loss", "reward", HostileMetric);
            Append(store, b, T0.AddHours(2), steps, "loss", "reward");
            Append(store, c, T0.AddHours(3), steps, "loss");
        }

        return [a, b, c];
    }

    /// <summary>Points at steps 0…count-1 of smooth curves with a little deterministic noise, written straight to the store (fast).</summary>
    private static void Append(LineageStore store, string job, DateTimeOffset at, int count, params string[] names)
    {
        var points = new List<MetricPoint>(count * names.Length);
        for (var n = 0; n < names.Length; n++)
        {
            for (var s = 0; s < count; s++)
            {
                var noise = 0.05 * Math.Sin((s * 12.9898) + (n * 78.233));
                points.Add(new MetricPoint(s, names[n], (2.0 / (1 + (s / 100.0))) + noise + n, at.AddMilliseconds(s)));
            }
        }

        store.AppendMetrics(job, points, null, at.AddHours(1));
    }

    private static CliResult Report(string folder, params string[] args) =>
        CliRun.Pinned(folder, T0.AddDays(1), 9, ["report", .. args, "--generated-at", GeneratedAt]);

    private static (IHtmlDocument Document, List<string> Errors) Parse(string html)
    {
        var errors = new List<string>();
        var parser = new HtmlParser();
        parser.Error += (_, e) =>
        {
            var error = (HtmlErrorEvent)e;
            errors.Add($"{error.Position.Line}:{error.Position.Column}: {error.Message}");
        };
        return (parser.ParseDocument(html), errors);
    }

    /// <summary>Tag names, ids and classes, indented: the structure without the data (an svg, style or script counts, not what is in it).</summary>
    private static string Skeleton(IDocument document)
    {
        var text = new StringBuilder();
        void Walk(IElement e, int depth)
        {
            text.Append(' ', depth * 2).Append(e.LocalName);
            if (e.LocalName == "svg")
            {
                // Drawn by ChartSvg and LineageGraphSvg: its own tests check what is inside.
                text.Append('\n');
                return;
            }

            if (!string.IsNullOrEmpty(e.Id))
            {
                text.Append('#').Append(e.Id);
            }

            foreach (var c in e.ClassList)
            {
                text.Append('.').Append(c);
            }

            foreach (var name in new[] { "data-key", "data-type", "data-metric", "data-status", "type" })
            {
                if (e.GetAttribute(name) is { } value)
                {
                    text.Append(CultureInfo.InvariantCulture, $" [{name}={value}]");
                }
            }

            text.Append('\n');
            if (e.LocalName is not ("style" or "script"))
            {
                foreach (var child in e.Children)
                {
                    Walk(child, depth + 1);
                }
            }
        }

        Walk(document.DocumentElement, 0);
        return text.ToString();
    }

    // Pinned clock and seeded ids (golden ids): in-process only.
    [Fact]
    [Trait(ToolBuild.Trait, ToolBuild.InProcessOnly)]
    public void The_skeleton_of_a_report_of_three_jobs_golden()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        ThreeJobs(temp.Path, 300);
        var r = Report(temp.Path, "--all", "--log-scale", "loss", "-o", "report.html");
        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        Assert.Equal("", r.Out);
        Assert.Matches(@"^wrote report\.html: 3 jobs, 3 charts \(1,800 of 1,800 points\), [\d,]+ bytes\n$", r.Error);
        var (document, _) = Parse(File.ReadAllText(Path.Combine(temp.Path, "report.html")));
        Approvals.Verify(Skeleton(document), "report_skeleton_three_jobs");
    }

    [Fact]
    [Trait(ToolBuild.Trait, ToolBuild.InProcessOnly)]
    public void The_report_is_valid_html5_that_names_nothing_outside_itself()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        ThreeJobs(temp.Path, 300);
        Assert.Equal(ExitCodes.Ok, Report(temp.Path, "--all", "-o", "report.html").ExitCode);
        var html = File.ReadAllText(Path.Combine(temp.Path, "report.html"));
        var (document, errors) = Parse(html);
        Assert.True(errors.Count == 0, "HTML5 parse errors:\n" + string.Join("\n", errors));
        Assert.Equal("html", document.Doctype?.Name);

        Assert.Empty(document.QuerySelectorAll("link, iframe, object, embed, img, base"));
        var style = Assert.Single(document.QuerySelectorAll("style"));
        Assert.DoesNotMatch(ExternalUrl, style.TextContent);
        Assert.DoesNotContain("@import", style.TextContent, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("prefers-color-scheme: dark", style.TextContent, StringComparison.Ordinal);
        Assert.Contains("@media print", style.TextContent, StringComparison.Ordinal);
        foreach (var element in document.All)
        {
            foreach (var attribute in element.Attributes)
            {
                var value = attribute.Value.Trim();
                Assert.False(value.StartsWith("http:", StringComparison.OrdinalIgnoreCase) || value.StartsWith("https:", StringComparison.OrdinalIgnoreCase) || value.StartsWith("//", StringComparison.Ordinal),
                    $"<{element.LocalName} {attribute.Name}=\"{value}\"> names something outside the file");
                Assert.False(ExternalUrl.IsMatch(value), $"<{element.LocalName} {attribute.Name}=\"{value}\"> has a url() outside the file");
            }
        }

        // One inline script without src, at the end of the body; the rest are JSON data.
        var scripts = document.Scripts.ToArray();
        Assert.All(scripts, s => Assert.False(s.HasAttribute("src")));
        var code = Assert.Single(scripts, s => s.GetAttribute("type") != "application/json");
        Assert.Same(document.Body!.LastElementChild, code);
        Assert.Equal(3, scripts.Count(s => s.GetAttribute("type") == "application/json"));
        Assert.StartsWith("trainplat ", document.QuerySelector("meta[name=generator]")!.GetAttribute("content"), StringComparison.Ordinal);
        Assert.Equal(GeneratedAt, document.QuerySelector("header time")!.GetAttribute("datetime"));
    }

    [Fact]
    [Trait(ToolBuild.Trait, ToolBuild.InProcessOnly)]
    public void A_job_named_like_an_img_tag_and_a_metric_named_close_script_are_text()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var ids = ThreeJobs(temp.Path, 50);
        Assert.Equal(ExitCodes.Ok, Report(temp.Path, "--all", "-o", "report.html").ExitCode);
        var html = File.ReadAllText(Path.Combine(temp.Path, "report.html"));
        var (document, errors) = Parse(html);
        Assert.Empty(errors);
        Assert.Empty(document.QuerySelectorAll("img"));
        Assert.Contains(Hostile, document.Body!.TextContent, StringComparison.Ordinal);
        Assert.Contains(Hostile, document.QuerySelector($"#job-{ids[0]} h3")!.TextContent, StringComparison.Ordinal);
        Assert.Contains(Hostile, document.QuerySelector($"#runs tr[data-job='{ids[0]}']")!.TextContent, StringComparison.Ordinal);

        var figure = document.QuerySelectorAll("figure.chart").Single(f => f.GetAttribute("data-metric") == HostileMetric);
        Assert.Contains(HostileMetric, figure.QuerySelector("figcaption")!.TextContent, StringComparison.Ordinal);
        var data = JsonNode.Parse(figure.QuerySelector("script.chart-data")!.TextContent)!;
        Assert.Equal(HostileMetric, data["metric"]!.GetValue<string>());
        Assert.Equal(Hostile, data["series"]![0]!["label"]!.GetValue<string>());
        Assert.Equal(4, document.Scripts.Length);
        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
    }

    [Fact]
    [Trait(ToolBuild.Trait, ToolBuild.InProcessOnly)]
    public void The_run_table_charts_diffs_and_jobs_follow_the_dom_contract()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var ids = ThreeJobs(temp.Path, 5_000);
        var r = Report(temp.Path, "--all", "--points", "500", "-o", "report.html");
        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        var (document, _) = Parse(File.ReadAllText(Path.Combine(temp.Path, "report.html")));

        var rows = document.QuerySelectorAll("#runs tbody tr").ToArray();
        Assert.Equal([ids[2], ids[1], ids[0]], rows.Select(row => row.GetAttribute("data-job")));
        Assert.Equal("nightly", rows[2].GetAttribute("data-tags"));
        Assert.Equal("#job-" + ids[2], rows[0].QuerySelector("td a")!.GetAttribute("href"));
        Assert.NotNull(document.GetElementById("job-" + ids[2]));
        var headers = document.QuerySelectorAll("#runs th").Select(th => (th.GetAttribute("data-key"), th.GetAttribute("data-type"))).ToArray();
        Assert.Contains(("created", "time"), headers);
        Assert.Contains(("gpus", "number"), headers);
        Assert.Contains(("metric:loss.last", "number"), headers);
        Assert.Equal(["", "pending", "running", "succeeded"], document.QuerySelectorAll("#filter-status option").Select(o => o.GetAttribute("value")));
        Assert.Equal(["", "nightly"], document.QuerySelectorAll("#filter-tag option").Select(o => o.GetAttribute("value")));

        // Each path keeps 500 of its 5,000 points: one M, then an L per further point.
        var loss = document.QuerySelector("figure.chart[data-metric='loss']")!;
        var paths = loss.QuerySelectorAll("path.series").ToArray();
        Assert.Equal([ids[2], ids[1], ids[0]], paths.Select(p => p.GetAttribute("data-job")));
        foreach (var path in paths)
        {
            var d = path.GetAttribute("d")!;
            Assert.Equal("500", path.GetAttribute("data-points"));
            Assert.Equal(1, d.Count(c => c == 'M'));
            Assert.Equal(499, d.Count(c => c == 'L'));
        }

        Assert.Equal(3, loss.QuerySelectorAll(".legend button[aria-pressed=true]").Length);
        Assert.NotNull(loss.QuerySelector(".tooltip[role=status]"));
        Assert.Null(loss.QuerySelector("button.log-toggle")); // the noise takes the smallest losses below 0
        Assert.NotNull(document.QuerySelector("figure.chart[data-metric='reward'] button.log-toggle"));
        var data = JsonNode.Parse(loss.QuerySelector("script.chart-data")!.TextContent)!;
        Assert.Equal(500, data["series"]![0]!["steps"]!.AsArray().Count);
        Assert.Equal(4_999, data["series"]![0]!["steps"]![499]!.GetValue<long>());

        // The clone's diff against its parent: the learning rate, with its severity as `diff` names it (critical, important, minor).
        var diff = Assert.Single(document.QuerySelectorAll("#diffs table.diff"));
        var change = Assert.Single(diff.QuerySelectorAll("tbody tr"));
        Assert.Equal("sev-critical", change.ClassName); // x-importance: critical in the recipe schema
        Assert.Contains("optimizer.learning_rate", change.TextContent, StringComparison.Ordinal);
        Assert.NotNull(document.QuerySelector("#lineage svg"));
        Assert.NotNull(document.QuerySelector($"#job-{ids[0]} details.config pre"));
    }

    [Fact]
    [Trait(ToolBuild.Trait, ToolBuild.InProcessOnly)]
    public void The_same_store_and_generated_at_give_the_same_bytes_and_dash_writes_standard_output()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        ThreeJobs(temp.Path, 1_000);
        Assert.Equal(ExitCodes.Ok, Report(temp.Path, "--all", "-o", "one.html").ExitCode);
        Assert.Equal(ExitCodes.Ok, Report(temp.Path, "--all", "-o", "two.html").ExitCode);
        var one = File.ReadAllBytes(Path.Combine(temp.Path, "one.html"));
        Assert.Equal(one, File.ReadAllBytes(Path.Combine(temp.Path, "two.html")));

        var stdout = Report(temp.Path, "--all", "-o", "-");
        Assert.Equal(ExitCodes.Ok, stdout.ExitCode);
        Assert.Equal(Encoding.UTF8.GetString(one), stdout.Out);
        Assert.StartsWith("wrote the report to standard output: 3 jobs", stdout.Error, StringComparison.Ordinal);
    }

    [Fact]
    [Trait(ToolBuild.Trait, ToolBuild.InProcessOnly)]
    public void Three_jobs_of_10000_points_make_at_most_1_MB()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        ThreeJobs(temp.Path, 2_000); // 5, 4 and 1 metrics: 6,000 to 10,000 points a job, every series at the 2,000 default
        Assert.Equal(ExitCodes.Ok, Report(temp.Path, "--all", "-o", "report.html").ExitCode);
        var size = new FileInfo(Path.Combine(temp.Path, "report.html")).Length;
        Assert.True(size <= 1_000_000, $"{size:N0} bytes");
    }

    [Fact]
    [Trait(ToolBuild.Trait, ToolBuild.InProcessOnly)]
    public void A_job_of_a_million_points_makes_at_most_2_MB()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var id = CliRun.Pinned(temp.Path, T0, 1, "job", "create", "grpo_math_small", "-s", "7B").Out.Trim();
        using (var store = LineageStore.Open(Path.Combine(temp.Path, ".trainplat", "lineage.db"), new StoreOpenOptions(TimeProvider.System) { ToolVersion = "0.0.0" }))
        {
            Append(store, id, T0.AddHours(1), 100_000, [.. Enumerable.Range(0, 10).Select(i => "metric/" + i)]);
        }

        var r = Report(temp.Path, id, "-o", "report.html");
        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        Assert.Contains("(20,000 of 1,000,000 points)", r.Error, StringComparison.Ordinal);
        var size = new FileInfo(Path.Combine(temp.Path, "report.html")).Length;
        Assert.True(size <= 2_000_000, $"{size:N0} bytes");
    }

    [Theory]
    [InlineData("no jobs selected for the report", "hint: name jobs", "-o", "report.html")]
    [InlineData("no job 0bad in ", "hint: `trainplat job list` shows the recorded jobs", "0bad", "-o", "report.html")]
    [InlineData("no jobs match --tag weekly in ", "hint: `trainplat job list --tag weekly` lists what they match", "--tag", "weekly", "-o", "report.html")]
    [InlineData("folder ", "hint: create it first", "--all", "-o", "missing/report.html")]
    [InlineData("--points must be at least 2, not 1", "hint: the default is 2,000", "--all", "--points", "1", "-o", "report.html")]
    [InlineData("--generated-at 'soon' is not a time", "hint: e.g. 2026-11-01T12:00:00Z", "--all", "--generated-at", "soon", "-o", "report.html")]
    public void A_bad_selection_or_output_is_one_clear_error_and_leaves_the_old_file(string message, string hint, params string[] args)
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        CliRun.Pinned(temp.Path, T0, 1, "job", "create", "grpo_math_small", "-s", "7B", "--tag", "nightly");
        File.WriteAllText(Path.Combine(temp.Path, "report.html"), "old");
        var r = CliRun.Pinned(temp.Path, T0, 1, ["report", .. args]);
        Assert.True(r.ExitCode == ExitCodes.UsageError, r.ToString());
        Assert.StartsWith("trainplat: error: " + message, r.Error, StringComparison.Ordinal);
        Assert.Contains(hint, r.Error, StringComparison.Ordinal);
        Assert.Equal("", r.Out);
        Assert.Equal("old", File.ReadAllText(Path.Combine(temp.Path, "report.html")));
        Assert.Equal(["lineage.db", "report.html"], Directory.GetFiles(temp.Path, "*.*", SearchOption.AllDirectories)
            .Select(Path.GetFileName).Where(f => f is "report.html" or "lineage.db" || f!.EndsWith(".tmp", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Output_is_required_and_may_not_be_the_store()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var missing = CliRun.InProcess(temp.Path, "report", "--all");
        Assert.Equal(ExitCodes.UsageError, missing.ExitCode);
        Assert.Contains("--output", missing.Error, StringComparison.Ordinal);

        var store = CliRun.InProcess(temp.Path, "report", "--all", "-o", ".trainplat/lineage.db");
        Assert.Equal(ExitCodes.UsageError, store.ExitCode);
        Assert.Contains("would overwrite the lineage store", store.Error, StringComparison.Ordinal);
    }
}
