// Sending and delivering: a message to a remote ref is serialized and queued on its association (or
// dead-lettered with a log line, never thrown at the sender); a received message is deserialized and
// told to the local recipient, system messages through SendSystemMessage (death watch across nodes).
using System.Collections.Concurrent;
using Dpt.Actors;
using Dpt.Remoting.Serialization;
using Microsoft.Extensions.Logging;

namespace Dpt.Remoting;

public sealed partial class RemoteTransport
{
    private readonly ConcurrentDictionary<Type, byte> _warnedUnserializable = new();
    // The refs local watchers watch on other nodes, by (watcher, watchee path): a notification carries
    // the watchee's uid, while the watcher may hold a ref resolved without one.
    private readonly ConcurrentDictionary<(IActorRef Watcher, ActorPath Watchee), IInternalActorRef> _remoteWatches = new();

    /// <summary>Serializes <paramref name="message"/> and queues it for <paramref name="recipient"/>'s node.</summary>
    internal void Send(RemoteActorRef recipient, object message, IActorRef? sender, bool system)
    {
        if (!Registry.TryGet(message.GetType(), out var serializer))
        {
            if (_warnedUnserializable.TryAdd(message.GetType(), 0))
                Log.LogWarning("No serializer for {Type}: messages of this type to remote actors go to dead letters (first: to {Recipient})", message.GetType().FullName, recipient.Path);
            System.PublishDeadLetter(message, sender, recipient);
            return;
        }
        OutboundMessage outbound;
        try
        {
            outbound = OutboundMessage.Create(message, serializer, recipient.Path.ToSerializationFormat(), ToWire(sender), system, this, sender ?? System.DeadLetters, recipient);
        }
#pragma warning disable CA1031 // A serializer's failure must reach the log and dead letters, never the sender.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Log.LogError(e, "Serializer {Serializer} (id {Id}) failed to write {Message} for {Recipient}; it goes to dead letters", serializer.GetType().Name, serializer.Id, message, recipient.Path);
            System.PublishDeadLetter(message, sender, recipient);
            return;
        }
        if (outbound.PayloadBytes > Settings.MaxFrameBytes)
        {
            Log.LogWarning("{Message} to {Recipient} is {Bytes} bytes, over MaxFrameBytes ({Max}); it goes to dead letters", message.GetType().Name, recipient.Path, outbound.PayloadBytes, Settings.MaxFrameBytes);
            DeadLetter(outbound, "too large");
            return;
        }
        var association = GetOrDial(recipient.Path.Address);
        if (association is null)
        {
            DeadLetter(outbound, "the transport stopped");
            return;
        }
        var writer = association.Writer;
        if (!association.Queue.TryEnqueue(outbound, wake: writer is null))
        {
            if (association.CountDrop(out int dropped))
                Log.LogWarning("The send queue for {Remote} is full ({Queued} of {Limit} bytes): {Dropped} message(s) went to dead letters, first {Message}",
                    association.Remote, association.Queue.QueuedBytes, association.Queue.LimitBytes, dropped, outbound);
            DeadLetter(outbound, "send queue full");
            return;
        }
        if (writer is not null && !writer.TryWriteInline()) association.Queue.Wake();
    }

    /// <summary>Remembers the ref a local watcher watches on another node (see <see cref="_remoteWatches"/>).</summary>
    internal void RememberWatch(IActorRef watcher, IInternalActorRef watchee) => _remoteWatches[(watcher, watchee.Path)] = watchee;

    internal void ForgetWatch(IActorRef watcher, IInternalActorRef watchee) => _remoteWatches.TryRemove((watcher, watchee.Path), out _);

    /// <summary>Delivers a received message to its local recipient; drops it with a log line when it cannot.</summary>
    private void Deliver(Connection connection, InboundMessage received)
    {
        var envelope = received.Envelope;
        if (received.Serializer is null)
        {
            Log.LogWarning("Dropped a message from {Peer} to {Recipient}: this node has no serializer with id {Id}", connection.Peer, envelope.Recipient, envelope.SerializerId);
            return;
        }
        object message;
        IActorRef recipient;
        try
        {
            if (!ActorPath.TryParse(envelope.Recipient, out var path))
            {
                Log.LogWarning("Dropped a message from {Peer}: recipient [{Recipient}] is not an actor path", connection.Peer, envelope.Recipient);
                return;
            }
            // The peer chose this connection for the recipient's address, so the address names this node, perhaps by an
            // alias (the address a worker dialed); the actor is looked up by its path here.
            if (!System.Provider.IsLocalAddress(path.Address)) path = path.WithAddress(LocalAddress);
            recipient = System.Provider.ResolveActorRef(path);
            message = received.Serializer.Read(received);
        }
#pragma warning disable CA1031 // Whatever a serializer throws, the message is dropped and the connection stays.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Log.LogWarning("Dropped a message from {Peer} to {Recipient}: serializer {Serializer} (id {Id}) could not read it: {Error}",
                connection.Peer, envelope.Recipient, received.Serializer.GetType().Name, envelope.SerializerId, e.Message);
            return;
        }
        if (envelope.System)
        {
            DeliverSystem(connection, (IInternalActorRef)recipient, message);
            return;
        }
        IActorRef sender;
        try
        {
            sender = FromWire(envelope.Sender);
        }
        catch (InvalidDataException e)
        {
            Log.LogWarning("Message {Message} from {Peer} has an unreadable sender ({Error}); delivered without sender", message, connection.Peer, e.Message);
            sender = ActorRefs.NoSender;
        }
        recipient.Tell(message, sender);
    }

    private void DeliverSystem(Connection connection, IInternalActorRef recipient, object message)
    {
        switch (message)
        {
            case SystemMessages.DeathWatchNotification notification:
                // Hand the watcher the very ref it watches, which may lack the uid the notification carries.
                if (_remoteWatches.TryRemove((recipient, notification.Actor.Path), out var watched)
                    && (watched.Path.Uid == 0 || watched.Path.Uid == notification.Actor.Path.Uid))
                    notification = notification with { Actor = watched };
                recipient.SendSystemMessage(notification);
                break;
            case ISystemMessage system:
                recipient.SendSystemMessage(system);
                break;
            default:
                Log.LogWarning("Dropped {Message} from {Peer}: flagged as a system message but it is not one", message, connection.Peer);
                break;
        }
    }

    private void DeadLetter(OutboundMessage message, string reason)
    {
        message.Release();
        Log.LogDebug("{Message} goes to dead letters: {Reason}", message, reason);
        System.PublishDeadLetter(message.Message, message.Sender, message.Recipient);
    }

    private void DeadLetterAll(List<OutboundMessage> messages, string reason)
    {
        foreach (var message in messages) DeadLetter(message, reason);
    }
}
