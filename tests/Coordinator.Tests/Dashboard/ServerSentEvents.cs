// Reads a text/event-stream response as a browser's EventSource does: "event:" and "data:" lines, dispatched at
// each blank line (several data lines joined with a line feed).
namespace Dpt.Coordinator.Tests.Dashboard;

internal sealed class ServerSentEvents(Stream stream) : IDisposable
{
    private readonly StreamReader _reader = new(stream);

    public sealed record Event(string Type, string Data);

    /// <summary>The next event, or null when the server ended the stream.</summary>
    public async Task<Event?> NextAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        string type = "message";
        var data = new List<string>();
        while (await _reader.ReadLineAsync(limit.Token) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Count > 0) return new Event(type, string.Join("\n", data));
                type = "message";
                continue;
            }
            if (line.StartsWith(':')) continue; // a comment
            int colon = line.IndexOf(':');
            string field = colon < 0 ? line : line[..colon];
            string value = colon < 0 ? "" : line[(colon + 1)..];
            if (value.StartsWith(' ')) value = value[1..]; // one space after the colon is not part of the value
            if (field == "event") type = value;
            else if (field == "data") data.Add(value);
        }
        return null;
    }

    public void Dispose() => _reader.Dispose();
}
