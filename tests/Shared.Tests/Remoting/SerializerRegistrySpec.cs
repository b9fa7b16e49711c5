using Dpt.Remoting.Serialization;

namespace Dpt.Shared.Tests.Remoting;

public class SerializerRegistrySpec
{
    private sealed class OtherText : IWireSerializer
    {
        public int Id => 150;
        public Type MessageType => typeof(Text);
        public MessageLane Lane => MessageLane.Control;
        public void Write(object message, IWireWriter writer) => throw new NotSupportedException();
        public object Read(IWireReader reader) => throw new NotSupportedException();
    }

    [Fact]
    public void SerializerRegistry_must_hold_the_remoting_layers_own_serializers()
    {
        var registry = new SerializerRegistry();
        Assert.True(registry.TryGet(typeof(Dpt.Actors.SystemMessages.Watch), out var watch));
        Assert.Equal(1, watch.Id);
        Assert.All(registry.Serializers, s => Assert.InRange(s.Id, 1, 99));
    }

    [Fact]
    public void SerializerRegistry_must_reject_a_duplicate_id_naming_both_serializers()
    {
        var registry = new SerializerRegistry().Register(new TextSerializer());
        var e = Assert.Throws<ArgumentException>(() => registry.Register(new TextSerializer()));
        Assert.Contains("serializer id 100 of TextSerializer (for Text) is already taken by TextSerializer (for Text)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SerializerRegistry_must_reject_a_second_serializer_for_a_type()
    {
        var registry = new SerializerRegistry().Register(new TextSerializer());
        var e = Assert.Throws<ArgumentException>(() => registry.Register(new OtherText()));
        Assert.Contains("already has serializer TextSerializer (id 100)", e.Message, StringComparison.Ordinal);
        Assert.False(registry.TryGet(150, out _));
    }
}
