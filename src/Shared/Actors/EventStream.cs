// The system-wide publish/subscribe channel, classified by type: a subscriber to a type gets
// every published event assignable to it, once, even if several of its subscriptions match.

namespace Dpt.Actors;

/// <summary>Publishes events (dead letters, unhandled messages, anything an actor publishes) to the
/// actors subscribed to their type. Thread-safe; subscribers are removed when they stop.</summary>
public sealed class EventStream
{
    private readonly object _lock = new();
    private Subscription[] _subscriptions = [];

    /// <summary>Subscribes <paramref name="subscriber"/> to events assignable to <paramref name="channel"/>;
    /// false if it already was.</summary>
    public bool Subscribe(IActorRef subscriber, Type channel)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        ArgumentNullException.ThrowIfNull(channel);
        lock (_lock)
        {
            int i = IndexOf(subscriber);
            if (i < 0)
            {
                Volatile.Write(ref _subscriptions, [.. _subscriptions, new Subscription(subscriber, [channel])]);
                return true;
            }
            if (_subscriptions[i].Channels.Contains(channel)) return false;
            var updated = (Subscription[])_subscriptions.Clone();
            updated[i] = updated[i] with { Channels = [.. updated[i].Channels, channel] };
            Volatile.Write(ref _subscriptions, updated);
            return true;
        }
    }

    /// <summary>Removes one subscription; false if there was none.</summary>
    public bool Unsubscribe(IActorRef subscriber, Type channel)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        ArgumentNullException.ThrowIfNull(channel);
        lock (_lock)
        {
            int i = IndexOf(subscriber);
            if (i < 0 || !_subscriptions[i].Channels.Contains(channel)) return false;
            var channels = _subscriptions[i].Channels.Where(c => c != channel).ToArray();
            if (channels.Length == 0) return Unsubscribe(subscriber);
            var updated = (Subscription[])_subscriptions.Clone();
            updated[i] = updated[i] with { Channels = channels };
            Volatile.Write(ref _subscriptions, updated);
            return true;
        }
    }

    /// <summary>Removes all subscriptions of <paramref name="subscriber"/>; false if there were none.</summary>
    public bool Unsubscribe(IActorRef subscriber)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        lock (_lock)
        {
            int i = IndexOf(subscriber);
            if (i < 0) return false;
            Volatile.Write(ref _subscriptions, [.. _subscriptions[..i], .. _subscriptions[(i + 1)..]]);
            return true;
        }
    }

    /// <summary>Sends <paramref name="event"/> (without sender) to every subscriber of a type it is assignable to.</summary>
    public void Publish(object @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        var type = @event.GetType();
        foreach (var subscription in Volatile.Read(ref _subscriptions))
        {
            foreach (var channel in subscription.Channels)
            {
                if (channel.IsAssignableFrom(type))
                {
                    subscription.Subscriber.Tell(@event, ActorRefs.NoSender);
                    break;
                }
            }
        }
    }

    private int IndexOf(IActorRef subscriber) => Array.FindIndex(_subscriptions, s => s.Subscriber.Equals(subscriber));

    private sealed record Subscription(IActorRef Subscriber, Type[] Channels);
}
