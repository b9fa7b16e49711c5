// An actor's mailbox: a queue of user messages and a queue of system messages, run by at most
// one thread at a time, system messages first. Subclasses decide which thread runs it.
// It does not interpret messages; the ActorCell does.
using System.Collections.Concurrent;

namespace Dpt.Actors;

/// <summary>The queues of one actor and the rule that runs them one message at a time.</summary>
internal abstract class Mailbox
{
    private readonly ConcurrentQueue<Envelope> _userQueue = new();
    private readonly ConcurrentQueue<ISystemMessage> _systemQueue = new();
    private readonly int _throughput;

    // 1 from the moment a run is requested until the run has finished: the CAS from 0 to 1 is what
    // guarantees that a mailbox never runs on two threads at once.
    private int _scheduled;
    private volatile bool _closed;

    // Owned by the thread running the mailbox. A new mailbox starts suspended; Create resumes it.
    private int _suspendCount = 1;

    protected Mailbox(ActorCell cell, int throughput)
    {
        Cell = cell;
        _throughput = throughput;
    }

    /// <summary>The cell whose messages this mailbox holds.</summary>
    protected ActorCell Cell { get; }

    /// <summary>True once the actor has stopped: everything sent from now on goes to dead letters.</summary>
    public bool IsClosed => _closed;

    /// <summary>True while the actor must not process user messages (failure, restart, suspension by a parent).</summary>
    public bool IsSuspended => _suspendCount > 0;

    /// <summary>True while a ReceiveAsync handler's task runs; user messages wait for it.</summary>
    public bool AwaitingTask { get; set; }

    public void Suspend() => _suspendCount++;

    public void Resume()
    {
        if (_suspendCount > 0) _suspendCount--;
    }

    /// <summary>Lifts every suspension; a restarted actor starts afresh.</summary>
    public void ClearSuspension() => _suspendCount = 0;

    private bool CanProcessUserMessages => _suspendCount == 0 && !AwaitingTask && !_closed;

    /// <summary>Queues a user message (any thread).</summary>
    public void Post(object message, IActorRef? sender)
    {
        _userQueue.Enqueue(new Envelope(message, sender));
        // The enqueue is a full fence and Close writes _closed before draining, so either this
        // thread sees the mailbox closed or the closing thread sees the message: none is lost.
        if (_closed) DrainUserMessagesToDeadLetters();
        else Schedule();
    }

    /// <summary>Queues a system message (any thread).</summary>
    public void PostSystem(ISystemMessage message)
    {
        _systemQueue.Enqueue(message);
        if (_closed) DrainSystemMessagesAfterClose();
        else Schedule();
    }

    /// <summary>Lets the mailbox begin running: called once the cell is registered with its parent.</summary>
    public virtual void Start() => Schedule();

    /// <summary>Closes the mailbox (on its own thread, as the actor stops): queued and later user
    /// messages go to dead letters, later system messages get the answers of a dead actor.</summary>
    public void Close()
    {
        _closed = true;
        Interlocked.MemoryBarrier();
        DrainUserMessagesToDeadLetters();
        DrainSystemMessagesAfterClose();
    }

    /// <summary>Arranges for <see cref="Run"/> to be called on some thread, soon.</summary>
    protected abstract void RequestRun();

    private void Schedule()
    {
        if (Volatile.Read(ref _scheduled) == 0 && Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
            RequestRun();
    }

    /// <summary>Processes system messages, then up to the throughput of user messages (system
    /// messages again after each), then reschedules itself if work is left.</summary>
    protected void Run()
    {
        var previous = ActorCell.EnterMailboxRun(Cell);
        try
        {
            ProcessSystemMessages();
            int left = _throughput;
            while (left-- > 0 && CanProcessUserMessages && _userQueue.TryDequeue(out var envelope))
            {
                Cell.Invoke(envelope);
                ProcessSystemMessages();
            }
        }
        finally
        {
            ActorCell.ExitMailboxRun(previous);
            Interlocked.Exchange(ref _scheduled, 0);
            if (!_closed && (!_systemQueue.IsEmpty || (CanProcessUserMessages && !_userQueue.IsEmpty)))
                Schedule();
        }
    }

    private void ProcessSystemMessages()
    {
        while (!_closed && _systemQueue.TryDequeue(out var message))
            Cell.SystemInvoke(message);
    }

    private void DrainUserMessagesToDeadLetters()
    {
        while (_userQueue.TryDequeue(out var envelope))
            Cell.System.PublishDeadLetter(envelope.Message, envelope.Sender, Cell.Self);
    }

    private void DrainSystemMessagesAfterClose()
    {
        while (_systemQueue.TryDequeue(out var message))
            Cell.SystemInvokeAfterTermination(message);
    }
}
