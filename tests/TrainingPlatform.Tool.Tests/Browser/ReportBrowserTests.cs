using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using TrainingPlatform.Core.Reporting;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests.Browser;

/// <summary>
/// The report of <see cref="ReportStore"/> opened from <c>file://</c> in headless Chromium, as a reader opens a CI
/// artifact: it renders, logs no error, asks for nothing outside the file, has one line per job in each chart with the
/// downsampled number of points, and its table, legend and tooltip respond to the mouse.
/// JIT pass only: what is tested here is the document and its script, which both builds write byte for byte the same
/// (bench/report.sh compares them); a second pass would open the same page again.
/// </summary>
[Collection(ChromiumTests.Name)]
[Trait(ToolBuild.Trait, ToolBuild.JitOnly)]
public sealed class ReportBrowserTests(ChromiumFixture chromium, ReportStore report) : IClassFixture<ReportStore>
{
    private async Task<BrowserPage> OpenReportAsync(int width = 1280, int height = 1600)
    {
        var page = await chromium.Browser.OpenPageAsync(width, height);
        await page.NavigateAsync(report.Url);
        return page;
    }

    /// <summary>After whatever the test did: no console error or uncaught exception, no dialog, no request but the file.</summary>
    private void AssertQuiet(BrowserPage page)
    {
        Assert.True(page.Errors.Count == 0, "console errors:\n" + page.Describe());
        Assert.True(page.Dialogs.Count == 0, "a dialog opened:\n" + page.Describe());
        Assert.True(page.Requests.All(r => r == report.Url), $"a request left {report.Url}:\n" + page.Describe());
    }

    [Fact]
    public async Task The_report_renders_a_page_that_is_not_blank()
    {
        await using var page = await OpenReportAsync();
        var screenshot = PngImage.Decode(await page.ScreenshotAsync());
        Assert.Equal((1280, 1600), (screenshot.Width, screenshot.Height));
        Assert.False(screenshot.IsBlank, screenshot.ToString());
        AssertQuiet(page);
    }

    [Fact]
    public async Task It_opens_with_no_console_error_and_no_request_leaving_the_file()
    {
        await using var page = await OpenReportAsync();
        await Task.Delay(300); // anything the script starts after the load event (timers, images) has time to show up
        AssertQuiet(page);
        Assert.Contains(report.Url, page.Requests); // the recorder did see the page's own request
        Assert.Equal(3, await page.IntAsync("document.querySelectorAll('#runs tbody tr[data-job]').length"));
    }

    [Fact]
    public async Task Each_chart_has_one_path_per_job_with_the_downsampled_number_of_points()
    {
        await using var page = await OpenReportAsync();
        var json = await page.TextAsync("""
            JSON.stringify([...document.querySelectorAll('#charts figure.chart')].flatMap(f =>
                [...f.querySelectorAll('svg path.series')].map(p => ({
                    metric: f.dataset.metric,
                    job: p.dataset.job,
                    points: Number(p.dataset.points),
                    d: (p.getAttribute('d').match(/M/g) || []).length + ':' + (p.getAttribute('d').match(/L/g) || []).length,
                }))))
            """);
        var paths = JsonSerializer.Deserialize<JsonElement[]>(json!)!
            .Select(p => (Metric: p.GetProperty("metric").GetString()!, Job: p.GetProperty("job").GetString()!,
                Points: p.GetProperty("points").GetInt32(), D: p.GetProperty("d").GetString()!))
            .ToList();

        var expected = report.ExpectedPoints();
        Assert.Equal(expected.Keys.Select(k => k.Metric).Distinct().Order(StringComparer.Ordinal),
            paths.Select(p => p.Metric).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(expected.Count, paths.Count); // one path per job and metric, no more
        foreach (var p in paths)
        {
            Assert.True(expected.TryGetValue((p.Metric, p.Job), out var points), $"a path for job {p.Job} in chart {p.Metric}, which that job did not log");
            Assert.Equal(points, p.Points);
            Assert.Equal($"1:{points - 1}", p.D); // one M, then an L per further point
        }

        Assert.Contains(expected.Values, n => n < ReportStore.PointsPerSeries);  // a series shorter than the budget, kept whole
        Assert.Contains(expected.Values, n => n == ReportStore.PointsPerSeries); // and series downsampled to it
        AssertQuiet(page);
    }

    [Fact]
    public async Task Clicking_a_run_table_header_sorts_the_rows_and_a_second_click_reverses_them()
    {
        await using var page = await OpenReportAsync();
        var key = await page.TextAsync("[...document.querySelectorAll('#runs th[data-key]')].map(th => th.dataset.key).find(k => /loss/.test(k) && /last/.test(k)) ?? null");
        Assert.True(key is not null, "no run-table column for loss's last value: " + await page.TextAsync("[...document.querySelectorAll('#runs th')].map(th => th.dataset.key).join(', ')"));
        const string Rows = "[...document.querySelectorAll('#runs tbody tr[data-job]')].map(r => r.dataset.job).join(' ')";
        var header = $"#runs th[data-key={BrowserPage.Js(key!)}]";
        var before = await page.TextAsync(Rows);

        await page.ClickAsync(header);
        var ascending = await page.TextAsync(Rows);
        Assert.Equal(string.Join(' ', report.ByLastLoss), ascending);
        Assert.NotEqual(before, ascending);
        Assert.Equal("ascending", await page.TextAsync($"document.querySelector({BrowserPage.Js(header)}).getAttribute('aria-sort')"));

        await page.ClickAsync(header);
        Assert.Equal(string.Join(' ', report.ByLastLoss.Reverse()), await page.TextAsync(Rows));
        Assert.Equal("descending", await page.TextAsync($"document.querySelector({BrowserPage.Js(header)}).getAttribute('aria-sort')"));
        AssertQuiet(page);
    }

    [Fact]
    public async Task The_legend_button_of_a_job_hides_its_line_and_shows_it_again()
    {
        await using var page = await OpenReportAsync();
        var figure = "#charts figure.chart[data-metric='loss']";
        var button = $"{figure} ul.legend button[data-job='{report.Child}']";
        string Shown(string job) => $$"""
            (() => { const p = document.querySelector("{{figure}} svg path.series[data-job='{{job}}']");
                     const s = getComputedStyle(p);
                     return s.display !== 'none' && s.visibility !== 'hidden' && Number(s.opacity) > 0; })()
            """;

        Assert.True(await page.BoolAsync(Shown(report.Child)));
        await page.ClickAsync(button);
        Assert.False(await page.BoolAsync(Shown(report.Child)));
        Assert.True(await page.BoolAsync(Shown(report.Parent)));
        Assert.Equal("false", await page.TextAsync($"document.querySelector({BrowserPage.Js(button)}).getAttribute('aria-pressed')"));

        await page.ClickAsync(button);
        Assert.True(await page.BoolAsync(Shown(report.Child)));
        Assert.Equal("true", await page.TextAsync($"document.querySelector({BrowserPage.Js(button)}).getAttribute('aria-pressed')"));
        AssertQuiet(page);
    }

    [Fact]
    public async Task Moving_the_mouse_over_a_chart_shows_a_job_and_a_step_in_the_tooltip()
    {
        await using var page = await OpenReportAsync();
        var box = await page.EvaluateAsync("""
            (() => { const svg = document.querySelector("#charts figure.chart[data-metric='loss'] svg");
                     svg.scrollIntoView({ block: 'center' });
                     const r = svg.getBoundingClientRect();
                     return { x: r.x, y: r.y, width: r.width, height: r.height }; })()
            """);
        var (x, y) = (box.GetProperty("x").GetDouble() + (box.GetProperty("width").GetDouble() / 2), box.GetProperty("y").GetDouble() + (box.GetProperty("height").GetDouble() / 2));

        await page.MouseMoveAsync(x - 5, y);
        await page.MouseMoveAsync(x, y);
        var tooltip = await page.EvaluateAsync("""
            (() => { const f = document.querySelector("#charts figure.chart[data-metric='loss']");
                     const t = f.querySelector('.tooltip') ?? document.querySelector('.tooltip');
                     const s = getComputedStyle(t);
                     return { text: t.textContent, shown: !t.hidden && s.display !== 'none' && s.visibility !== 'hidden' }; })()
            """);
        var text = tooltip.GetProperty("text").GetString() ?? "";
        Assert.True(tooltip.GetProperty("shown").GetBoolean(), $"the tooltip is hidden after a mouse move over the chart (text: '{text}')");
        Assert.True(report.Jobs.Any(j => text.Contains(j.Id, StringComparison.Ordinal) || text.Contains(j.Name, StringComparison.Ordinal)),
            $"the tooltip names no job: '{text}'");
        var step = Regex.Match(text, @"step\D{0,3}([\d,]+)", RegexOptions.IgnoreCase);
        Assert.True(step.Success, $"the tooltip shows no step: '{text}'");
        var value = long.Parse(step.Groups[1].Value.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
        Assert.InRange(value, 0, ReportStore.Steps - 1);
        AssertQuiet(page);
    }

    [Fact]
    public async Task A_job_named_like_markup_and_a_metric_named_script_end_render_as_text_and_run_nothing()
    {
        await using var page = await OpenReportAsync();
        await Task.Delay(300); // an injected <img onerror> would fire its alert by now

        Assert.Empty(page.Dialogs);
        Assert.Equal(0, await page.IntAsync("document.querySelectorAll('img').length"));
        Assert.True(await page.BoolAsync($"document.querySelector('#runs').textContent.includes({BrowserPage.Js(ReportStore.MarkupName)})"),
            "the markup-like job name is not shown as text in the run table");
        Assert.True(await page.BoolAsync($"[...document.querySelectorAll('#charts figure.chart')].some(f => f.dataset.metric === {BrowserPage.Js(ReportStore.ScriptEndMetric)})"),
            "no chart for the metric named </script>");
        AssertQuiet(page);
    }
}

/// <summary>
/// A store made here with the CLI (in-process): a parent job, its clone, and a job whose name is markup, 10,000 points
/// each (loss, reward and kl at 3,000 steps, and a 1,000-point metric: eval/score every third step, or `&lt;/script&gt;`
/// for the third job), and its report written with --all and a pinned time.
/// </summary>
public sealed class ReportStore : IDisposable
{
    public const int Steps = 3_000;
    public const string MarkupName = "<img src=x onerror=alert(1)>";
    public const string ScriptEndMetric = "</script>";

    private readonly TempDir _project = TempDir.CopyOf(Repo.Examples);

    public ReportStore()
    {
        string Run(params string[] args)
        {
            var r = CliRun.InProcess(_project.Path, args);
            Assert.True(r.ExitCode == 0, $"trainplat {string.Join(' ', args)}\n{r}");
            return r.Out.Trim();
        }

        Parent = Run("job", "create", "grpo_math_small", "-s", "7B", "-d", "train=data/train.jsonl", "--name", "parent-run", "--tag", "browser");
        Child = Run("job", "clone", Parent, "--set", "optimizer.learning_rate=1e-6", "--name", "child-run");
        Markup = Run("job", "create", "sft_chat", "-s", "8B", "-d", "train=data/train.jsonl", "--name", MarkupName);
        Jobs = [new(Parent, "parent-run", 0.5, "eval/score"), new(Child, "child-run", 0.3, "eval/score"), new(Markup, MarkupName, 0.4, ScriptEndMetric)];
        foreach (var job in Jobs)
        {
            var csv = new StringBuilder($"step,loss,reward,kl,{job.SparseMetric}\n");
            for (var s = 0; s < Steps; s++)
            {
                var loss = job.LastLoss + ((2 - job.LastLoss) * Math.Exp(-s / 300.0)) + (0.02 * Math.Sin(s * 0.37));
                var sparse = s % 3 == 0 ? (s / (double)Steps).ToString("R", CultureInfo.InvariantCulture) : "";
                csv.Append(CultureInfo.InvariantCulture, $"{s},{loss:R},{1 - Math.Exp(-s / 800.0):R},{0.001 + (s * 1e-6):R},{sparse}\n");
            }

            var file = _project.Write($"points-{job.Id}.csv", csv.ToString());
            Run("metrics", "import", job.Id, file, "--start");
        }

        Run("job", "update", Parent, "--status", "succeeded");
        Run("job", "update", Markup, "--status", "failed");
        Run("report", "--all", "--generated-at", "2026-01-01T00:00:00Z", "-o", "report.html");
        Url = new Uri(Path.Combine(_project.Path, "report.html")).AbsoluteUri;
    }

    public sealed record Job(string Id, string Name, double LastLoss, string SparseMetric);

    public string Parent { get; }

    public string Child { get; }

    public string Markup { get; }

    public IReadOnlyList<Job> Jobs { get; }

    public string Url { get; }

    /// <summary>The job ids by the last value of loss, lowest first.</summary>
    public IEnumerable<string> ByLastLoss => Jobs.OrderBy(j => j.LastLoss).Select(j => j.Id);

    /// <summary>Every series in the report: 4 metrics for each of 3 jobs.</summary>
    public static int SeriesCount => 3 * 4;

    /// <summary>The report's rule: min(--points, total budget / series), but at least min(--points, the minimum per series).</summary>
    public static int PointsPerSeries => Math.Max(
        Math.Min(ReportRequest.DefaultPoints, ReportRequest.DefaultTotalPoints / SeriesCount),
        Math.Min(ReportRequest.DefaultPoints, ReportRequest.MinPointsPerSeries));

    /// <summary>Points each (metric, job) path should have: what the job logged, downsampled to <see cref="PointsPerSeries"/>.</summary>
    public Dictionary<(string Metric, string Job), int> ExpectedPoints()
    {
        var expected = new Dictionary<(string Metric, string Job), int>();
        foreach (var job in Jobs)
        {
            foreach (var metric in new[] { "loss", "reward", "kl" })
            {
                expected[(metric, job.Id)] = Math.Min(Steps, PointsPerSeries);
            }

            expected[(job.SparseMetric, job.Id)] = Math.Min((Steps + 2) / 3, PointsPerSeries);
        }

        return expected;
    }

    public void Dispose() => _project.Dispose();
}
