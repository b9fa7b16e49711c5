// Death watch: who this actor watches, who watches it, and the Terminated messages in flight.
// A Terminated is queued as a user message (so it keeps its place among the messages); an
// Unwatch before it is processed marks that very instance to be dropped. A Terminated some other
// actor forwarded is an ordinary message and is delivered.
using Microsoft.Extensions.Logging;

namespace Dpt.Actors;

internal sealed partial class ActorCell
{
    private readonly HashSet<IActorRef> _watching = [];
    private readonly HashSet<IActorRef> _watchedBy = [];
    private readonly Dictionary<IActorRef, Terminated> _terminatedQueued = [];
    private readonly HashSet<Terminated> _terminatedUnwatched = new(ReferenceEqualityComparer.Instance);
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
        if (_terminatedQueued.Remove(target, out var queued)) _terminatedUnwatched.Add(queued);
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
            var terminated = new Terminated(actor, notification.ExistenceConfirmed, notification.AddressTerminated);
            _terminatedQueued[actor] = terminated;
            Self.Tell(terminated, actor);
        }
        ChildTerminated(actor);
    }

    private void ReceivedTerminated(Terminated terminated)
    {
        if (_terminatedUnwatched.Remove(terminated)) return;
        if (_terminatedQueued.TryGetValue(terminated.ActorRef, out var queued) && ReferenceEquals(queued, terminated))
            _terminatedQueued.Remove(terminated.ActorRef);
        ReceiveMessage(terminated);
    }

    private void UnwatchWatchedActors()
    {
        foreach (var watched in _watching)
            ((IInternalActorRef)watched).SendSystemMessage(new SystemMessages.Unwatch((IInternalActorRef)watched, Self));
        _watching.Clear();
        _terminatedQueued.Clear();
        _terminatedUnwatched.Clear();
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
