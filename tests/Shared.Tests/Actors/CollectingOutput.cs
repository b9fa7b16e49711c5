// An ITestOutputHelper that keeps the lines written to it, for specs that check what was logged.
using System.Collections.Concurrent;
using System.Globalization;
using Xunit.Abstractions;

namespace Dpt.Shared.Tests.Actors;

/// <summary>Collects written lines; thread-safe.</summary>
internal sealed class CollectingOutput : ITestOutputHelper
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public void WriteLine(string message) => Lines.Enqueue(message);

    public void WriteLine(string format, params object[] args) => Lines.Enqueue(string.Format(CultureInfo.InvariantCulture, format, args));
}
