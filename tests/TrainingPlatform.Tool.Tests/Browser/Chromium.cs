using System.Diagnostics;

namespace TrainingPlatform.Tool.Tests.Browser;

/// <summary>
/// Debian's Chromium, headless, with its DevTools endpoint on a free port of 127.0.0.1 and a new empty profile:
/// started with the flags that keep it off the network (this machine's network is closed; without them it tries,
/// and fails, to reach Google's services at every start). Disposing kills the whole process tree and deletes the profile.
/// </summary>
public sealed class Chromium : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly DirectoryInfo _profile;
    private readonly Queue<string> _stderr = new();

    private Chromium(Process process, DirectoryInfo profile)
    {
        _process = process;
        _profile = profile;
    }

    public DevToolsConnection Connection { get; private set; } = null!;

    /// <summary>The Chromium executable (`chromium`, Debian's package) in the folders of <paramref name="searchPath"/> (PATH by default), or null.</summary>
    public static string? Executable(string? searchPath = null)
    {
        foreach (var dir in (searchPath ?? Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "chromium");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Starts Chromium found on <paramref name="searchPath"/> (PATH by default); when there is none, throws saying how to install it.</summary>
    public static async Task<Chromium> StartAsync(string? searchPath = null)
    {
        var executable = Executable(searchPath) ?? throw new InvalidOperationException(
            "Chromium is not installed (no `chromium` on PATH), and the report's browser tests open the report in it\n"
            + "  hint: run ./test.sh, which installs it, or `sudo apt-get install chromium` (Debian's package), then run the tests again");
        var profile = Directory.CreateTempSubdirectory("trainplat-chromium-");
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var flag in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--hide-scrollbars", "--mute-audio", "--user-data-dir=" + profile.FullName,
                     "--remote-debugging-port=0", "about:blank",
                 })
        {
            start.ArgumentList.Add(flag);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{executable} did not start");
        var chromium = new Chromium(process, profile);
        try
        {
            var endpoint = await chromium.EndpointAsync();
            chromium.Connection = await DevToolsConnection.ConnectAsync(endpoint);
            return chromium;
        }
        catch
        {
            await chromium.DisposeAsync();
            throw;
        }
    }

    /// <summary>A new tab of <paramref name="width"/> × <paramref name="height"/> CSS pixels, recording errors and requests.</summary>
    public Task<BrowserPage> OpenPageAsync(int width = 1280, int height = 1000) => BrowserPage.OpenAsync(Connection, width, height);

    /// <summary>Reads standard error until Chromium says where DevTools listens; keeps reading it (and the last lines) afterwards.</summary>
    private async Task<Uri> EndpointAsync()
    {
        const string Listening = "DevTools listening on ";
        var found = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = _process.StandardOutput.ReadToEndAsync();
        _ = Task.Run(async () =>
        {
            while (await _process.StandardError.ReadLineAsync() is { } line)
            {
                lock (_stderr)
                {
                    _stderr.Enqueue(line);
                    if (_stderr.Count > 40)
                    {
                        _stderr.Dequeue();
                    }
                }

                var at = line.IndexOf(Listening, StringComparison.Ordinal);
                if (at >= 0)
                {
                    found.TrySetResult(new Uri(line[(at + Listening.Length)..].Trim()));
                }
            }

            found.TrySetException(new InvalidOperationException($"Chromium exited before it opened its DevTools endpoint\n{StandardErrorTail()}"));
        });
        try
        {
            return await found.Task.WaitAsync(StartTimeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Chromium did not open its DevTools endpoint within {StartTimeout.TotalSeconds:0} s\n{StandardErrorTail()}");
        }
    }

    private string StandardErrorTail()
    {
        lock (_stderr)
        {
            return "--- Chromium's standard error (last lines)\n" + string.Join('\n', _stderr);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Connection is not null)
        {
            await Connection.DisposeAsync();
        }

        try
        {
            _process.Kill(entireProcessTree: true);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (InvalidOperationException)
        {
            // it has exited already
        }
        catch (OperationCanceledException)
        {
            // killed, but not reaped within 10 s: the profile below may stay behind
        }

        _process.Dispose();
        for (var attempt = 0; attempt < 5 && _profile.Exists; attempt++)
        {
            try
            {
                _profile.Delete(recursive: true);
            }
            catch (IOException)
            {
                await Task.Delay(200); // a child process may still be writing into it as it exits
            }

            _profile.Refresh();
        }
    }
}
