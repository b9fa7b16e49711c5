// The base class of all actors: Self, Sender, Context, the lifecycle hooks and the default
// handling of unhandled messages. An actor instance is made only by the runtime, from Props.
using Microsoft.Extensions.Logging;

namespace Dpt.Actors;

/// <summary>An actor: state plus a behaviour that processes one message at a time.</summary>
public abstract class ActorBase
{
    private readonly ActorCell _cell;
    private SupervisorStrategy? _supervisorStrategy;

    /// <summary>Binds the new instance to the cell that is creating it.</summary>
    protected ActorBase()
    {
        _cell = ActorCell.TakeCellUnderConstruction()
            ?? throw new InvalidOperationException(
                $"{GetType().Name} must be created by the actor system (ActorOf with Props), not with 'new' or inside another actor's construction");
        _cell.AttachActor(this);
        // Derived field initialisers have already run, so this survives a "Timers { get; set; } = null!".
        if (this is IWithTimers withTimers) withTimers.Timers = _cell.Timers;
    }

    /// <summary>This actor's ref.</summary>
    protected IActorRef Self => _cell.Self;

    /// <summary>The sender of the message being processed (dead letters if none).</summary>
    protected IActorRef Sender => _cell.Sender;

    /// <summary>The actor's context: family, death watch, behaviours.</summary>
    protected IActorContext Context => _cell;

    /// <summary>A logger whose category is the actor's type.</summary>
    protected ILogger Log => _cell.Log;

    /// <summary>The initial behaviour: returns true when the message was handled.</summary>
    protected abstract bool Receive(object message);

    /// <summary>Called before the first message, after construction.</summary>
    protected virtual void PreStart() { }

    /// <summary>Called after the actor stopped (its children have stopped already), before its
    /// watchers are told. Not called when the constructor or PreStart failed.</summary>
    protected virtual void PostStop() { }

    /// <summary>Called on the failed instance before a restart. By default unwatches and stops
    /// all children, then calls <see cref="PostStop"/>.</summary>
    protected virtual void PreRestart(Exception reason, object? message)
    {
        foreach (var child in Context.Children)
        {
            Context.Unwatch(child);
            Context.Stop(child);
        }
        PostStop();
    }

    /// <summary>Called on the fresh instance after a restart. By default calls <see cref="PreStart"/>.</summary>
    protected virtual void PostRestart(Exception reason) => PreStart();

    /// <summary>The strategy for this actor's children; <see cref="Props.WithSupervisorStrategy"/>
    /// takes precedence. Default: <see cref="Actors.SupervisorStrategy.DefaultStrategy"/>.</summary>
    protected virtual SupervisorStrategy SupervisorStrategy() => Actors.SupervisorStrategy.DefaultStrategy;

    /// <summary>Called for a message no behaviour handled. An unhandled <see cref="Terminated"/>
    /// throws <see cref="DeathPactException"/>; anything else is published as
    /// <see cref="UnhandledMessage"/> on the event stream.</summary>
    protected virtual void Unhandled(object message)
    {
        if (message is Terminated terminated) throw new DeathPactException(terminated.ActorRef);
        _cell.System.EventStream.Publish(new UnhandledMessage(message, Sender, Self));
        Log.LogDebug("Unhandled message {Message} from {Sender} in {Actor}", message, Sender, Self.Path);
    }

    /// <summary>Runs <paramref name="action"/> the way <c>ReceiveAsync</c> does: no further user message
    /// is processed until its task completes, and its continuations run inside the actor (with
    /// <c>Sender</c> still the current message's sender). A faulted task fails the actor.</summary>
    protected void RunTask(Func<Task> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        _cell.RunTask(action);
    }

    internal Receive InitialBehavior => Receive;

    internal SupervisorStrategy SupervisorStrategyInternal =>
        _supervisorStrategy ??= _cell.Props.SupervisorStrategy ?? SupervisorStrategy();

    internal virtual void AfterConstruction() { }

    internal void AroundPreStart() => PreStart();

    internal void AroundPostStop() => PostStop();

    internal void AroundPreRestart(Exception reason, object? message) => PreRestart(reason, message);

    internal void AroundPostRestart(Exception reason) => PostRestart(reason);

    internal void AroundUnhandled(object message) => Unhandled(message);
}
