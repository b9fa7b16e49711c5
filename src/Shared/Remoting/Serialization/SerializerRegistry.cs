// Which IWireSerializer handles which message type and id. Built with the remoting layer's own
// serializers (death watch, ids 1-4); the cluster and training layers register theirs before start.
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Dpt.Remoting.Serialization;

/// <summary>The serializers of one transport, by exact message type and by id. Thread-safe.</summary>
public sealed class SerializerRegistry
{
    private readonly object _lock = new();
    private readonly ConcurrentDictionary<int, IWireSerializer> _byId = new();
    private readonly ConcurrentDictionary<Type, IWireSerializer> _byType = new();

    /// <summary>A registry holding the remoting layer's own serializers (ids 1-4).</summary>
    public SerializerRegistry()
    {
        foreach (var serializer in SystemMessageSerializers.All) Register(serializer);
    }

    /// <summary>Every registered serializer.</summary>
    public IReadOnlyCollection<IWireSerializer> Serializers => _byId.Values.ToArray();

    /// <summary>Adds <paramref name="serializer"/>; throws <see cref="ArgumentException"/> when its id or its
    /// message type is already taken, naming both serializers. Returns this registry, for chaining.</summary>
    public SerializerRegistry Register(IWireSerializer serializer)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        if (serializer.MessageType is null)
            throw new ArgumentException($"serializer {serializer.GetType().Name} (id {serializer.Id}) has no message type", nameof(serializer));
        if (serializer.Id <= 0)
            throw new ArgumentException($"serializer {serializer.GetType().Name} has id {serializer.Id}; ids must be positive (1-99: remoting and cluster, 100 and up: training)", nameof(serializer));
        lock (_lock)
        {
            if (_byId.TryGetValue(serializer.Id, out var sameId))
                throw new ArgumentException($"serializer id {serializer.Id} of {serializer.GetType().Name} (for {serializer.MessageType.Name}) is already taken by {sameId.GetType().Name} (for {sameId.MessageType.Name})", nameof(serializer));
            if (_byType.TryGetValue(serializer.MessageType, out var sameType))
                throw new ArgumentException($"message type {serializer.MessageType.FullName} of {serializer.GetType().Name} (id {serializer.Id}) already has serializer {sameType.GetType().Name} (id {sameType.Id})", nameof(serializer));
            _byId[serializer.Id] = serializer;
            _byType[serializer.MessageType] = serializer;
        }
        return this;
    }

    /// <summary>The serializer for messages of exactly <paramref name="messageType"/>.</summary>
    public bool TryGet(Type messageType, [NotNullWhen(true)] out IWireSerializer? serializer) => _byType.TryGetValue(messageType, out serializer);

    /// <summary>The serializer with id <paramref name="id"/>.</summary>
    public bool TryGet(int id, [NotNullWhen(true)] out IWireSerializer? serializer) => _byId.TryGetValue(id, out serializer);
}
