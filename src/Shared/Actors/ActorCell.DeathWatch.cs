// Death watch: who this actor watches, who watches it, and the Terminated messages in flight.
// A Terminated is queued as a user message (so it keeps its place among the messages) and is
// delivered only if the watch still holds when it is processed, so Unwatch drops a queued one.
using Microsoft.Extensions.Logging;

namespace Dpt.Actors;

internal sealed partial class ActorCell
{
    private readonly HashSet<IActorRef> _watching = [];
    private readonly HashSet<IActorRef> _watchedBy = [];
    private readonly HashSet<IActorRef> _terminatedQueued = [];
    private bool _subscribedToAddressTerminated;

    public IActorRef Watch(IActorRef subject)
    {
        if (subject is not IInternalActorRef target)
            throw new ArgumentException($"cannot watch {subject}: it is not a ref of this runtime", nameof(subject));
        if (!_terminating && !target.Equals(Self) && _watching.Add(target))
        {
            if (!IsLocalRef(target)) SubscribeAddressTerminated();
            target.SendSystemMessage(new SystemMessages.Watch(target, Self));
        }
        return subject;
    }

    public IActorRef Unwatch(IActorRef subject)
    {
        if (subject is not IInternalActorRef target)
            throw new ArgumentException($"cannot unwatch {subject}: it is not a ref of this runtime", nameof(subject));
        if (_watching.Remove(target)) target.SendSystemMessage(new SystemMessages.Unwatch(target, Self));
        _terminatedQueued.Remove(target);
        return subject;
    }

    private void AddWatcher(SystemMessages.Watch watch)
    {
        if (!watch.Watchee.Equals(Self) || watch.Watcher.Equals(Self))
        {
            Log.LogError("{Actor} received a Watch it cannot serve: {Watch}", Self.Path, watch);
            return;
        }
        if (_watchedBy.Add(watch.Watcher) && !IsLocalRef(watch.Watcher)) SubscribeAddressTerminated();
    }

    private void RemoveWatcher(SystemMessages.Unwatch unwatch) => _watchedBy.Remove(unwatch.Watcher);

    private void WatchedActorTerminated(SystemMessages.DeathWatchNotification notification)
    {
        var actor = notification.Actor;
        if (_watching.Remove(actor) && !_terminating)
        {
            _terminatedQueued.Add(actor);
            Self.Tell(new Terminated(actor, notification.ExistenceConfirmed, notification.AddressTerminated), actor);
        }
        ChildTerminated(actor);
    }

    private void ReceivedTerminated(Terminated terminated)
    {
        // Dropped unless still expected: an Unwatch after it was queued, or a forged Terminated.
        if (_terminatedQueued.Remove(terminated.ActorRef)) ReceiveMessage(terminated);
    }

    private void UnwatchWatchedActors()
    {
        foreach (var watched in _watching)
            ((IInternalActorRef)watched).SendSystemMessage(new SystemMessages.Unwatch((IInternalActorRef)watched, Self));
        _watching.Clear();
        _terminatedQueued.Clear();
    }

    private void TellWatchersWeDied()
    {
        foreach (var watcher in _watchedBy)
        {
            // The parent is told separately, once, by FinishTerminate.
            if (!watcher.Equals(_parent))
                ((IInternalActorRef)watcher).SendSystemMessage(new SystemMessages.DeathWatchNotification(Self, ExistenceConfirmed: true, AddressTerminated: false));
        }
        _watchedBy.Clear();
    }

    /// <summary>The node at <paramref name="address"/> is down: its watched refs are dead and its watchers gone.</summary>
    private void AddressTerminated(Address address)
    {
        _watchedBy.RemoveWhere(w => w.Path.Address.Equals(address));
        foreach (var watched in _watching.Where(w => w.Path.Address.Equals(address)).ToArray())
            WatchedActorTerminated(new SystemMessages.DeathWatchNotification(watched, ExistenceConfirmed: true, AddressTerminated: true));
    }

    private bool IsLocalRef(IActorRef actor) => System.Provider.IsLocalAddress(actor.Path.Address);

    private void SubscribeAddressTerminated()
    {
        if (_subscribedToAddressTerminated) return;
        _subscribedToAddressTerminated = true;
        System.Provider.SubscribeAddressTerminated(this);
    }
}
