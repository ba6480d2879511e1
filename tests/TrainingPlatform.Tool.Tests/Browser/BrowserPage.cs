using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TrainingPlatform.Tool.Tests.Browser;

/// <summary>
/// One tab of the headless browser, attached as a flat DevTools session with Runtime, Log, Network and Page enabled:
/// it records every console error and uncaught exception, every network request and every JavaScript dialog
/// (answered at once, so an <c>alert</c> cannot hang the test) from the moment it opens.
/// </summary>
public sealed class BrowserPage : IAsyncDisposable
{
    private static readonly TimeSpan LoadTimeout = TimeSpan.FromSeconds(30);

    private readonly DevToolsConnection _connection;
    private readonly string _targetId;
    private readonly string _sessionId;
    private readonly Lock _lock = new();
    private readonly List<string> _errors = [];
    private readonly List<string> _requests = [];
    private readonly List<string> _dialogs = [];
    private TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private BrowserPage(DevToolsConnection connection, string targetId, string sessionId)
    {
        _connection = connection;
        _targetId = targetId;
        _sessionId = sessionId;
    }

    /// <summary>Console errors (console.error/assert, Log entries of level error) and uncaught exceptions, in order.</summary>
    public IReadOnlyList<string> Errors => Snapshot(_errors);

    /// <summary>The URL of every request the page made (Network.requestWillBeSent), in order.</summary>
    public IReadOnlyList<string> Requests => Snapshot(_requests);

    /// <summary>Every JavaScript dialog that opened (alert, confirm, prompt, beforeunload): "TYPE: MESSAGE".</summary>
    public IReadOnlyList<string> Dialogs => Snapshot(_dialogs);

    internal static async Task<BrowserPage> OpenAsync(DevToolsConnection connection, int width, int height)
    {
        var target = await connection.SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" });
        var targetId = target.GetProperty("targetId").GetString()!;
        var attached = await connection.SendAsync("Target.attachToTarget", new JsonObject { ["targetId"] = targetId, ["flatten"] = true });
        var page = new BrowserPage(connection, targetId, attached.GetProperty("sessionId").GetString()!);
        connection.Subscribe(page._sessionId, page.OnEvent);
        foreach (var domain in new[] { "Runtime", "Log", "Network", "Page" })
        {
            await page.SendAsync(domain + ".enable");
        }

        await page.SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject
        {
            ["width"] = width,
            ["height"] = height,
            ["deviceScaleFactor"] = 1,
            ["mobile"] = false,
        });
        return page;
    }

    public Task<JsonElement> SendAsync(string method, JsonObject? parameters = null) =>
        _connection.SendAsync(method, parameters, _sessionId);

    /// <summary>Opens <paramref name="url"/> and waits for its load event; a URL that cannot load (a missing file) throws.</summary>
    public async Task NavigateAsync(string url)
    {
        _loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var result = await SendAsync("Page.navigate", new JsonObject { ["url"] = url });
        if (result.TryGetProperty("errorText", out var error) && error.GetString() is { Length: > 0 } text)
        {
            throw new InvalidOperationException($"Chromium could not open {url}: {text}");
        }

        try
        {
            await _loaded.Task.WaitAsync(LoadTimeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{url} did not fire its load event within {LoadTimeout.TotalSeconds:0} s");
        }
    }

    /// <summary>The value of a JavaScript expression (promises awaited, the value returned as JSON); a thrown error throws here.</summary>
    public async Task<JsonElement> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject
        {
            ["expression"] = expression,
            ["returnByValue"] = true,
            ["awaitPromise"] = true,
            ["userGesture"] = true,
        });
        if (result.TryGetProperty("exceptionDetails", out var details))
        {
            var description = details.TryGetProperty("exception", out var e) && e.TryGetProperty("description", out var d)
                ? d.GetString()
                : details.GetProperty("text").GetString();
            throw new InvalidOperationException($"the page threw evaluating `{expression}`: {description}");
        }

        var value = result.GetProperty("result");
        return value.TryGetProperty("value", out var v) ? v : default;
    }

    public async Task<string?> TextAsync(string expression)
    {
        var value = await EvaluateAsync(expression);
        return value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }

    public async Task<int> IntAsync(string expression) => (await EvaluateAsync(expression)).GetInt32();

    public async Task<bool> BoolAsync(string expression) => (await EvaluateAsync(expression)).GetBoolean();

    /// <summary>Clicks the first element matching <paramref name="selector"/> (element.click()); no match throws.</summary>
    public Task ClickAsync(string selector) => EvaluateAsync(
        $"(() => {{ const e = document.querySelector({Js(selector)}); if (!e) throw new Error('no element matches ' + {Js(selector)}); e.click(); return true; }})()");

    /// <summary>Moves the mouse to (<paramref name="x"/>, <paramref name="y"/>) in CSS pixels of the viewport, as a user's mouse does.</summary>
    public Task MouseMoveAsync(double x, double y) => SendAsync("Input.dispatchMouseEvent", new JsonObject
    {
        ["type"] = "mouseMoved",
        ["x"] = x,
        ["y"] = y,
    });

    /// <summary>A PNG of the viewport.</summary>
    public async Task<byte[]> ScreenshotAsync()
    {
        var result = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" });
        return Convert.FromBase64String(result.GetProperty("data").GetString()!);
    }

    /// <summary>A string as a JavaScript literal (JSON is a subset of JavaScript for strings).</summary>
    public static string Js(string s) => JsonValue.Create(s).ToJsonString();

    /// <summary>What the page recorded, for an assertion message.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"errors ({Errors.Count}):\n");
        foreach (var e in Errors)
        {
            text.Append("  ").Append(e).Append('\n');
        }

        text.Append(CultureInfo.InvariantCulture, $"requests ({Requests.Count}):\n");
        foreach (var r in Requests)
        {
            text.Append("  ").Append(r).Append('\n');
        }

        text.Append(CultureInfo.InvariantCulture, $"dialogs ({Dialogs.Count}):\n");
        foreach (var d in Dialogs)
        {
            text.Append("  ").Append(d).Append('\n');
        }

        return text.ToString();
    }

    private void OnEvent(string method, JsonElement parameters)
    {
        switch (method)
        {
            case "Page.loadEventFired":
                _loaded.TrySetResult();
                break;
            case "Runtime.exceptionThrown":
                var details = parameters.GetProperty("exceptionDetails");
                var description = details.TryGetProperty("exception", out var e) && e.TryGetProperty("description", out var d)
                    ? d.GetString()
                    : details.GetProperty("text").GetString();
                Add(_errors, $"uncaught exception: {description}");
                break;
            case "Runtime.consoleAPICalled":
                var type = parameters.GetProperty("type").GetString();
                if (type is "error" or "assert")
                {
                    var args = parameters.GetProperty("args").EnumerateArray()
                        .Select(a => a.TryGetProperty("value", out var v) ? v.ToString() : a.TryGetProperty("description", out var ad) ? ad.GetString() : a.GetRawText());
                    Add(_errors, $"console.{type}: {string.Join(' ', args)}");
                }

                break;
            case "Log.entryAdded":
                var entry = parameters.GetProperty("entry");
                if (entry.GetProperty("level").GetString() == "error")
                {
                    var url = entry.TryGetProperty("url", out var u) ? " (" + u.GetString() + ")" : "";
                    Add(_errors, $"log ({entry.GetProperty("source").GetString()}): {entry.GetProperty("text").GetString()}{url}");
                }

                break;
            case "Network.requestWillBeSent":
                Add(_requests, parameters.GetProperty("request").GetProperty("url").GetString()!);
                break;
            case "Page.javascriptDialogOpening":
                Add(_dialogs, $"{parameters.GetProperty("type").GetString()}: {parameters.GetProperty("message").GetString()}");
                // Answered off the receiving thread, which must go on reading the answer.
                _ = Task.Run(() => SendAsync("Page.handleJavaScriptDialog", new JsonObject { ["accept"] = true }));
                break;
            default:
                break;
        }
    }

    private void Add(List<string> list, string item)
    {
        lock (_lock)
        {
            list.Add(item);
        }
    }

    private IReadOnlyList<string> Snapshot(List<string> list)
    {
        lock (_lock)
        {
            return [.. list];
        }
    }

    public async ValueTask DisposeAsync()
    {
        _connection.Unsubscribe(_sessionId);
        try
        {
            await _connection.SendAsync("Target.closeTarget", new JsonObject { ["targetId"] = _targetId });
        }
        catch (DevToolsException)
        {
            // the browser is already gone: nothing left to close
        }
    }
}
