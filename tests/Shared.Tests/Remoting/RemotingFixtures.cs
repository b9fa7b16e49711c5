// What the remoting specs share: test messages with their serializers, nodes (actor system plus
// transport) whose logs are captured, actors that echo or report, and a raw TCP peer that speaks
// the handshake and then whatever bytes a test wants.
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Sockets;
using Dpt.Actors;
using Dpt.Remoting;
using Dpt.Remoting.Serialization;
using Dpt.TestKit;
using Google.Protobuf.WellKnownTypes;
using Xunit.Abstractions;

namespace Dpt.Shared.Tests.Remoting;

/// <summary>A small control-lane message.</summary>
public sealed record Text(string Value);

/// <summary>A bulk-lane message with one tensor.</summary>
public sealed record Tensor(string Tag, float[] Values)
{
    public override string ToString() => $"Tensor({Tag}, {Values.Length} floats)";
}

/// <summary>A message whose serializer cannot read what it wrote.</summary>
public sealed record Unreadable(string Value);

/// <summary>A message no serializer is registered for.</summary>
public sealed record Unserializable(string Value);

internal sealed class TextSerializer : IWireSerializer
{
    public int Id => 100;
    public System.Type MessageType => typeof(Text);
    public MessageLane Lane => MessageLane.Control;
    public void Write(object message, IWireWriter writer) => writer.WriteHeader(new StringValue { Value = ((Text)message).Value });
    public object Read(IWireReader reader) => new Text(reader.ReadHeader(StringValue.Parser).Value);
}

internal sealed class TensorSerializer : IWireSerializer
{
    public int Id => 101;
    public System.Type MessageType => typeof(Tensor);
    public MessageLane Lane => MessageLane.Bulk;

    public void Write(object message, IWireWriter writer)
    {
        var tensor = (Tensor)message;
        writer.WriteHeader(new StringValue { Value = tensor.Tag });
        writer.WriteTensor(tensor.Values);
    }

    public object Read(IWireReader reader) => new Tensor(reader.ReadHeader(StringValue.Parser).Value, reader.ReadTensor(0));
}

internal sealed class UnreadableSerializer : IWireSerializer
{
    public int Id => 102;
    public System.Type MessageType => typeof(Unreadable);
    public MessageLane Lane => MessageLane.Control;
    public void Write(object message, IWireWriter writer) => writer.WriteHeader(new StringValue { Value = ((Unreadable)message).Value });
    public object Read(IWireReader reader) => throw new InvalidDataException("this serializer reads nothing");
}

/// <summary>Replies to every message with the message itself.</summary>
internal sealed class Echo : ReceiveActor
{
    public Echo() => ReceiveAny(message => Sender.Tell(message));
}

/// <summary>Forwards every message (and its sender) to <paramref name="target"/>, which may live in another
/// actor system of this process.</summary>
internal sealed class Reporter : ReceiveActor
{
    public Reporter(IActorRef target) => ReceiveAny(message => target.Tell(message, Sender));
}

/// <summary>An ITestOutputHelper that writes to the test output and keeps the lines.</summary>
internal sealed class CapturedOutput(ITestOutputHelper? output) : ITestOutputHelper
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public void WriteLine(string message)
    {
        Lines.Enqueue(message);
        try
        {
            output?.WriteLine(message);
        }
        catch (InvalidOperationException)
        {
            // The test has finished.
        }
    }

    public void WriteLine(string format, params object[] args) => WriteLine(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));

    public bool Contains(params string[] parts) => Lines.Any(line => parts.All(p => line.Contains(p, StringComparison.Ordinal)));

    public string Dump() => string.Join(Environment.NewLine, Lines);
}

/// <summary>An actor system with a started transport, its log captured.</summary>
internal sealed class Node : IAsyncDisposable
{
    private Node(ActorSystem system, RemoteTransport transport, CapturedOutput log)
    {
        System = system;
        Transport = transport;
        Log = log;
    }

    public ActorSystem System { get; }

    public RemoteTransport Transport { get; }

    public CapturedOutput Log { get; }

    public Address Address => Transport.LocalAddress;

    public static readonly byte[] Secret = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    public static RemoteSettings Settings(byte[]? secret = null) => new() { Secret = secret ?? Secret };

    public static async Task<Node> StartAsync(string name, ITestOutputHelper? output, RemoteSettings? settings = null, ActorSystem? system = null)
    {
        var log = new CapturedOutput(output);
        system ??= ActorSystem.Create(name, new ActorSystemSettings { LoggerFactory = new TestOutputLoggerFactory(log, Microsoft.Extensions.Logging.LogLevel.Information) });
        var registry = new SerializerRegistry().Register(new TextSerializer()).Register(new TensorSerializer()).Register(new UnreadableSerializer());
        var transport = await RemoteTransport.StartAsync(system, settings ?? Settings(), registry);
        return new Node(system, transport, log);
    }

    /// <summary>The ref of <paramref name="path"/> (e.g. "/user/echo") on <paramref name="other"/>, as this node resolves it.</summary>
    public IActorRef RefOn(Node other, string path) => System.Provider.ResolveActorRef(other.Address + path);

    public async ValueTask DisposeAsync()
    {
        await Transport.DisposeAsync();
        await System.Terminate().WaitAsync(TimeSpan.FromSeconds(10));
    }
}
