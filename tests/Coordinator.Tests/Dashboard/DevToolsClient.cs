// A client of Chromium's DevTools protocol over one WebSocket (System.Net.WebSockets, no package): commands
// with ids answered by results, and events, of which it keeps the page's uncaught exceptions and error logs.
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit.Sdk;

namespace Dpt.Coordinator.Tests.Dashboard;

internal sealed class DevToolsClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly Dictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly List<string> _errors = new();
    private readonly CancellationTokenSource _closing = new();
    private Task _receiving = Task.CompletedTask;
    private int _nextId;

    private DevToolsClient() { }

    /// <summary>Uncaught exceptions and error-level log entries of the page so far.</summary>
    public IReadOnlyList<string> Errors
    {
        get { lock (_errors) return _errors.ToArray(); }
    }

    public static async Task<DevToolsClient> ConnectAsync(Uri webSocket, TimeSpan timeout)
    {
        var client = new DevToolsClient();
        client._socket.Options.KeepAliveInterval = TimeSpan.Zero;
        using var limit = new CancellationTokenSource(timeout);
        await client._socket.ConnectAsync(webSocket, limit.Token);
        client._receiving = Task.Run(client.ReceiveAsync);
        return client;
    }

    /// <summary>The longest a command may wait for its answer.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Sends a command and returns its result; a protocol error or no answer in time fails the test with its message.</summary>
    public async Task<JsonElement> SendAsync(string method, object? parameters = null)
    {
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        int id;
        lock (_pending)
        {
            id = ++_nextId;
            _pending[id] = answer;
        }
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = JsonSerializer.SerializeToNode(parameters ?? new { }) };
        var bytes = Encoding.UTF8.GetBytes(message.ToJsonString());
        JsonElement reply;
        using var limit = new CancellationTokenSource(CommandTimeout);
        try
        {
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, limit.Token);
            reply = await answer.Task.WaitAsync(limit.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            lock (_pending) _pending.Remove(id);
            throw new XunitException(e is OperationCanceledException
                ? $"DevTools {method} got no answer within {CommandTimeout.TotalSeconds:F0} s"
                : $"DevTools {method} could not be sent: {e.Message}");
        }
        if (reply.TryGetProperty("error", out var error)) throw new XunitException($"DevTools {method} failed: {error}");
        return reply.GetProperty("result").Clone();
    }

    /// <summary>The value of a JavaScript expression in the page (a promise is awaited); a thrown exception fails the test.</summary>
    public async Task<JsonElement> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new { expression, returnByValue = true, awaitPromise = true });
        if (result.TryGetProperty("exceptionDetails", out var exception)) throw new XunitException($"the page threw: {exception}");
        return result.GetProperty("result").TryGetProperty("value", out var value) ? value.Clone() : default;
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                var part = await _socket.ReceiveAsync(buffer, _closing.Token);
                if (part.MessageType == WebSocketMessageType.Close) break;
                message.Write(buffer, 0, part.Count);
                if (!part.EndOfMessage) continue;
                Dispatch(JsonDocument.Parse(message.ToArray()).RootElement);
                message.SetLength(0);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or JsonException)
        {
            // Closing, the browser went away, or it sent what is not JSON: every command still waiting fails below.
        }
        lock (_pending)
        {
            foreach (var answer in _pending.Values) answer.TrySetException(new XunitException("the DevTools connection closed"));
            _pending.Clear();
        }
    }

    private void Dispatch(JsonElement message)
    {
        if (message.TryGetProperty("id", out var id))
        {
            TaskCompletionSource<JsonElement>? answer;
            lock (_pending) _pending.Remove(id.GetInt32(), out answer);
            answer?.TrySetResult(message.Clone());
            return;
        }
        string method = message.GetProperty("method").GetString() ?? "";
        var p = message.GetProperty("params");
        string? error = method switch
        {
            "Runtime.exceptionThrown" => $"uncaught: {p.GetProperty("exceptionDetails")}",
            "Log.entryAdded" when p.GetProperty("entry").GetProperty("level").GetString() == "error" => $"log: {p.GetProperty("entry")}",
            _ => null,
        };
        if (error is not null) lock (_errors) _errors.Add(error);
    }

    public async ValueTask DisposeAsync()
    {
        _closing.Cancel();
        try
        {
            await _receiving;
        }
        finally
        {
            _socket.Dispose();
            _closing.Dispose();
        }
    }
}
