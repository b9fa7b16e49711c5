// An actor's start and stop. Stopping runs in two phases: Terminate stops the children, and
// once the last one has reported its death FinishTerminate runs PostStop, closes the mailbox
// (the rest goes to dead letters) and tells watchers and the parent.
using Microsoft.Extensions.Logging;

namespace Dpt.Actors;

internal sealed partial class ActorCell
{
    private bool _terminating;

    /// <summary>True once Terminate was processed.</summary>
    public bool IsTerminating => _terminating;

    private void Create()
    {
        Mailbox.Resume(); // a new mailbox starts suspended, so nothing runs before the actor exists
        try
        {
            NewActorInstance();
            _actor!.AroundPreStart();
        }
        catch (Exception e)
        {
            _actor = null;
            throw new ActorInitializationException(Self, $"{Self.Path} could not be created: {e.Message}", e);
        }
        ReplayStashedFailures();
    }

    private void Terminate()
    {
        if (_terminating) return;
        _terminating = true;
        Mailbox.Suspend();
        CancelActorScheduledWork();
        UnwatchWatchedActors();
        lock (_children) _children.IsTerminating = true;
        if (StopChildren() == 0) FinishTerminate();
    }

    /// <summary>Asks every child to stop; returns how many there were.</summary>
    private int StopChildren()
    {
        ChildEntry[] children;
        lock (_children)
        {
            children = _children.Entries();
            foreach (var child in children) child.Stopping = true;
        }
        foreach (var child in children) child.Ref.SendSystemMessage(SystemMessages.Terminate.Instance);
        return children.Length;
    }

    private void FinishTerminate()
    {
        try
        {
            _actor?.AroundPostStop();
        }
        catch (Exception e)
        {
            Log.LogError(e, "PostStop of {Actor} failed", Self.Path);
        }
        finally
        {
            _actor = null;
            _behaviors.Clear();
            Mailbox.Close();
            System.EventStream.Unsubscribe(Self);
            System.Provider.UnsubscribeAddressTerminated(this);
            TellWatchersWeDied();
            _parent.SendSystemMessage(new SystemMessages.DeathWatchNotification(Self, ExistenceConfirmed: true, AddressTerminated: false));
        }
    }

    /// <summary>A child has stopped: frees its name and continues a pending stop or restart.</summary>
    private void ChildTerminated(IActorRef child)
    {
        bool removed;
        bool childrenLeft;
        bool stoppingLeft;
        lock (_children)
        {
            removed = _children.Remove(child);
            childrenLeft = _children.Count > 0;
            stoppingLeft = _children.AnyStopping;
        }
        if (!removed) return;
        if (_terminating)
        {
            if (!childrenLeft) FinishTerminate();
        }
        else if (_pendingRecreate is { } cause && !stoppingLeft)
        {
            FinishRecreate(cause);
        }
    }

    /// <summary>Cancels timers, the receive timeout and any awaited ReceiveAsync task: nothing the old
    /// instance scheduled may reach a stopped or restarted actor.</summary>
    private void CancelActorScheduledWork()
    {
        _timers?.CancelAll();
        CancelReceiveTimeout();
        CancelAsyncTask();
    }
}
