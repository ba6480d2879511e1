using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests.Browser;

/// <summary>
/// The browser harness itself, on small pages written here: if it did not see a console error, a request, a blank
/// screenshot or a click, the report's browser tests could pass on a broken report.
/// </summary>
[Collection(ChromiumTests.Name)]
[Trait(ToolBuild.Trait, ToolBuild.JitOnly)]
public sealed class BrowserHarnessTests(ChromiumFixture chromium) : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Page(string name, string html) => new Uri(_temp.Write(name, html)).AbsoluteUri;

    [Fact]
    public async Task A_blank_page_screenshots_as_blank_and_a_drawn_page_does_not()
    {
        await using var page = await chromium.Browser.OpenPageAsync(640, 480);

        await page.NavigateAsync(Page("blank.html", "<!doctype html><html><body></body></html>"));
        var blank = PngImage.Decode(await page.ScreenshotAsync());
        Assert.True(blank.IsBlank, blank.ToString());
        Assert.Equal((640, 480), (blank.Width, blank.Height));

        // One flat box on the background is still no page: too few colours.
        await page.NavigateAsync(Page("box.html", """<!doctype html><html><body style="margin:0"><div style="width:320px;height:240px;background:#000"></div></body></html>"""));
        var box = PngImage.Decode(await page.ScreenshotAsync());
        Assert.True(box.IsBlank, box.ToString());

        await page.NavigateAsync(Page("drawn.html", """
            <!doctype html><html><body><h1>Runs</h1><p>three jobs, one chart</p>
            <svg width="400" height="200"><path d="M 0 200 L 100 50 L 200 120 L 400 10" stroke="#c33" stroke-width="3" fill="none"/>
            <path d="M 0 150 L 400 190" stroke="#33c" stroke-width="3" fill="none"/></svg></body></html>
            """));
        var drawn = PngImage.Decode(await page.ScreenshotAsync());
        Assert.False(drawn.IsBlank, drawn.ToString());
    }

    [Fact]
    public async Task Console_errors_uncaught_exceptions_and_failed_loads_are_recorded()
    {
        await using var page = await chromium.Browser.OpenPageAsync();
        await page.NavigateAsync(Page("errors.html", """
            <!doctype html><html><body><p>errors</p>
            <script>console.log('fine'); console.warn('only a warning'); console.error('bad thing', 42);</script>
            <script>throw new TypeError('boom');</script>
            <img src="missing.png" alt="">
            </body></html>
            """));

        var errors = page.Errors;
        Assert.Contains(errors, e => e.Contains("console.error: bad thing 42", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("uncaught exception: TypeError: boom", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("ERR_FILE_NOT_FOUND", StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.Contains("fine", StringComparison.Ordinal) || e.Contains("warning", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_clean_page_records_no_error_and_no_request_but_its_own_file()
    {
        await using var page = await chromium.Browser.OpenPageAsync();
        var url = Page("clean.html", "<!doctype html><html><head><style>p{color:#333}</style></head><body><p>clean</p><script>document.title='ok';</script></body></html>");
        await page.NavigateAsync(url);

        Assert.Empty(page.Errors);
        Assert.All(page.Requests, r => Assert.Equal(url, r));
        Assert.Equal("ok", await page.TextAsync("document.title"));
    }

    [Fact]
    public async Task Requests_that_leave_the_file_are_recorded_even_when_they_fail()
    {
        await using var page = await chromium.Browser.OpenPageAsync();
        var url = Page("external.html", """
            <!doctype html><html><head><link rel="stylesheet" href="http://127.0.0.1:9/style.css"></head>
            <body><img src="https://example.invalid/pixel.png" alt=""><p>external</p></body></html>
            """);
        await page.NavigateAsync(url);

        var elsewhere = page.Requests.Where(r => r != url).ToList();
        Assert.Contains("http://127.0.0.1:9/style.css", elsewhere);
        Assert.Contains("https://example.invalid/pixel.png", elsewhere);
    }

    [Fact]
    public async Task Clicks_change_the_page_dialogs_are_recorded_and_answered_and_mouse_moves_reach_it()
    {
        await using var page = await chromium.Browser.OpenPageAsync(800, 600);
        await page.NavigateAsync(Page("click.html", """
            <!doctype html><html><body style="margin:0">
            <div id="area" style="width:400px;height:300px;background:#eee"></div><output id="where"></output>
            <ul id="list"><li>b</li><li>c</li><li>a</li></ul>
            <button id="sort" onclick="const l=document.getElementById('list');[...l.children].sort((x,y)=>x.textContent.localeCompare(y.textContent)).forEach(e=>l.append(e))">sort</button>
            <button id="alert" onclick="alert('hello')">alert</button>
            <script>document.getElementById('area').addEventListener('mousemove', e => document.getElementById('where').textContent = e.clientX + ',' + e.clientY);</script>
            </body></html>
            """));

        const string Order = "[...document.querySelectorAll('#list li')].map(e => e.textContent).join('')";
        Assert.Equal("bca", await page.TextAsync(Order));
        await page.ClickAsync("#sort");
        Assert.Equal("abc", await page.TextAsync(Order));

        await page.ClickAsync("#alert");
        Assert.Equal(["alert: hello"], page.Dialogs);
        Assert.Equal("still answering", await page.TextAsync("'still answering'")); // the dialog did not block the page

        await page.MouseMoveAsync(120, 80);
        Assert.Equal("120,80", await page.TextAsync("document.getElementById('where').textContent"));

        var missing = await Assert.ThrowsAsync<InvalidOperationException>(() => page.ClickAsync("#nothing"));
        Assert.Contains("no element matches #nothing", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_chromium_the_tests_fail_saying_how_to_install_it()
    {
        using var empty = new TempDir();
        Assert.Null(Chromium.Executable(empty.Path));
        var missing = await Assert.ThrowsAsync<InvalidOperationException>(() => Chromium.StartAsync(empty.Path));
        Assert.Contains("Chromium is not installed", missing.Message, StringComparison.Ordinal);
        Assert.Contains("./test.sh", missing.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install chromium", missing.Message, StringComparison.Ordinal);
    }
}
