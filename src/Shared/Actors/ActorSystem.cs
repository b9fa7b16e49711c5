// An actor system: the actor tree under its guardians, the event stream, the scheduler, dead
// letters and the ref provider. Terminating it stops every actor, user actors first.
using Microsoft.Extensions.Logging;

namespace Dpt.Actors;

/// <summary>A named hierarchy of actors and the services they share.</summary>
public sealed class ActorSystem : IDisposable, IAsyncDisposable
{
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly DefaultScheduler _scheduler;
    private readonly ActorCell _userGuardian;
    private readonly ActorCell _systemGuardian;
    private int _terminateRequested;

    private ActorSystem(string name, ActorSystemSettings settings)
    {
        Name = name;
        Settings = settings;
        Log = settings.LoggerFactory.CreateLogger("Dpt.Actors");
        _scheduler = new DefaultScheduler(Log);
        SharedThreads = new SharedThreads(Log, settings.ThreadSpinDuration);
        EventStream = new EventStream();
        Provider = new ActorRefProvider(this);

        // Guardians are registered before the root starts, so the root's PreStart can watch "/user".
        var root = Provider.RootPath.WithUid(ActorCell.NewUid());
        RootCell = new ActorCell(this, root, Props.Create(static () => new RootGuardianActor()), new RootParentRef(this, root / "bubble-walker"));
        _userGuardian = RootCell.MakeChild(Props.Create(() => new GuardianActor(settings.GuardianSupervisorStrategy)), "user").Cell;
        _systemGuardian = RootCell.MakeChild(Props.Create(static () => new GuardianActor(SupervisorStrategy.DefaultStrategy)), "system").Cell;
        RootCell.Start();
    }

    /// <summary>Creates and starts a system; <paramref name="name"/> must be an ASCII letter or digit
    /// followed by letters, digits, '-' or '_'.</summary>
    public static ActorSystem Create(string name, ActorSystemSettings? settings = null)
    {
        ActorName.ValidateSystemName(name, nameof(name));
        settings ??= ActorSystemSettings.Default;
        settings.Validate();
        return new ActorSystem(name, settings);
    }

    /// <summary>The system's name, the "trainer" of "dpt://trainer".</summary>
    public string Name { get; }

    /// <summary>The validated settings.</summary>
    public ActorSystemSettings Settings { get; }

    /// <summary>The threads of the "thread:&lt;name&gt;" dispatchers.</summary>
    internal SharedThreads SharedThreads { get; }

    /// <summary>The runtime's logger (category "Dpt.Actors").</summary>
    public ILogger Log { get; }

    /// <summary>The system's publish/subscribe channel (dead letters, unhandled messages, ...).</summary>
    public EventStream EventStream { get; }

    /// <summary>Sends messages later.</summary>
    public IScheduler Scheduler => _scheduler;

    /// <summary>Path resolution and the remote-layer seam.</summary>
    public ActorRefProvider Provider { get; }

    /// <summary>Where undeliverable messages go; the Sender of a message sent without one.</summary>
    public IActorRef DeadLetters => Provider.DeadLetters;

    /// <summary>Completes once every actor has stopped after <see cref="Terminate"/>.</summary>
    public Task WhenTerminated => _terminated.Task;

    internal ActorCell RootCell { get; }

    /// <summary>Creates a top-level actor under "/user", supervised by the user guardian
    /// (<see cref="ActorSystemSettings.GuardianSupervisorStrategy"/>).</summary>
    public IActorRef ActorOf(Props props, string? name = null) => _userGuardian.ActorOf(props, name);

    /// <summary>Creates a runtime actor under "/system" (TestKit probes and the like).</summary>
    internal IActorRef SystemActorOf(Props props, string? name = null) => _systemGuardian.ActorOf(props, name);

    /// <summary>Stops <paramref name="actor"/> asynchronously.</summary>
    public void Stop(IActorRef actor)
    {
        if (actor is not IInternalActorRef target)
            throw new ArgumentException($"cannot stop {actor}: it is not a ref of this runtime", nameof(actor));
        target.SendSystemMessage(SystemMessages.Terminate.Instance);
    }

    /// <summary>Stops all actors (those under "/user" first) and then the scheduler; returns <see cref="WhenTerminated"/>.</summary>
    public Task Terminate()
    {
        if (Interlocked.Exchange(ref _terminateRequested, 1) == 0)
            _userGuardian.Self.SendSystemMessage(SystemMessages.Terminate.Instance);
        return WhenTerminated;
    }

    /// <summary>Terminates and waits up to <see cref="ActorSystemSettings.TerminationTimeout"/>; do not
    /// call it from inside an actor of this system.</summary>
    public void Dispose()
    {
        if (!Terminate().Wait(Settings.TerminationTimeout))
            Log.LogWarning("Actor system {System} did not terminate within {Timeout}", Name, Settings.TerminationTimeout);
    }

    /// <summary>Terminates and waits up to <see cref="ActorSystemSettings.TerminationTimeout"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await Terminate().WaitAsync(Settings.TerminationTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Log.LogWarning("Actor system {System} did not terminate within {Timeout}", Name, Settings.TerminationTimeout);
        }
    }

    /// <summary>Publishes a <see cref="DeadLetter"/> for a message <paramref name="recipient"/> could not take.</summary>
    internal void PublishDeadLetter(object message, IActorRef? sender, IActorRef recipient)
    {
        var deadLetter = new DeadLetter(message, sender ?? DeadLetters, recipient);
        EventStream.Publish(deadLetter);
        Log.LogDebug("Dead letter: {Message} from {Sender} to {Recipient} was not delivered", message, deadLetter.Sender, recipient);
    }

    /// <summary>Called when the root guardian has stopped: the last step of termination.</summary>
    internal void RootTerminated()
    {
        Interlocked.Exchange(ref _terminateRequested, 1);
        _scheduler.Shutdown();
        SharedThreads.StopAll();
        Log.LogDebug("Actor system {System} terminated", Name);
        _terminated.TrySetResult();
    }

    public override string ToString() => Provider.LocalAddress.ToString();
}
