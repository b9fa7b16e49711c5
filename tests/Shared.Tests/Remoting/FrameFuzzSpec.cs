// "A node never crashes on what a peer sends": seeded mutations of valid byte streams (bytes flipped or
// replaced, ranges cut, repeated or inserted, the stream truncated) fed to the frame decoder in random
// pieces, and to a real node before and after the handshake. The decoder may deliver messages or refuse the
// stream, but only with RemotingProtocolException, the one failure its connection loop expects; a node must
// close each bad connection, log no internal error, and go on serving a legitimate peer.
using System.Buffers.Binary;
using System.IO.Pipelines;
using Dpt.Actors;
using Dpt.Remoting;
using Dpt.Remoting.Serialization;
using Dpt.Remoting.Wire;
using Envelope = Dpt.Remoting.Wire.Envelope;
using Dpt.TestKit;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Xunit.Abstractions;

namespace Dpt.Shared.Tests.Remoting;

public sealed class FrameFuzzSpec(ITestOutputHelper output)
{
    private const int MaxFrameBytes = 1 << 20;

    private static byte[] Frame(FrameKind kind, ReadOnlySpan<byte> body)
    {
        var frame = new byte[Framing.PrefixBytes + body.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)body.Length + 1);
        frame[4] = (byte)kind;
        body.CopyTo(frame.AsSpan(Framing.PrefixBytes));
        return frame;
    }

    /// <summary>What a peer sends after the handshake: a control message, a bulk message whose payload comes in
    /// three frames, and a message for a serializer this node does not have.</summary>
    private static byte[] ValidStream(string recipient, SharedMemoryRing? ring = null)
    {
        var stream = new List<byte>();
        var text = new StringValue { Value = "hello" }.ToByteArray();
        stream.AddRange(Frame(FrameKind.Envelope, new Envelope { Recipient = recipient, SerializerId = 100, HeaderLength = (uint)text.Length }.ToByteArray()));
        stream.AddRange(Frame(FrameKind.ControlPayload, text));

        var tag = new StringValue { Value = "t" }.ToByteArray();
        var tensor = new byte[40];
        for (int i = 0; i < 10; i++) BinaryPrimitives.WriteSingleLittleEndian(tensor.AsSpan(4 * i), i * 0.5f);
        var bulk = new Envelope { Recipient = recipient, SerializerId = 101, HeaderLength = (uint)tag.Length, Lane = 1 };
        bulk.TensorLengths.Add((uint)tensor.Length);
        stream.AddRange(Frame(FrameKind.Envelope, bulk.ToByteArray()));
        byte[] payload = [.. tag, .. tensor];
        foreach (var (start, length) in new[] { (0, 7), (7, 20), (27, payload.Length - 27) })
        {
            if (ring is null)
            {
                stream.AddRange(Frame(FrameKind.BulkPayload, payload.AsSpan(start, length)));
                continue;
            }
            // Through the ring: the bytes go into it, the frame says where (position, length).
            var body = new byte[Framing.SharedPayloadBytes];
            BinaryPrimitives.WriteInt64LittleEndian(body, ring.WritePosition);
            BinaryPrimitives.WriteInt32LittleEndian(body.AsSpan(8), length);
            payload.AsSpan(start, length).CopyTo(ring.FreeSpan(length));
            ring.Advance(length);
            stream.AddRange(Frame(FrameKind.SharedPayload, body));
        }

        stream.AddRange(Frame(FrameKind.Envelope, new Envelope { Recipient = recipient, SerializerId = 999, HeaderLength = 3 }.ToByteArray()));
        stream.AddRange(Frame(FrameKind.ControlPayload, [1, 2, 3]));
        return [.. stream];
    }

    /// <summary>One to four mutations of <paramref name="valid"/>, chosen by <paramref name="random"/>.</summary>
    private static byte[] Mutate(byte[] valid, Random random)
    {
        var bytes = new List<byte>(valid);
        int mutations = random.Next(1, 5);
        for (int m = 0; m < mutations && bytes.Count > 0; m++)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(7))
            {
                case 0: bytes[at] ^= (byte)(1 << random.Next(8)); break;
                case 1: bytes[at] = (byte)random.Next(256); break;
                case 2: bytes[at] = random.Next(2) == 0 ? (byte)0 : (byte)0xFF; break;
                case 3: bytes.RemoveRange(at, Math.Min(random.Next(1, 16), bytes.Count - at)); break;
                case 4:
                    int length = Math.Min(random.Next(1, 32), bytes.Count - at);
                    bytes.InsertRange(random.Next(bytes.Count), bytes.GetRange(at, length));
                    break;
                case 5: bytes.InsertRange(at, Enumerable.Range(0, random.Next(1, 9)).Select(_ => (byte)random.Next(256))); break;
                default: bytes.RemoveRange(at, bytes.Count - at); break; // truncated
            }
        }
        return [.. bytes];
    }

    private sealed class NoRefs : IWireRefs
    {
        public string ToWire(IActorRef? actorRef) => "";
        public IActorRef FromWire(string path) => ActorRefs.Nobody;
    }

    /// <summary>Feeds <paramref name="bytes"/> to a decoder in pieces of random length and reads every delivered
    /// message as the transport would; returns the decoder's refusal, or null when it read the stream to its end.</summary>
    private static async Task<RemotingProtocolException?> DecodeAsync(byte[] bytes, Random random, List<object> delivered, SharedMemoryRing? ring = null)
    {
        var registry = new SerializerRegistry().Register(new TextSerializer()).Register(new TensorSerializer());
        var decoder = new InboundDecoder(registry, new NoRefs(), MaxFrameBytes, message =>
        {
            if (message.Serializer is null) return;
            try
            {
                delivered.Add(message.Serializer.Read(message));
            }
            catch (Exception e) when (e is InvalidProtocolBufferException or InvalidDataException)
            {
                // The transport drops a payload its serializer cannot read, and keeps the connection.
            }
        }, ring);
        var pipe = new Pipe();
        var reading = decoder.RunAsync(pipe.Reader, CancellationToken.None);
        for (int at = 0; at < bytes.Length;)
        {
            int n = Math.Min(random.Next(1, 64), bytes.Length - at);
            await pipe.Writer.WriteAsync(bytes.AsMemory(at, n));
            at += n;
        }
        await pipe.Writer.CompleteAsync();
        try
        {
            await reading.WaitAsync(TimeSpan.FromSeconds(10));
            return null;
        }
        catch (RemotingProtocolException e)
        {
            return e;
        }
    }

    [Fact]
    public async Task The_decoder_must_deliver_every_message_of_a_valid_stream_in_any_pieces()
    {
        var random = new Random(1);
        for (int i = 0; i < 50; i++)
        {
            var delivered = new List<object>();
            Assert.Null(await DecodeAsync(ValidStream("dpt://a@127.0.0.1:1/user/x"), random, delivered));
            Assert.Equal(new Text("hello"), delivered[0]);
            var tensor = Assert.IsType<Tensor>(delivered[1]);
            Assert.Equal(Enumerable.Range(0, 10).Select(k => k * 0.5f), tensor.Values);
            Assert.Equal(2, delivered.Count);
        }
    }

    [Fact]
    public async Task The_decoder_must_refuse_a_mutated_stream_only_with_a_protocol_error()
    {
        var valid = ValidStream("dpt://a@127.0.0.1:1/user/x");
        var reasons = new Dictionary<string, int>();
        int refused = 0;
        for (int seed = 0; seed < 4000; seed++)
        {
            var random = new Random(seed);
            var bytes = Mutate(valid, random);
            RemotingProtocolException? refusal;
            try
            {
                refusal = await DecodeAsync(bytes, random, []);
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {seed}: the decoder threw {e.GetType().Name} ({e.Message}), not a protocol error, on {Convert.ToHexString(bytes)}");
                throw;
            }
            if (refusal is null) continue;
            refused++;
            // The reason names the problem, as the connection's log line will.
            Assert.Matches("^(malformed|oversized|truncated)", refusal.Message);
            string kind = refusal.Message.Split(':')[0];
            reasons[kind] = reasons.GetValueOrDefault(kind) + 1;
        }
        output.WriteLine($"{refused} of 4000 mutated streams refused: {string.Join(", ", reasons.Select(r => $"{r.Key} {r.Value}"))}");
        Assert.True(refused > 2000, $"only {refused} of 4000 mutated streams were refused");
    }

    [Fact]
    public async Task The_decoder_must_refuse_mutated_shared_memory_frames_only_with_a_protocol_error()
    {
        if (!OperatingSystem.IsLinux() || !Directory.Exists(SharedMemoryRing.DefaultDirectory)) return;
        var nonce = new byte[32];
        int refused = 0;
        for (int seed = 0; seed < 500; seed++)
        {
            // A fresh ring each time: the reader's position is part of what a mutation may break.
            using var writer = SharedMemoryRing.Create(4 << 10, Node.Secret, nonce);
            Assert.Null(SharedMemoryRing.TryOpen(writer.Path, 4 << 10, Node.Secret, nonce, out var opened));
            writer.Unlink();
            using var reader = opened!;
            var random = new Random(seed);
            var bytes = seed == 0 ? ValidStream("dpt://a@127.0.0.1:1/user/x", writer) : Mutate(ValidStream("dpt://a@127.0.0.1:1/user/x", writer), random);
            var delivered = new List<object>();
            RemotingProtocolException? refusal;
            try
            {
                refusal = await DecodeAsync(bytes, random, delivered, reader);
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {seed}: the decoder threw {e.GetType().Name} ({e.Message}), not a protocol error, on {Convert.ToHexString(bytes)}");
                throw;
            }
            if (seed == 0)
            {
                Assert.Null(refusal);
                Assert.Equal(Enumerable.Range(0, 10).Select(k => k * 0.5f), Assert.IsType<Tensor>(delivered[1]).Values);
            }
            if (refusal is not null) refused++;
        }
        output.WriteLine($"{refused} of 500 mutated streams through a ring refused");
        Assert.True(refused > 250, $"only {refused} of 500 mutated streams were refused");
    }

    [Fact]
    public async Task A_node_must_close_mutated_connections_before_and_after_the_handshake_and_keep_serving()
    {
        await using var node = await Node.StartAsync("fuzzed", output);
        await using var peer = await Node.StartAsync("peer", output);
        node.System.ActorOf(Props.Create(() => new Echo()), "echo");
        var echo = peer.RefOn(node, "/user/echo");
        Assert.Equal(new Text("before"), await echo.Ask<Text>(new Text("before"), TimeSpan.FromSeconds(5)));

        var valid = ValidStream(node.Address + "/user/echo");
        var hello = Frame(FrameKind.Hello, new Hello
        {
            ProtocolVersion = RemoteSettings.ProtocolVersion, Address = RawPeer.DefaultAddress.ToString(), Uid = 7,
            Nonce = ByteString.CopyFrom(new byte[32]), SharedMemoryPath = "/dev/shm/dpt-1-0123456789abcdef0123456789abcdef", SharedMemoryBytes = 1 << 20,
        }.ToByteArray());
        for (int seed = 0; seed < 60; seed++)
        {
            var random = new Random(seed);
            bool beforeHandshake = seed % 2 == 0;
            await using var raw = await RawPeer.ConnectAsync(node.Address);
            if (!beforeHandshake) await raw.HandshakeAsync(Node.Secret);
            try
            {
                await raw.SendAsync(Mutate(beforeHandshake ? hello : valid, random));
                raw.ShutdownSend();
            }
            catch (IOException)
            {
                // The node closed the connection while bytes were still going out: as good as a refusal.
            }
            Assert.True(await raw.WasClosedByNodeAsync(TimeSpan.FromSeconds(10)), $"seed {seed}: the node kept a connection the peer had finished with");
        }
        Assert.False(node.Log.Contains("[Error]"), node.Log.Dump());
        Assert.False(node.Log.Contains("[Critical]"), node.Log.Dump());
        Assert.Equal(new Text("after"), await echo.Ask<Text>(new Text("after"), TimeSpan.FromSeconds(5)));
    }
}
