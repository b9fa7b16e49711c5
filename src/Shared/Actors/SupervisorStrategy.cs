// How a parent handles its children's failures: a decider maps the exception to a Directive,
// and a limit on restarts within a time window turns too many restarts into a stop.
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Dpt.Actors;

/// <summary>A parent's policy for failed children; see <see cref="OneForOneStrategy"/> and
/// <see cref="AllForOneStrategy"/>.</summary>
public abstract class SupervisorStrategy
{
    private protected SupervisorStrategy(int? maxNrOfRetries, TimeSpan? withinTimeRange, Func<Exception, Directive> decider, bool loggingEnabled)
    {
        ArgumentNullException.ThrowIfNull(decider);
        if (maxNrOfRetries is < -1)
            throw new ArgumentOutOfRangeException(nameof(maxNrOfRetries), maxNrOfRetries, "must be >= 0, or -1 or null for no limit");
        if (withinTimeRange is { } window && window != Timeout.InfiniteTimeSpan && window <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(withinTimeRange), withinTimeRange, "must be positive, or null or infinite for no window");
        MaxNrOfRetries = maxNrOfRetries == -1 ? null : maxNrOfRetries;
        WithinTimeRange = withinTimeRange == Timeout.InfiniteTimeSpan ? null : withinTimeRange;
        Decider = decider;
        LoggingEnabled = loggingEnabled;
    }

    /// <summary>Akka's default decider: <see cref="ActorInitializationException"/>,
    /// <see cref="ActorKilledException"/> and <see cref="DeathPactException"/> stop the child, any
    /// other exception restarts it.</summary>
    public static Directive DefaultDecider(Exception cause) => cause switch
    {
        ActorInitializationException or ActorKilledException or DeathPactException => Directive.Stop,
        _ => Directive.Restart,
    };

    /// <summary>One-for-one with <see cref="DefaultDecider"/> and unlimited restarts.</summary>
    public static SupervisorStrategy DefaultStrategy { get; } = new OneForOneStrategy(DefaultDecider);

    /// <summary>One-for-one that stops every failed child.</summary>
    public static SupervisorStrategy StoppingStrategy { get; } = new OneForOneStrategy(static _ => Directive.Stop);

    /// <summary>How many restarts are allowed (within <see cref="WithinTimeRange"/> if set) before
    /// the child is stopped instead; null means no limit.</summary>
    public int? MaxNrOfRetries { get; }

    /// <summary>The window in which <see cref="MaxNrOfRetries"/> counts restarts; null means the
    /// limit counts over the child's whole life.</summary>
    public TimeSpan? WithinTimeRange { get; }

    /// <summary>Maps a child's exception to a directive.</summary>
    public Func<Exception, Directive> Decider { get; }

    /// <summary>Whether failures are logged (Error for Restart and Stop, Warning for Resume).</summary>
    public bool LoggingEnabled { get; }

    /// <summary>Applies the strategy to a failure of <paramref name="failed"/>; false means escalate.</summary>
    internal bool HandleFailure(ActorCell supervisor, ChildEntry failed, Exception cause, IReadOnlyList<ChildEntry> children)
    {
        var directive = Decider(cause);
        if (LoggingEnabled) LogFailure(supervisor, failed.Ref, cause, directive);
        switch (directive)
        {
            case Directive.Resume:
                supervisor.ResumeChildAfterFailure(failed.Ref, cause);
                return true;
            case Directive.Restart:
                ProcessFailure(supervisor, restart: true, failed, cause, children);
                return true;
            case Directive.Stop:
                ProcessFailure(supervisor, restart: false, failed, cause, children);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Restarts or stops the child (one-for-one) or all children (all-for-one).</summary>
    private protected abstract void ProcessFailure(ActorCell supervisor, bool restart, ChildEntry failed, Exception cause, IReadOnlyList<ChildEntry> children);

    /// <summary>Counts a restart of <paramref name="child"/>; false when it exceeds the limit.</summary>
    private protected bool RequestRestartPermission(ChildEntry child) =>
        child.Restarts.RequestRestartPermission(MaxNrOfRetries, WithinTimeRange, Stopwatch.GetTimestamp());

    private static void LogFailure(ActorCell supervisor, IActorRef child, Exception cause, Directive directive)
    {
        var log = supervisor.System.Log;
        switch (directive)
        {
            case Directive.Resume:
                log.LogWarning(cause, "{Child} failed; its supervisor {Supervisor} resumes it", child.Path, supervisor.Self.Path);
                break;
            case Directive.Restart or Directive.Stop:
                log.LogError(cause, "{Child} failed; its supervisor {Supervisor} decided to {Directive} it", child.Path, supervisor.Self.Path, directive);
                break;
        }
    }
}

/// <summary>Applies the directive to the failed child only.</summary>
public sealed class OneForOneStrategy : SupervisorStrategy
{
    /// <summary>A strategy with unlimited restarts.</summary>
    public OneForOneStrategy(Func<Exception, Directive> decider)
        : this(null, null, decider) { }

    /// <summary>A strategy that stops a child restarted more than <paramref name="maxNrOfRetries"/>
    /// times within <paramref name="withinTimeRange"/> (null or -1: no limit; null window: lifetime).</summary>
    public OneForOneStrategy(int? maxNrOfRetries, TimeSpan? withinTimeRange, Func<Exception, Directive> decider, bool loggingEnabled = true)
        : base(maxNrOfRetries, withinTimeRange, decider, loggingEnabled) { }

    private protected override void ProcessFailure(ActorCell supervisor, bool restart, ChildEntry failed, Exception cause, IReadOnlyList<ChildEntry> children)
    {
        if (restart && RequestRestartPermission(failed)) supervisor.RestartChild(failed.Ref, cause, suspendFirst: false);
        else supervisor.Stop(failed.Ref);
    }
}

/// <summary>Applies Restart and Stop to all children of the supervisor (Resume only to the failed one):
/// for children that only make sense together.</summary>
public sealed class AllForOneStrategy : SupervisorStrategy
{
    /// <summary>A strategy with unlimited restarts.</summary>
    public AllForOneStrategy(Func<Exception, Directive> decider)
        : this(null, null, decider) { }

    /// <summary>A strategy that stops all children once any of them is restarted more than
    /// <paramref name="maxNrOfRetries"/> times within <paramref name="withinTimeRange"/>.</summary>
    public AllForOneStrategy(int? maxNrOfRetries, TimeSpan? withinTimeRange, Func<Exception, Directive> decider, bool loggingEnabled = true)
        : base(maxNrOfRetries, withinTimeRange, decider, loggingEnabled) { }

    private protected override void ProcessFailure(ActorCell supervisor, bool restart, ChildEntry failed, Exception cause, IReadOnlyList<ChildEntry> children)
    {
        // Every child's restart is counted, so the limit applies to the group.
        bool permitted = restart;
        if (restart)
            foreach (var child in children) permitted &= RequestRestartPermission(child);
        foreach (var child in children)
        {
            if (permitted) supervisor.RestartChild(child.Ref, cause, suspendFirst: !ReferenceEquals(child, failed));
            else supervisor.Stop(child.Ref);
        }
    }
}
