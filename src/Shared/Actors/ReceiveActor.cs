// An actor whose behaviour is a list of typed handlers registered in its constructor, as in
// Akka.NET: Receive<T>(handler), ReceiveAsync<T>(handler), ReceiveAny(handler), and Become with
// a configure action that registers the handlers of the next behaviour.

namespace Dpt.Actors;

/// <summary>An actor configured with typed handlers. The first handler whose type (and predicate)
/// matches a message handles it; a message no handler matches goes to <c>Unhandled</c>.</summary>
public abstract class ReceiveActor : ActorBase
{
    private readonly HandlerSet _initial = new();
    private HandlerSet? _configuring;

    /// <summary>Starts the configuration of the initial behaviour; register handlers in the constructor.</summary>
    protected ReceiveActor() => _configuring = _initial;

    protected sealed override bool Receive(object message) => _initial.TryHandle(message);

    /// <summary>Handles messages of type <typeparamref name="T"/>.</summary>
    protected void Receive<T>(Action<T> handler) => Receive(handler, null);

    /// <summary>Handles messages of type <typeparamref name="T"/> for which <paramref name="shouldHandle"/> holds.</summary>
    protected void Receive<T>(Action<T> handler, Predicate<T>? shouldHandle)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Configuring().Add(new SyncHandler<T>(handler, shouldHandle));
    }

    /// <summary>Handles messages of type <typeparamref name="T"/> for which <paramref name="shouldHandle"/> holds
    /// (Akka's predicate-first form).</summary>
    protected void Receive<T>(Predicate<T> shouldHandle, Action<T> handler)
    {
        ArgumentNullException.ThrowIfNull(shouldHandle);
        Receive(handler, shouldHandle);
    }

    /// <summary>Handles messages of type <typeparamref name="T"/> with an async handler; no other
    /// user message is processed until its task completes (as in Akka).</summary>
    protected void ReceiveAsync<T>(Func<T, Task> handler, Predicate<T>? shouldHandle = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Configuring().Add(new AsyncHandler<T>(this, handler, shouldHandle));
    }

    /// <summary>Async handler for messages of type <typeparamref name="T"/> for which <paramref name="shouldHandle"/>
    /// holds (Akka's predicate-first form).</summary>
    protected void ReceiveAsync<T>(Predicate<T> shouldHandle, Func<T, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(shouldHandle);
        ReceiveAsync(handler, shouldHandle);
    }

    /// <summary>Handles every message not handled by an earlier handler; must be registered last.</summary>
    protected void ReceiveAny(Action<object> handler) => Receive(handler, null);

    /// <summary>Replaces the behaviour with the handlers <paramref name="configure"/> registers.</summary>
    protected void Become(Action configure) => Context.Become(Build(configure).TryHandle);

    /// <summary>Pushes the behaviour <paramref name="configure"/> registers; <see cref="UnbecomeStacked"/> pops it.</summary>
    protected void BecomeStacked(Action configure) => Context.BecomeStacked(Build(configure).TryHandle);

    /// <summary>Returns to the behaviour before the last <see cref="BecomeStacked"/>.</summary>
    protected void UnbecomeStacked() => Context.UnbecomeStacked();

    internal override void AfterConstruction() => _configuring = null;

    private HandlerSet Build(Action configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var previous = _configuring;
        var set = _configuring = new HandlerSet();
        try
        {
            configure();
            return set;
        }
        finally
        {
            _configuring = previous;
        }
    }

    private HandlerSet Configuring() =>
        _configuring ?? throw new InvalidOperationException(
            $"{GetType().Name}: handlers can only be registered in the constructor or inside the configure action of Become");

    /// <summary>The handlers of one behaviour, tried in registration order.</summary>
    private sealed class HandlerSet
    {
        private readonly List<Handler> _handlers = [];
        private bool _hasCatchAll;

        public void Add(Handler handler)
        {
            if (_hasCatchAll)
                throw new InvalidOperationException("a handler registered after ReceiveAny (or Receive<object>) could never run");
            _hasCatchAll = handler.CatchesAll;
            _handlers.Add(handler);
        }

        public bool TryHandle(object message)
        {
            foreach (var handler in _handlers)
                if (handler.TryHandle(message)) return true;
            return false;
        }
    }

    private abstract class Handler
    {
        public abstract bool CatchesAll { get; }

        public abstract bool TryHandle(object message);
    }

    private sealed class SyncHandler<T>(Action<T> handler, Predicate<T>? shouldHandle) : Handler
    {
        public override bool CatchesAll => typeof(T) == typeof(object) && shouldHandle is null;

        public override bool TryHandle(object message)
        {
            if (message is not T typed || (shouldHandle is not null && !shouldHandle(typed))) return false;
            handler(typed);
            return true;
        }
    }

    private sealed class AsyncHandler<T>(ReceiveActor actor, Func<T, Task> handler, Predicate<T>? shouldHandle) : Handler
    {
        public override bool CatchesAll => typeof(T) == typeof(object) && shouldHandle is null;

        public override bool TryHandle(object message)
        {
            if (message is not T typed || (shouldHandle is not null && !shouldHandle(typed))) return false;
            actor.RunTask(() => handler(typed));
            return true;
        }
    }
}
