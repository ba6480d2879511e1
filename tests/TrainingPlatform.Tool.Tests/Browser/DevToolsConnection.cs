using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TrainingPlatform.Tool.Tests.Browser;

/// <summary>A command Chromium answered with an error (an unknown method, a bad parameter, a target that is gone).</summary>
public sealed class DevToolsException(string message) : Exception(message);

/// <summary>
/// One WebSocket to Chromium's browser endpoint, speaking the Chrome DevTools Protocol: commands by id, answers matched
/// to them, events handed to the page session they belong to (flat sessions: every message names its sessionId).
/// </summary>
public sealed class DevToolsConnection : IAsyncDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private readonly ClientWebSocket _socket = new();
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly ConcurrentDictionary<int, (string Method, TaskCompletionSource<JsonElement> Answer)> _pending = new();
    private readonly ConcurrentDictionary<string, Action<string, JsonElement>> _sessions = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private Task _receiving = Task.CompletedTask;
    private int _lastId;
    private string? _closed;

    private DevToolsConnection()
    {
    }

    public static async Task<DevToolsConnection> ConnectAsync(Uri endpoint)
    {
        var connection = new DevToolsConnection();
        using var timeout = new CancellationTokenSource(DefaultTimeout);
        await connection._socket.ConnectAsync(endpoint, timeout.Token);
        connection._receiving = Task.Run(connection.ReceiveAsync);
        return connection;
    }

    /// <summary>Sends one command (to the browser, or to a page when <paramref name="sessionId"/> is given) and returns its result.</summary>
    public async Task<JsonElement> SendAsync(string method, JsonObject? parameters = null, string? sessionId = null, TimeSpan? timeout = null)
    {
        if (_closed is { } why)
        {
            throw new DevToolsException($"{method}: the connection to Chromium is closed ({why})");
        }

        var id = Interlocked.Increment(ref _lastId);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? [] };
        if (sessionId is not null)
        {
            message["sessionId"] = sessionId;
        }

        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = (method, answer);
        try
        {
            var bytes = Encoding.UTF8.GetBytes(message.ToJsonString());
            await _sending.WaitAsync();
            try
            {
                await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, _stop.Token);
            }
            finally
            {
                _sending.Release();
            }

            var limit = timeout ?? DefaultTimeout;
            try
            {
                return await answer.Task.WaitAsync(limit);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"Chromium did not answer {method} within {limit.TotalSeconds:0} s");
            }
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>Hands every event of <paramref name="sessionId"/> (method, params) to <paramref name="handler"/>, on the receiving thread.</summary>
    public void Subscribe(string sessionId, Action<string, JsonElement> handler) => _sessions[sessionId] = handler;

    public void Unsubscribe(string sessionId) => _sessions.TryRemove(sessionId, out _);

    private async Task ReceiveAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                message.SetLength(0);
                ValueWebSocketReceiveResult part;
                do
                {
                    part = await _socket.ReceiveAsync(buffer.AsMemory(), _stop.Token);
                    if (part.MessageType == WebSocketMessageType.Close)
                    {
                        Close("Chromium closed the DevTools socket");
                        return;
                    }

                    message.Write(buffer, 0, part.Count);
                }
                while (!part.EndOfMessage);

                Dispatch(message.GetBuffer().AsMemory(0, (int)message.Length));
            }
        }
        catch (OperationCanceledException)
        {
            Close("disposed");
        }
        catch (WebSocketException e)
        {
            Close(e.Message);
        }
    }

    private void Dispatch(ReadOnlyMemory<byte> text)
    {
        using var document = JsonDocument.Parse(text);
        var root = document.RootElement;
        if (root.TryGetProperty("id", out var id))
        {
            if (_pending.TryGetValue(id.GetInt32(), out var pending))
            {
                if (root.TryGetProperty("error", out var error))
                {
                    pending.Answer.TrySetException(new DevToolsException($"{pending.Method}: {error.GetRawText()}"));
                }
                else
                {
                    pending.Answer.TrySetResult(root.TryGetProperty("result", out var result) ? result.Clone() : default);
                }
            }

            return;
        }

        if (root.TryGetProperty("method", out var method)
            && root.TryGetProperty("sessionId", out var session)
            && _sessions.TryGetValue(session.GetString()!, out var handler))
        {
            var parameters = root.TryGetProperty("params", out var p) ? p.Clone() : default;
            handler(method.GetString()!, parameters);
        }
    }

    private void Close(string why)
    {
        _closed ??= why;
        foreach (var (_, pending) in _pending)
        {
            pending.Answer.TrySetException(new DevToolsException($"{pending.Method}: the connection to Chromium closed ({why})"));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _receiving;
        }
        catch (OperationCanceledException)
        {
            // the receiving loop ends by cancellation
        }

        _socket.Dispose();
        _stop.Dispose();
        _sending.Dispose();
    }
}
