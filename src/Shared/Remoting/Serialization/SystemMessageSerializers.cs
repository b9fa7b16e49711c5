// The remoting layer's own serializers: the system messages of death watch (Watch, Unwatch,
// DeathWatchNotification, Terminate), ids 1-4, on the control lane so they never wait behind bulk.
using Dpt.Actors;
using Dpt.Remoting.Wire;

namespace Dpt.Remoting.Serialization;

/// <summary>Serializers of <see cref="SystemMessages"/> that cross the network.</summary>
internal static class SystemMessageSerializers
{
    public const int WatchId = 1;
    public const int UnwatchId = 2;
    public const int DeathWatchNotificationId = 3;
    public const int TerminateId = 4;

    public static IReadOnlyList<IWireSerializer> All { get; } =
        [new WatchSerializer(), new UnwatchSerializer(), new DeathWatchNotificationSerializer(), new TerminateSerializer()];

    private static IInternalActorRef Internal(IActorRef actorRef, string what) =>
        actorRef as IInternalActorRef ?? throw new InvalidDataException($"{what} [{actorRef}] is not a ref of this runtime");

    private sealed class WatchSerializer : IWireSerializer
    {
        public int Id => WatchId;
        public Type MessageType => typeof(SystemMessages.Watch);
        public MessageLane Lane => MessageLane.Control;

        public void Write(object message, IWireWriter writer)
        {
            var watch = (SystemMessages.Watch)message;
            writer.WriteHeader(new WatchMessage { Watchee = writer.ToWire(watch.Watchee), Watcher = writer.ToWire(watch.Watcher) });
        }

        public object Read(IWireReader reader)
        {
            var header = reader.ReadHeader(WatchMessage.Parser);
            return new SystemMessages.Watch(Internal(reader.FromWire(header.Watchee), "watchee"), Internal(reader.FromWire(header.Watcher), "watcher"));
        }
    }

    private sealed class UnwatchSerializer : IWireSerializer
    {
        public int Id => UnwatchId;
        public Type MessageType => typeof(SystemMessages.Unwatch);
        public MessageLane Lane => MessageLane.Control;

        public void Write(object message, IWireWriter writer)
        {
            var unwatch = (SystemMessages.Unwatch)message;
            writer.WriteHeader(new UnwatchMessage { Watchee = writer.ToWire(unwatch.Watchee), Watcher = writer.ToWire(unwatch.Watcher) });
        }

        public object Read(IWireReader reader)
        {
            var header = reader.ReadHeader(UnwatchMessage.Parser);
            return new SystemMessages.Unwatch(Internal(reader.FromWire(header.Watchee), "watchee"), Internal(reader.FromWire(header.Watcher), "watcher"));
        }
    }

    private sealed class DeathWatchNotificationSerializer : IWireSerializer
    {
        public int Id => DeathWatchNotificationId;
        public Type MessageType => typeof(SystemMessages.DeathWatchNotification);
        public MessageLane Lane => MessageLane.Control;

        public void Write(object message, IWireWriter writer)
        {
            var notification = (SystemMessages.DeathWatchNotification)message;
            writer.WriteHeader(new DeathWatchNotificationMessage
            {
                Actor = writer.ToWire(notification.Actor),
                ExistenceConfirmed = notification.ExistenceConfirmed,
                AddressTerminated = notification.AddressTerminated,
            });
        }

        public object Read(IWireReader reader)
        {
            var header = reader.ReadHeader(DeathWatchNotificationMessage.Parser);
            return new SystemMessages.DeathWatchNotification(reader.FromWire(header.Actor), header.ExistenceConfirmed, header.AddressTerminated);
        }
    }

    private sealed class TerminateSerializer : IWireSerializer
    {
        public int Id => TerminateId;
        public Type MessageType => typeof(SystemMessages.Terminate);
        public MessageLane Lane => MessageLane.Control;

        public void Write(object message, IWireWriter writer) => writer.WriteHeader(new TerminateMessage());

        public object Read(IWireReader reader)
        {
            reader.ReadHeader(TerminateMessage.Parser);
            return SystemMessages.Terminate.Instance;
        }
    }
}
