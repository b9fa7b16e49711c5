// Routes an actor system's log to xunit's per-test output, so a failing test shows what the
// runtime logged (failures, supervisor decisions) next to the assertion.
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Dpt.TestKit;

/// <summary>An <see cref="ILoggerFactory"/> writing to an <see cref="ITestOutputHelper"/>.</summary>
public sealed class TestOutputLoggerFactory(ITestOutputHelper output, LogLevel minimumLevel = LogLevel.Information) : ILoggerFactory
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <summary>The lowest level written.</summary>
    public LogLevel MinimumLevel { get; } = minimumLevel;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>Not supported: this factory writes to the test output only.</summary>
    public void AddProvider(ILoggerProvider provider) =>
        throw new NotSupportedException("TestOutputLoggerFactory writes to the test output only; it takes no providers");

    public void Dispose() { }

    private void Write(string category, LogLevel level, string message, Exception? exception)
    {
        string line = $"{_clock.Elapsed.TotalSeconds:0.000}s [{level}] {category}: {message}";
        if (exception is not null) line += Environment.NewLine + exception;
        try
        {
            output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // The test has finished and xunit no longer takes its output (e.g. late shutdown logs).
        }
    }

    private sealed class Logger(TestOutputLoggerFactory factory, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= factory.MinimumLevel;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) factory.Write(category, logLevel, formatter(state, exception), exception);
        }
    }
}
