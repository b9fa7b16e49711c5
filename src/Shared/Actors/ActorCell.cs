// The runtime's side of one actor: it owns the mailbox, the actor instance, the behaviour stack,
// the children, death watch and supervision state, and implements IActorContext. All its state
// is touched only by the thread running its mailbox, except the children container (locked).
// This file holds construction, the context API and message dispatch; the partial files next to
// it hold lifecycle, supervision, death watch, async handlers and the receive timeout.
using Microsoft.Extensions.Logging;

namespace Dpt.Actors;

/// <summary>The container of one actor instance and everything the runtime keeps about it.</summary>
internal sealed partial class ActorCell : IActorContext
{
    [ThreadStatic] private static ActorCell? t_current;
    [ThreadStatic] private static ActorCell? t_underConstruction;

    private readonly IInternalActorRef _parent;
    private readonly ChildrenContainer _children = new();
    private readonly List<Receive> _behaviors = new(2);
    private ActorBase? _actor;
    private Envelope _current;
    private ILogger? _log;
    private TimerScheduler? _timers;
    private long _childNameCounter;

    public ActorCell(ActorSystem system, ActorPath path, Props props, IInternalActorRef parent)
    {
        System = system;
        Props = props;
        _parent = parent;
        Self = new LocalActorRef(path, this);
        Mailbox = Dispatchers.CreateMailbox(props.Dispatcher, this, system);
    }

    /// <summary>The cell whose mailbox is running on this thread, if any.</summary>
    public static ActorCell? Current => t_current;

    public ActorSystem System { get; }

    public Props Props { get; }

    public LocalActorRef Self { get; }

    public Mailbox Mailbox { get; }

    IActorRef IActorContext.Self => Self;

    public IActorRef Sender => _current.Sender ?? System.DeadLetters;

    public IActorRef Parent => _parent;

    public ILogger Log => _log ??= System.Settings.LoggerFactory.CreateLogger(Props.ActorType);

    public TimerScheduler Timers => _timers ??= new TimerScheduler(this);

    /// <summary>A new random incarnation id; never 0, which means "unknown" in paths.</summary>
    public static long NewUid()
    {
        long uid;
        do uid = Random.Shared.NextInt64(); while (uid == 0);
        return uid;
    }

    /// <summary>Queues Create and lets the mailbox run; called once the parent has registered the cell.</summary>
    public void Start()
    {
        Mailbox.PostSystem(SystemMessages.Create.Instance);
        Mailbox.Start();
    }

    public static ActorCell? EnterMailboxRun(ActorCell cell)
    {
        var previous = t_current;
        t_current = cell;
        return previous;
    }

    public static void ExitMailboxRun(ActorCell? previous) => t_current = previous;

    /// <summary>Hands the cell to <see cref="ActorBase"/>'s constructor, once: a second actor
    /// constructed by the same factory call gets null and refuses to be built.</summary>
    public static ActorCell? TakeCellUnderConstruction()
    {
        var cell = t_underConstruction;
        t_underConstruction = null;
        return cell;
    }

    /// <summary>Called from <see cref="ActorBase"/>'s constructor: the instance becomes this cell's actor
    /// with its initial behaviour.</summary>
    public void AttachActor(ActorBase actor)
    {
        _actor = actor;
        _behaviors.Clear();
        _behaviors.Add(actor.InitialBehavior);
    }

    private void NewActorInstance()
    {
        var previous = t_underConstruction;
        t_underConstruction = this;
        try
        {
            var actor = Props.NewActor();
            if (!ReferenceEquals(actor, _actor))
                throw new InvalidOperationException($"the factory of {Props} returned an actor that was not constructed for this ActorOf call");
            actor.AfterConstruction();
        }
        catch
        {
            _actor = null;
            _behaviors.Clear();
            throw;
        }
        finally
        {
            t_underConstruction = previous;
        }
    }

    // ---- Message dispatch -------------------------------------------------------------------

    /// <summary>Processes one user message (mailbox thread only).</summary>
    public void Invoke(Envelope envelope)
    {
        _current = envelope;
        try
        {
            if (envelope.Message is IAutoReceivedMessage) AutoReceiveMessage(envelope.Message);
            else ReceiveMessage(envelope.Message);
        }
        catch (Exception e)
        {
            HandleInvokeFailure(e);
        }
        finally
        {
            // Keep the envelope while a ReceiveAsync handler awaits (Sender must stay valid); else
            // release it, so a large message is not kept alive until the next one.
            if (!Mailbox.AwaitingTask) _current = default;
        }
    }

    private void ReceiveMessage(object message)
    {
        if (!_behaviors[^1](message)) _actor!.AroundUnhandled(message);
        if (_receiveTimeout is not null && message is not INotInfluenceReceiveTimeout) TouchReceiveTimeout();
    }

    private void AutoReceiveMessage(object message)
    {
        switch (message)
        {
            case Terminated terminated:
                ReceivedTerminated(terminated);
                break;
            case PoisonPill:
                Self.SendSystemMessage(SystemMessages.Terminate.Instance);
                break;
            case Kill:
                throw new ActorKilledException($"{Self.Path} received Kill");
            case TimerMessage timer:
                if (_timers?.Unwrap(timer) is { } payload) ReceiveMessage(payload);
                break;
            case ReceiveTimeoutCheck check:
                ReceivedReceiveTimeoutCheck(check);
                break;
            default:
                ReceiveMessage(message);
                break;
        }
    }

    /// <summary>Processes one system message (mailbox thread only).</summary>
    public void SystemInvoke(ISystemMessage message)
    {
        try
        {
            switch (message)
            {
                case SystemMessages.Create: Create(); break;
                case SystemMessages.Watch watch: AddWatcher(watch); break;
                case SystemMessages.Unwatch unwatch: RemoveWatcher(unwatch); break;
                case SystemMessages.DeathWatchNotification notification: WatchedActorTerminated(notification); break;
                case SystemMessages.Terminate: Terminate(); break;
                case SystemMessages.Failed failed: HandleFailed(failed); break;
                case SystemMessages.Suspend: SuspendRecursively(); break;
                case SystemMessages.Resume resume: HandleResume(resume); break;
                case SystemMessages.Recreate recreate: Recreate(recreate.Cause); break;
                case SystemMessages.AddressTerminated terminated: AddressTerminated(terminated.Address); break;
                case SystemMessages.RunContinuation continuation: RunContinuation(continuation); break;
                case SystemMessages.AsyncTaskCompleted completed: AsyncTaskCompleted(completed); break;
                default: Log.LogError("{Actor} received an unknown system message {Message}", Self.Path, message); break;
            }
        }
        catch (Exception e)
        {
            HandleInvokeFailure(e);
        }
    }

    /// <summary>Answers a system message that arrived after the actor stopped (any thread).</summary>
    public void SystemInvokeAfterTermination(ISystemMessage message)
    {
        if (message is SystemMessages.Watch watch && !watch.Watcher.Equals(Self))
            watch.Watcher.SendSystemMessage(new SystemMessages.DeathWatchNotification(Self, ExistenceConfirmed: false, AddressTerminated: false));
    }

    // ---- IActorContext ------------------------------------------------------------------------

    public IReadOnlyList<IActorRef> Children
    {
        get
        {
            lock (_children) return _children.Refs();
        }
    }

    public IActorRef Child(string name)
    {
        lock (_children) return _children.Get(name) ?? ActorRefs.Nobody;
    }

    /// <summary>The descendant at <paramref name="elements"/> below this cell, or null.</summary>
    public IInternalActorRef? Descendant(IReadOnlyList<string> elements)
    {
        var cell = this;
        foreach (var name in elements)
        {
            LocalActorRef? child;
            lock (cell._children) child = cell._children.Get(name);
            if (child is null) return null;
            cell = child.Cell;
        }
        return cell.Self;
    }

    public IActorRef ActorOf(Props props, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(props);
        if (name is null) name = ActorName.Generated(Interlocked.Increment(ref _childNameCounter) - 1);
        else ActorName.ValidateUserName(name);
        return MakeChild(props, name);
    }

    /// <summary>Creates, registers and starts a child; <paramref name="name"/> is already validated.</summary>
    public LocalActorRef MakeChild(Props props, string name)
    {
        lock (_children)
        {
            if (_children.IsTerminating)
                throw new InvalidOperationException($"cannot create child [{name}]: {Self.Path} is stopping");
            if (_children.Contains(name))
                throw new InvalidActorNameException($"actor name [{name}] is not unique: {Self.Path} already has a child with that name");
            var child = new ActorCell(System, (Self.Path / name).WithUid(NewUid()), props, Self);
            _children.Add(child.Self);
            child.Start();
            return child.Self;
        }
    }

    public void Stop(IActorRef actor)
    {
        if (actor is not IInternalActorRef target)
            throw new ArgumentException($"cannot stop {actor}: it is not a ref of this runtime", nameof(actor));
        lock (_children)
        {
            if (_children.Find(actor) is { } child) child.Stopping = true;
        }
        target.SendSystemMessage(SystemMessages.Terminate.Instance);
    }

    public void Become(Receive receive)
    {
        ArgumentNullException.ThrowIfNull(receive);
        if (_behaviors.Count > 0) _behaviors.RemoveAt(_behaviors.Count - 1);
        _behaviors.Add(receive);
    }

    public void BecomeStacked(Receive receive)
    {
        ArgumentNullException.ThrowIfNull(receive);
        _behaviors.Add(receive);
    }

    public void UnbecomeStacked()
    {
        if (_behaviors.Count > 1) _behaviors.RemoveAt(_behaviors.Count - 1);
    }

    public override string ToString() => $"ActorCell({Self.Path})";
}
