// Progress of a long command on standard error. On a terminal one line, rewritten in place at most a few
// times a second; in a log, whole lines: one when a new stage starts and one every few seconds within it, so
// a captured log stays readable instead of holding thousands of carriage-return updates on one line.
namespace Dpt.Coordinator.Cli;

internal sealed class ProgressLine
{
    /// <summary>How often a terminal's line is rewritten at most.</summary>
    public static readonly TimeSpan TerminalInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>How often a log gets a line within one stage.</summary>
    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(5);

    private readonly TextWriter _writer;
    private readonly bool _log;
    private readonly Func<TimeSpan> _clock;
    private TimeSpan? _last;
    private string? _stage;
    private bool _open;

    /// <param name="log">Whole lines (the stream is redirected) rather than one line rewritten in place.</param>
    /// <param name="clock">Time since any fixed origin; the default is a monotonic clock.</param>
    public ProgressLine(TextWriter writer, bool log, Func<TimeSpan>? clock = null)
    {
        _writer = writer;
        _log = log;
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        _clock = clock ?? (() => System.Diagnostics.Stopwatch.GetElapsedTime(start));
    }

    /// <summary>Standard error, as whole lines when it is redirected.</summary>
    public static ProgressLine StandardError() => new(Console.Error, Console.IsErrorRedirected);

    /// <summary>Shows <paramref name="text"/>, whose stage is what comes before its last ": " (all of it if none),
    /// unless a line went out too recently; a new stage and <paramref name="edge"/> are always shown.</summary>
    public void Report(string text, bool edge = false)
    {
        int colon = text.LastIndexOf(": ", StringComparison.Ordinal);
        string stage = colon < 0 ? text : text[..colon];
        var now = _clock();
        bool due = _last is not { } last || now - last >= (_log ? LogInterval : TerminalInterval);
        if (!edge && !due && stage == _stage) return;
        _last = now;
        _stage = stage;
        if (_log) _writer.WriteLine(text);
        else
        {
            _writer.Write($"\r{text}   ");
            _open = true;
        }
    }

    /// <summary>Ends a terminal's progress line, so that what follows starts on a line of its own.</summary>
    public void End()
    {
        if (!_open) return;
        _writer.WriteLine();
        _open = false;
    }
}
