// The restart count a supervisor keeps per child, and the rule that turns "too many restarts
// within the window" into a stop (Akka's ChildRestartStats).
using System.Diagnostics;

namespace Dpt.Actors;

/// <summary>Restarts of one child counted against its supervisor strategy's limit.</summary>
internal sealed class ChildRestartStats
{
    /// <summary>Restarts counted in the current window (or over the child's life without a window).</summary>
    public int RetryCount { get; private set; }

    /// <summary>Stopwatch timestamp at which the current window began.</summary>
    public long WindowStart { get; private set; }

    /// <summary>Counts one restart at <paramref name="now"/> (a Stopwatch timestamp); false when it
    /// exceeds <paramref name="maxNrOfRetries"/> within <paramref name="withinTimeRange"/>.</summary>
    public bool RequestRestartPermission(int? maxNrOfRetries, TimeSpan? withinTimeRange, long now)
    {
        if (maxNrOfRetries is not { } max) return true;
        if (max == 0) return false;
        if (withinTimeRange is not { } window) return ++RetryCount <= max;
        if (RetryCount == 0 || Stopwatch.GetElapsedTime(WindowStart, now) > window)
        {
            // The first restart, or the previous window has passed: a new window starts now.
            WindowStart = now;
            RetryCount = 1;
            return true;
        }
        return ++RetryCount <= max;
    }
}
