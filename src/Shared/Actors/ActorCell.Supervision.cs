// Failure and supervision, as in Akka: a failing actor suspends itself and its children and
// reports Failed to its parent; the parent's strategy answers with Resume, Recreate (restart),
// Terminate (stop), or fails the parent in turn (escalate). A restart runs PreRestart on the old
// instance, waits for the children it stopped, then makes a new instance and runs PostRestart.
using Microsoft.Extensions.Logging;

namespace Dpt.Actors;

internal sealed partial class ActorCell
{
    private bool _failed;
    private object? _failedMessage;
    private Exception? _pendingRecreate;
    private IActorRef? _perpetrator;
    private List<SystemMessages.Failed>? _stashedFailures;

    /// <summary>The actor (or its creation) threw: suspend, and let the parent decide.</summary>
    private void HandleInvokeFailure(Exception cause)
    {
        if (_terminating)
        {
            Log.LogError(cause, "{Actor} failed while stopping", Self.Path);
            return;
        }
        if (_failed)
        {
            // Already waiting for the supervisor's decision; one report per failure is enough.
            Log.LogError(cause, "{Actor} failed again while waiting for its supervisor", Self.Path);
            return;
        }
        _failed = true;
        _failedMessage = _current.Message;
        Mailbox.Suspend();
        SendToChildren(SystemMessages.Suspend.Instance);
        _parent.SendSystemMessage(new SystemMessages.Failed(Self, cause));
    }

    private void HandleFailed(SystemMessages.Failed failed)
    {
        if (_terminating) return; // the child is being stopped anyway
        if (Mailbox.IsSuspended)
        {
            // This actor itself awaits a decision; a restart would settle the child's failure too.
            (_stashedFailures ??= []).Add(failed);
            return;
        }
        ChildEntry? child;
        ChildEntry[] children;
        lock (_children)
        {
            child = _children.Find(failed.Child);
            children = _children.Entries().Where(c => !c.Stopping).ToArray();
        }
        if (child is null || child.Stopping) return; // stale: the child is gone or going
        var strategy = _actor?.SupervisorStrategyInternal ?? Props.SupervisorStrategy ?? SupervisorStrategy.DefaultStrategy;
        if (!strategy.HandleFailure(this, child, failed.Cause, children))
        {
            _perpetrator = failed.Child;
            HandleInvokeFailure(failed.Cause);
        }
    }

    /// <summary>The strategy's Resume: clears the child's failure.</summary>
    public void ResumeChildAfterFailure(IInternalActorRef child, Exception cause) =>
        child.SendSystemMessage(new SystemMessages.Resume(cause));

    /// <summary>The strategy's Restart; siblings restarted by AllForOne are suspended first.</summary>
    public void RestartChild(IInternalActorRef child, Exception cause, bool suspendFirst)
    {
        if (suspendFirst) child.SendSystemMessage(SystemMessages.Suspend.Instance);
        child.SendSystemMessage(new SystemMessages.Recreate(cause));
    }

    private void SuspendRecursively()
    {
        if (_terminating) return;
        Mailbox.Suspend();
        SendToChildren(SystemMessages.Suspend.Instance);
    }

    private void HandleResume(SystemMessages.Resume resume)
    {
        if (_terminating) return;
        if (resume.CausedByFailure is { } cause)
        {
            if (!_failed) return;
            if (_actor is null)
            {
                // There is no instance to resume: its creation failed. Create it anew, as Akka does.
                Log.LogWarning("{Actor} failed to initialise, so resuming it means creating it anew", Self.Path);
                Recreate(cause);
                return;
            }
            _failed = false;
            _failedMessage = null;
            Mailbox.Resume();
            SendToChildren(SystemMessages.Resume.AfterSuspend);
            // Resuming after an escalation also settles the failure of the child that caused it.
            if (_perpetrator is IInternalActorRef perpetrator) perpetrator.SendSystemMessage(new SystemMessages.Resume(cause));
            _perpetrator = null;
        }
        else
        {
            Mailbox.Resume();
            SendToChildren(SystemMessages.Resume.AfterSuspend);
        }
        ReplayStashedFailures();
    }

    /// <summary>Handles the children's failures that arrived while this actor was suspended.</summary>
    private void ReplayStashedFailures()
    {
        if (Mailbox.IsSuspended || _stashedFailures is not { } stashed) return;
        _stashedFailures = null;
        foreach (var failed in stashed) HandleFailed(failed);
    }

    private void Recreate(Exception cause)
    {
        if (_terminating) return;
        if (_actor is { } failedActor)
        {
            CancelActorScheduledWork();
            try
            {
                failedActor.AroundPreRestart(cause, _failedMessage);
            }
            catch (Exception e)
            {
                Log.LogError(e, "PreRestart of {Actor} failed; restarting anyway", Self.Path);
            }
            _actor = null;
            _behaviors.Clear();
        }
        else
        {
            // The creation failed; children its constructor made must go before it is created anew.
            StopChildren();
        }
        bool waitForChildren;
        lock (_children) waitForChildren = _children.AnyStopping;
        // The new instance may reuse the names of the children PreRestart stopped: wait for them.
        if (waitForChildren) _pendingRecreate = cause;
        else FinishRecreate(cause);
    }

    private void FinishRecreate(Exception cause)
    {
        _pendingRecreate = null;
        _failed = false;
        _failedMessage = null;
        _perpetrator = null;
        _stashedFailures = null; // the children left are restarted below, which settles their failures
        Mailbox.ClearSuspension();
        ChildEntry[] survivors;
        lock (_children) survivors = _children.Entries();
        foreach (var survivor in survivors) survivor.Ref.SendSystemMessage(new SystemMessages.Recreate(cause));
        try
        {
            NewActorInstance();
            _actor!.AroundPostRestart(cause);
        }
        catch (Exception e)
        {
            _actor = null;
            HandleInvokeFailure(new ActorInitializationException(Self, $"{Self.Path} could not be restarted: {e.Message}", e));
        }
    }

    private void SendToChildren(ISystemMessage message)
    {
        ChildEntry[] children;
        lock (_children) children = _children.Entries();
        foreach (var child in children) child.Ref.SendSystemMessage(message);
    }
}
