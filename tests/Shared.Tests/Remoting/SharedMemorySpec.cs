// Bulk payloads between nodes on one host go through a shared-memory ring (SharedMemoryRing): offered in Hello to a
// peer at a loopback address, used only if the peer mapped it and its tag proves the cluster secret; every byte
// the peer names in a SharedPayload frame is checked, and a bad frame closes that connection only.
using System.Buffers.Binary;
using System.Diagnostics;
using Dpt.Actors;
using Dpt.Remoting;
using Dpt.TestKit;
using Google.Protobuf;
using Xunit.Abstractions;
using Envelope = Dpt.Remoting.Wire.Envelope;

namespace Dpt.Shared.Tests.Remoting;

public sealed class SharedMemorySpec(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly List<Node> _nodes = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
    }

    private async Task<Node> StartAsync(string name, long sharedMemoryBytes = 8L << 20, string directory = SharedMemoryRing.DefaultDirectory)
    {
        var node = await Node.StartAsync(name, output,
            new RemoteSettings { Secret = Node.Secret, SharedMemoryBytes = sharedMemoryBytes, SharedMemoryDirectory = directory });
        _nodes.Add(node);
        return node;
    }

    private static float[] RandomFloats(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    /// <summary>This process's rings still named in /dev/shm a second after they were made: specs of other classes
    /// may be in a handshake at the moment, which lasts milliseconds, so only older ones count as left behind.</summary>
    private static string[] OwnRingFiles()
    {
        Thread.Sleep(1100);
        return Directory.Exists(SharedMemoryRing.DefaultDirectory)
            ? Directory.GetFiles(SharedMemoryRing.DefaultDirectory, $"dpt-{Environment.ProcessId}-*")
                .Where(f => File.GetLastWriteTimeUtc(f) < DateTime.UtcNow.AddSeconds(-1)).ToArray()
            : [];
    }

    private static Tensor EchoTensor(Node from, Node to, Tensor tensor, string echo)
    {
        to.System.ActorOf(Props.Create(() => new Echo()), echo);
        var probe = new TestProbe(from.System, null);
        from.RefOn(to, "/user/" + echo).Tell(tensor, probe.Ref);
        return probe.ExpectMsg<Tensor>(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Nodes_on_one_host_must_send_bulk_payloads_through_shared_memory_bit_exact_and_leave_no_ring_file()
    {
        if (!OperatingSystem.IsLinux() || !Directory.Exists(SharedMemoryRing.DefaultDirectory)) return;
        var (a, b) = (await StartAsync("shm-a"), await StartAsync("shm-b"));
        var values = RandomFloats(2_500_000, seed: 5);
        values[0] = float.NaN;
        values[1] = -0f;
        var back = EchoTensor(a, b, new Tensor("10 MB", values), "echo");
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(back.Values.AsSpan())));
        Assert.True(a.Log.Contains("[Information]", "Bulk payloads to", b.Address.ToString(), "shared-memory ring of 8 MiB"), a.Log.Dump());
        Assert.True(b.Log.Contains("[Information]", "Bulk payloads to", a.Address.ToString(), "shared-memory ring of 8 MiB"), b.Log.Dump());
        // Both mapped, then unlinked once the handshake was over: nothing is left to clean, even after a crash.
        Assert.Empty(OwnRingFiles());
    }

    [Fact]
    public async Task A_ring_smaller_than_a_message_must_carry_it_in_turns()
    {
        if (!OperatingSystem.IsLinux() || !Directory.Exists(SharedMemoryRing.DefaultDirectory)) return;
        var (a, b) = (await StartAsync("small-a", 64 << 10), await StartAsync("small-b", 64 << 10));
        var values = RandomFloats(750_000, seed: 6);
        Assert.Equal(values, EchoTensor(a, b, new Tensor("3 MB through 64 KiB", values), "echo").Values);
        Assert.True(a.Log.Contains("shared-memory ring of 0.1 MiB"), a.Log.Dump());
    }

    [Fact]
    public async Task A_node_with_shared_memory_off_must_neither_offer_nor_map_a_ring_and_the_peer_must_say_why()
    {
        var (on, off) = (await StartAsync("on"), await StartAsync("off", sharedMemoryBytes: 0));
        var values = RandomFloats(300_000, seed: 7);
        Assert.Equal(values, EchoTensor(on, off, new Tensor("over the connection", values), "echo").Values);
        Assert.Equal(values, EchoTensor(off, on, new Tensor("and back", values), "echo-back").Values);
        if (OperatingSystem.IsLinux() && Directory.Exists(SharedMemoryRing.DefaultDirectory))
            Assert.True(on.Log.Contains("[Information]", "go over the connection", "shared memory is off on that node"), on.Log.Dump());
        Assert.DoesNotContain(off.Log.Lines, line => line.Contains("shared-memory ring", StringComparison.Ordinal));
        Assert.Empty(OwnRingFiles());
    }

    [Fact]
    public async Task Nodes_that_cannot_create_a_ring_in_their_directory_must_send_over_the_connection_and_say_why()
    {
        if (!OperatingSystem.IsLinux()) return;
        string missing = $"/tmp/dpt-no-such-directory-{Guid.NewGuid():N}";
        var (a, b) = (await StartAsync("nodir-a", directory: missing), await StartAsync("nodir-b", directory: missing));
        var values = RandomFloats(300_000, seed: 9);
        Assert.Equal(values, EchoTensor(a, b, new Tensor("over the connection", values), "echo").Values);
        Assert.True(a.Log.Contains("[Information]", "go over the connection: no ring offered", missing), a.Log.Dump());
        Assert.False(Directory.Exists(missing));
    }

    [TmpfsFact]
    public async Task Nodes_whose_ring_directory_is_full_must_send_over_the_connection_bit_exact_and_leave_no_file()
    {
        // A 1 MiB tmpfs cannot hold an 8 MiB ring: fallocate fails at creation (ENOSPC), instead of a SIGBUS mid-message.
        using var tmpfs = Tmpfs.Mount(sizeBytes: 1 << 20);
        var (a, b) = (await StartAsync("full-a", directory: tmpfs.Path), await StartAsync("full-b", directory: tmpfs.Path));
        var values = RandomFloats(2_500_000, seed: 10);
        var back = EchoTensor(a, b, new Tensor("10 MB", values), "echo");
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(back.Values.AsSpan())));
        Assert.True(a.Log.Contains("[Information]", "go over the connection: no ring offered"), a.Log.Dump());
        Assert.True(b.Log.Contains("[Information]", "go over the connection: no ring offered"), b.Log.Dump());
        Assert.Empty(Directory.GetFiles(tmpfs.Path));
    }

    [Fact]
    public void A_ring_must_be_mapped_only_from_this_nodes_ring_directory()
    {
        if (!OperatingSystem.IsLinux() || !Directory.Exists(SharedMemoryRing.DefaultDirectory)) return;
        var nonce = new byte[32];
        using var ring = SharedMemoryRing.Create(64 << 10, Node.Secret, nonce);
        try
        {
            Assert.Contains("is not one this protocol makes in /tmp", SharedMemoryRing.TryOpen(ring.Path, 64 << 10, Node.Secret, nonce, out _, "/tmp"));
            Assert.Contains("is not one this protocol makes", SharedMemoryRing.TryOpen(ring.Path, 64 << 10, Node.Secret, nonce, out _, "/dev/sh"));
            Assert.Null(SharedMemoryRing.TryOpen(ring.Path, 64 << 10, Node.Secret, nonce, out var opened, "/dev/shm"));
            opened!.Dispose();
        }
        finally
        {
            ring.Unlink();
        }
    }

    [Fact]
    public void A_ring_must_be_mapped_only_with_its_path_form_size_and_the_tag_of_the_secret_and_nonce()
    {
        if (!OperatingSystem.IsLinux() || !Directory.Exists(SharedMemoryRing.DefaultDirectory)) return;
        byte[] nonce = [.. Enumerable.Range(0, 32).Select(i => (byte)i)];
        using var ring = SharedMemoryRing.Create(64 << 10, Node.Secret, nonce);
        try
        {
            Assert.Null(SharedMemoryRing.TryOpen(ring.Path, 64 << 10, Node.Secret, nonce, out var opened));
            opened!.Dispose();
            Assert.Contains("does not carry this connection's tag", SharedMemoryRing.TryOpen(ring.Path, 64 << 10, [.. Node.Secret.Reverse()], nonce, out var wrongSecret));
            Assert.Null(wrongSecret);
            Assert.Contains("does not carry this connection's tag", SharedMemoryRing.TryOpen(ring.Path, 64 << 10, Node.Secret, new byte[32], out _));
            Assert.Contains("holds", SharedMemoryRing.TryOpen(ring.Path, 128 << 10, Node.Secret, nonce, out _));
            Assert.Contains("is not one this protocol makes", SharedMemoryRing.TryOpen("/etc/passwd", 64 << 10, Node.Secret, nonce, out _));
            Assert.Contains("is not one this protocol makes", SharedMemoryRing.TryOpen("/dev/shm/dpt-1-../../etc/passwd", 64 << 10, Node.Secret, nonce, out _));
            Assert.Contains("does not exist here", SharedMemoryRing.TryOpen($"/dev/shm/dpt-1-{new string('0', 32)}", 64 << 10, Node.Secret, nonce, out _));
            Assert.Contains("a ring of", SharedMemoryRing.TryOpen(ring.Path, -1, Node.Secret, nonce, out _));
        }
        finally
        {
            ring.Unlink();
        }
    }

    [Fact]
    public void A_reader_must_take_bytes_only_in_order_and_inside_the_ring_and_free_them_for_the_writer()
    {
        if (!OperatingSystem.IsLinux() || !Directory.Exists(SharedMemoryRing.DefaultDirectory)) return;
        byte[] nonce = new byte[32];
        using var writer = SharedMemoryRing.Create(64 << 10, Node.Secret, nonce);
        writer.Unlink();
        Assert.Contains("does not exist here", SharedMemoryRing.TryOpen(writer.Path, 64 << 10, Node.Secret, nonce, out _)); // unlinked: gone by name
        using var ring = SharedMemoryRing.Create(64 << 10, Node.Secret, nonce);
        Assert.Null(SharedMemoryRing.TryOpen(ring.Path, 64 << 10, Node.Secret, nonce, out var opened));
        ring.Unlink();
        using var reader = opened!;

        var first = ring.FreeSpan(40 << 10);
        Assert.Equal(40 << 10, first.Length);
        first.Fill(7);
        ring.Advance(first.Length);
        // Only what is left before the end, then nothing until the reader frees some.
        Assert.Equal(24 << 10, ring.FreeSpan(40 << 10).Length);
        ring.Advance(24 << 10);
        Assert.True(ring.FreeSpan(1).IsEmpty);

        Assert.Contains("expected 0", Assert.Throws<RemotingProtocolException>(() => reader.Read(8, 10)).Message);
        Assert.Contains("at ring offset 0 of 65536", Assert.Throws<RemotingProtocolException>(() => reader.Read(0, (64 << 10) + 1)).Message);
        Assert.Contains("of 0 bytes", Assert.Throws<RemotingProtocolException>(() => reader.Read(0, 0)).Message);
        Assert.True(reader.Read(0, 40 << 10).ToArray().All(b => b == 7));
        reader.Release(40 << 10);
        Assert.Equal(40 << 10, ring.FreeSpan(64 << 10).Length); // wrapped to the start, as much as was freed
        Assert.Contains("expected 40960", Assert.Throws<RemotingProtocolException>(() => reader.Read(0, 10)).Message);
        Assert.Contains("at ring offset 40960", Assert.Throws<RemotingProtocolException>(() => reader.Read(40 << 10, 30 << 10)).Message);
    }

    public static TheoryData<string, string> BadSharedFrames => new()
    {
        { "no ring", "a SharedPayload frame on a connection without a shared-memory ring" },
        { "no message", "a SharedPayload frame with no bulk message in progress" },
        { "wrong length", "a SharedPayload frame of 11 bytes" },
        { "wrong position", "a SharedPayload frame at ring position 4096, expected 0" },
        { "past the ring's end", "a SharedPayload frame of 70000 bytes at ring offset 0 of 65536" },
        { "more than the message", "lengths do not add up, a SharedPayload frame of 1000 bytes for a message with 8 bytes left" },
    };

    [Theory]
    [MemberData(nameof(BadSharedFrames))]
    public async Task A_bad_SharedPayload_frame_must_close_only_its_connection_and_be_logged(string kind, string logged)
    {
        if (!OperatingSystem.IsLinux() || !Directory.Exists(SharedMemoryRing.DefaultDirectory)) return;
        var (node, other) = (await StartAsync("target"), await StartAsync("bystander"));
        var values = RandomFloats(1000, seed: 8);
        Assert.Equal(values, EchoTensor(other, node, new Tensor("before", values), "echo").Values);

        await using var peer = await RawPeer.ConnectAsync(node.Address);
        await peer.HandshakeAsync(Node.Secret, sharedMemoryBytes: kind == "no ring" ? 0 : 64 << 10);
        Assert.Equal(kind != "no ring", peer.Connection.OutboundRing is not null); // the node mapped the raw peer's ring
        byte[] announce = Announce(new Envelope { Recipient = node.Address + "/user/echo", SerializerId = 101, HeaderLength = 8, Lane = 1 });
        byte[] frame = kind switch
        {
            "no message" => Shared(0, 8),
            "wrong length" => [.. Prefix(12, 8), .. new byte[11]],
            "wrong position" => [.. announce, .. Shared(4096, 8)],
            "past the ring's end" => [.. Announce(new Envelope { Recipient = node.Address + "/user/echo", SerializerId = 101, HeaderLength = 70000, Lane = 1 }),
                .. Shared(0, 70000)],
            "more than the message" => [.. announce, .. Shared(0, 1000)],
            _ => [.. announce, .. Shared(0, 8)],
        };
        await peer.SendAsync(frame);
        Assert.True(await peer.WasClosedByNodeAsync(TimeSpan.FromSeconds(5)), "the node did not close the bad connection");
        var start = Stopwatch.GetTimestamp();
        while (!node.Log.Contains("[Warning]", RawPeer.DefaultAddress.ToString(), logged) && Stopwatch.GetElapsedTime(start) < TimeSpan.FromSeconds(5))
            await Task.Delay(20);
        Assert.True(node.Log.Contains("[Warning]", RawPeer.DefaultAddress.ToString(), logged), node.Log.Dump());
        // The node goes on serving the others.
        Assert.Equal(values, EchoTensor(other, node, new Tensor("after", values), "echo-after").Values);
    }

    private static byte[] Announce(Envelope envelope)
    {
        var body = envelope.ToByteArray();
        return [.. Prefix(body.Length + 1, 5), .. body];
    }

    private static byte[] Shared(long position, int length)
    {
        var frame = new byte[5 + 12];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, 13);
        frame[4] = 8;
        BinaryPrimitives.WriteInt64LittleEndian(frame.AsSpan(5), position);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(13), length);
        return frame;
    }

    private static byte[] Prefix(int length, byte kind) => RawPeer.Prefix(length, kind);
}
