// The temporary ref behind Ask: a one-shot actor under "/temp" whose first message completes a
// task. Later messages go to dead letters. It can be watched; it terminates when the ask ends.

namespace Dpt.Actors;

/// <summary>A temporary ref that completes <see cref="Reply"/> with the first message it receives.</summary>
internal sealed class PromiseActorRef(ActorRefProvider provider, ActorPath path) : InternalActorRefBase
{
    private readonly TaskCompletionSource<object> _reply = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<IInternalActorRef> _watchers = [];
    private bool _stopped;

    public override ActorPath Path { get; } = path;

    public override bool IsLocal => true;

    public override ActorRefProvider Provider { get; } = provider;

    /// <summary>The first message received.</summary>
    public Task<object> Reply => _reply.Task;

    public override void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!_reply.TrySetResult(message))
            Provider.System.PublishDeadLetter(message, SenderOrImplicit(sender), this);
    }

    public override void SendSystemMessage(ISystemMessage message)
    {
        switch (message)
        {
            case SystemMessages.Watch watch:
                lock (_watchers)
                {
                    if (!_stopped)
                    {
                        _watchers.Add(watch.Watcher);
                        return;
                    }
                }
                watch.Watcher.SendSystemMessage(new SystemMessages.DeathWatchNotification(this, ExistenceConfirmed: false, AddressTerminated: false));
                break;
            case SystemMessages.Unwatch unwatch:
                lock (_watchers) _watchers.Remove(unwatch.Watcher);
                break;
            case SystemMessages.Terminate:
                Stop();
                break;
        }
    }

    /// <summary>Ends the ask: unregisters the ref and tells its watchers; later replies are dead letters.</summary>
    public void Stop()
    {
        IInternalActorRef[] watchers;
        lock (_watchers)
        {
            if (_stopped) return;
            _stopped = true;
            watchers = [.. _watchers];
            _watchers.Clear();
        }
        _reply.TrySetCanceled();
        Provider.RemoveTempActor(this);
        foreach (var watcher in watchers)
            watcher.SendSystemMessage(new SystemMessages.DeathWatchNotification(this, ExistenceConfirmed: true, AddressTerminated: false));
    }
}
