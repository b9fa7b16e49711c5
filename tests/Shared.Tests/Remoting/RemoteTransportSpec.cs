using System.Buffers.Binary;
using System.Diagnostics;
using Dpt.Actors;
using Dpt.Remoting;
using Envelope = Dpt.Remoting.Wire.Envelope;
using Dpt.TestKit;
using Google.Protobuf;
using Xunit.Abstractions;

namespace Dpt.Shared.Tests.Remoting;

/// <summary>Two (or three) nodes in this process talking over real TCP on loopback.</summary>
public sealed class RemoteTransportSpec(ITestOutputHelper output) : IAsyncLifetime
{
    private Node _a = null!;
    private Node _b = null!;
    private readonly List<Node> _extra = [];

    public async Task InitializeAsync()
    {
        _a = await Node.StartAsync("a", output);
        _b = await Node.StartAsync("b", output);
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _extra) await node.DisposeAsync();
        await _b.DisposeAsync();
        await _a.DisposeAsync();
    }

    private static TestProbe Probe(Node node) => new(node.System, null);

    private static float[] RandomFloats(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    /// <summary>Starts a third node with <paramref name="settings"/>, disposed with the test.</summary>
    private async Task<Node> StartExtra(string name, RemoteSettings settings)
    {
        var node = await Node.StartAsync(name, output, settings);
        _extra.Add(node);
        return node;
    }

    /// <summary>Makes <paramref name="from"/> associate with <paramref name="to"/> by a round trip.</summary>
    private static void Associate(Node from, Node to, TestProbe probe)
    {
        to.System.ActorOf(Props.Create(() => new Echo()), "warmup-echo");
        from.RefOn(to, "/user/warmup-echo").Tell(new Text("warm up"), probe.Ref);
        probe.ExpectMsg(new Text("warm up"), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Remoting_must_deliver_tell_and_ask_both_ways_over_one_connection()
    {
        var probeA = Probe(_a);
        _b.System.ActorOf(Props.Create(() => new Echo()), "echo");
        var reporterOnA = _a.System.ActorOf(Props.Create(() => new Reporter(probeA.Ref)), "reporter");

        var reply = await _a.RefOn(_b, "/user/echo").Ask<Text>(new Text("ping"), TimeSpan.FromSeconds(5));
        Assert.Equal(new Text("ping"), reply);

        // B answers A on the connection A opened: it never dials A.
        _b.RefOn(_a, "/user/reporter").Tell(new Text("from b"), ActorRefs.NoSender);
        probeA.ExpectMsg(new Text("from b"), TimeSpan.FromSeconds(5));
        _a.System.ActorOf(Props.Create(() => new Echo()), "echo");
        Assert.Equal(new Text("ask a"), await _b.RefOn(_a, "/user/echo").Ask<Text>(new Text("ask a"), TimeSpan.FromSeconds(5)));
        Assert.Single(_a.Transport.Associations);
        Assert.Single(_b.Transport.Associations);
        Assert.Equal(1, _a.Log.Lines.Count(l => l.Contains("Associated with", StringComparison.Ordinal)));
        Assert.True(_b.Log.Contains("Associated with", _a.Address.ToString(), "from"), _b.Log.Dump());
        GC.KeepAlive(reporterOnA);
    }

    [Fact]
    public async Task Remoting_must_hold_each_message_for_the_send_delay_also_below_a_millisecond()
    {
        // 0.7 ms: Thread.Sleep alone would truncate it to 0, and 2.7 ms to 2.
        foreach (var delay in new[] { TimeSpan.FromMicroseconds(700), TimeSpan.FromMicroseconds(2700) })
        {
            var delayed = await Node.StartAsync($"delayed-{delay.Ticks}", output, new RemoteSettings { Secret = Node.Secret, SendDelay = delay });
            _extra.Add(delayed);
            _b.System.ActorOf(Props.Create(() => new Echo()), $"echo-{delay.Ticks}");
            var echo = delayed.RefOn(_b, $"/user/echo-{delay.Ticks}");
            await echo.Ask<Text>(new Text("warm up"), TimeSpan.FromSeconds(5));

            // Only the delayed node's sends wait, so the delay bounds every round trip from below.
            var fastest = TimeSpan.MaxValue;
            for (int i = 0; i < 20; i++)
            {
                long start = Stopwatch.GetTimestamp();
                await echo.Ask<Text>(new Text($"ping {i}"), TimeSpan.FromSeconds(5));
                var roundTrip = Stopwatch.GetElapsedTime(start);
                if (roundTrip < fastest) fastest = roundTrip;
            }
            Assert.True(fastest >= delay, $"the fastest of 20 round trips took {fastest.TotalMilliseconds:F3} ms, less than the send delay {delay.TotalMilliseconds} ms");
            output.WriteLine($"send delay {delay.TotalMilliseconds} ms: fastest round trip {fastest.TotalMilliseconds:F3} ms");
        }
    }

    // Before and after the association, with senders writing inline and without: tensors small enough to write
    // inline, and every 50th too large for that (over ConnectionWriter.InlineBytes), so the two paths interleave.
    [Theory]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public async Task Remoting_must_deliver_messages_in_order_per_lane(bool inlineWrites, bool associateFirst)
    {
        var sender = inlineWrites ? _a : await StartExtra("no-inline", new RemoteSettings { Secret = Node.Secret, InlineWrites = false });
        var probe = Probe(_b);
        _b.System.ActorOf(Props.Create(() => new Reporter(probe.Ref)), "sink");
        if (associateFirst) Associate(sender, _b, Probe(sender));
        var sink = sender.RefOn(_b, "/user/sink");
        const int count = 300;
        for (int i = 0; i < count; i++)
        {
            sink.Tell(new Text($"c{i}"), ActorRefs.NoSender);
            if (i % 10 == 0) sink.Tell(new Tensor($"b{i}", new float[BulkLength(i)]), ActorRefs.NoSender);
        }
        int nextControl = 0, nextBulk = 0;
        foreach (var message in probe.ReceiveN(count + count / 10, TimeSpan.FromSeconds(20)))
        {
            switch (message)
            {
                case Text text:
                    Assert.Equal($"c{nextControl}", text.Value);
                    nextControl++;
                    break;
                case Tensor tensor:
                    Assert.Equal($"b{nextBulk * 10}", tensor.Tag);
                    Assert.Equal(BulkLength(nextBulk * 10), tensor.Values.Length);
                    nextBulk++;
                    break;
            }
        }
        Assert.Equal((count, count / 10), (nextControl, nextBulk));

        static int BulkLength(int i) => i % 50 == 0 ? (int)(ConnectionWriter.InlineBytes / sizeof(float)) + 1000 + i : 1000 + i;
    }

    // Actors on two threads send at once, so inline writes race each other and the writer thread.
    [Fact]
    public void Remoting_must_keep_each_senders_order_when_senders_write_inline_at_once()
    {
        var probe = Probe(_b);
        _b.System.ActorOf(Props.Create(() => new Reporter(probe.Ref)), "sink");
        Associate(_a, _b, Probe(_a));
        var sink = _a.RefOn(_b, "/user/sink");
        const int count = 2000;
        var senders = Enumerable.Range(0, 2).Select(t => new Thread(() =>
        {
            for (int i = 0; i < count; i++)
            {
                sink.Tell(new Text($"{t}:{i}"), ActorRefs.NoSender);
                if (i % 20 == 0) sink.Tell(new Tensor($"{t}:{i}", new float[100 + i]), ActorRefs.NoSender);
            }
        })).ToList();
        senders.ForEach(thread => thread.Start());
        senders.ForEach(thread => thread.Join());
        var nextText = new int[2];
        var nextTensor = new int[2];
        foreach (var message in probe.ReceiveN(2 * (count + count / 20), TimeSpan.FromSeconds(20)))
        {
            var (tag, next, step) = message switch
            {
                Text text => (text.Value, nextText, 1),
                Tensor tensor => (tensor.Tag, nextTensor, 20),
                _ => throw new InvalidOperationException($"unexpected {message}"),
            };
            int t = tag[0] - '0';
            Assert.Equal($"{t}:{next[t] * step}", tag);
            next[t]++;
        }
        Assert.Equal([count, count], nextText);
        Assert.Equal([count / 20, count / 20], nextTensor);
    }

    [Fact]
    public void Remoting_must_round_trip_a_10_MB_tensor_bit_exact()
    {
        var probe = Probe(_a);
        _b.System.ActorOf(Props.Create(() => new Echo()), "echo");
        var values = RandomFloats(10_000_000 / sizeof(float), seed: 42);
        values[0] = float.NaN;
        values[1] = -0f;
        values[2] = float.Epsilon;
        _a.RefOn(_b, "/user/echo").Tell(new Tensor("big", values), probe.Ref);
        var back = probe.ExpectMsg<Tensor>(TimeSpan.FromSeconds(20));
        Assert.Equal("big", back.Tag);
        Assert.NotSame(values, back.Values);
        Assert.True(BitwiseEqual(values, back.Values));
    }

    private static bool BitwiseEqual(float[] x, float[] y) =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(y.AsSpan()));

    [Fact]
    public void Remoting_must_deliver_a_control_message_sent_during_a_50_MB_bulk_transfer_before_the_transfer_completes()
    {
        var probe = Probe(_b);
        Associate(_a, _b, Probe(_a));
        _b.System.ActorOf(Props.Create(() => new Reporter(probe.Ref)), "sink");
        var sink = _a.RefOn(_b, "/user/sink");
        sink.Tell(new Tensor("bulk", new float[50_000_000 / sizeof(float)]), ActorRefs.NoSender);
        // Wait until the writer has taken the bulk message, so the control message meets it mid-transfer.
        var start = Stopwatch.GetTimestamp();
        while (_a.Transport.QueuedBytes(_b.Address) > 0 && Stopwatch.GetElapsedTime(start) < TimeSpan.FromSeconds(5)) Thread.SpinWait(100);
        sink.Tell(new Text("heartbeat"), ActorRefs.NoSender);
        Assert.Equal(new Text("heartbeat"), probe.ExpectMsg<Text>(TimeSpan.FromSeconds(20)));
        probe.ExpectMsg<Tensor>(t => t.Tag == "bulk", TimeSpan.FromSeconds(20));
    }

    [Fact]
    public void Remoting_must_deliver_Terminated_when_a_watched_remote_actor_stops_and_AddressTerminated_when_told()
    {
        var probe = Probe(_a);
        var target = _b.System.ActorOf(Props.Create(() => new Echo()), "target");
        _b.System.ActorOf(Props.Create(() => new Echo()), "other");
        var remoteTarget = _a.RefOn(_b, "/user/target"); // resolved without uid
        probe.Watch(remoteTarget);
        Associate(_a, _b, Probe(_a));
        Thread.Sleep(100); // let the Watch reach B (it travels on the same control lane, before the stop below)
        _b.System.Stop(target);
        var terminated = probe.ExpectTerminated(remoteTarget, TimeSpan.FromSeconds(5));
        Assert.True(terminated.ExistenceConfirmed);
        Assert.False(terminated.AddressTerminated);

        var remoteOther = _a.RefOn(_b, "/user/other");
        probe.Watch(remoteOther);
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        _a.System.Provider.NotifyAddressTerminated(_b.Address);
        var lost = probe.ExpectTerminated(remoteOther, TimeSpan.FromSeconds(5));
        Assert.True(lost.AddressTerminated);
    }

    [Fact]
    public async Task Remoting_must_refuse_a_node_with_the_wrong_cluster_secret_and_deliver_nothing()
    {
        var intruder = await Node.StartAsync("c", output, Node.Settings([.. Enumerable.Repeat((byte)9, 32)]));
        _extra.Add(intruder);
        var probe = Probe(_a);
        _a.System.ActorOf(Props.Create(() => new Reporter(probe.Ref)), "sink");
        var refused = Probe(intruder);
        intruder.System.EventStream.Subscribe(refused.Ref, typeof(RemotingEvents.ConnectionRefused));
        var deadLetters = Probe(intruder);
        intruder.System.EventStream.Subscribe(deadLetters.Ref, typeof(DeadLetter));

        intruder.RefOn(_a, "/user/sink").Tell(new Text("let me in"), ActorRefs.NoSender);

        var evt = refused.ExpectMsg<RemotingEvents.ConnectionRefused>(TimeSpan.FromSeconds(5));
        Assert.Equal("wrong cluster secret", evt.Reason);
        Assert.Equal(_a.Address, evt.Dialed); // the intruder opened the connection, so it knows whom it dialed
        deadLetters.FishForMessage<DeadLetter>(d => d.Message.Equals(new Text("let me in")), TimeSpan.FromSeconds(5));
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.True(_a.Log.Contains("[Warning]", "Refused the connection", intruder.Address.ToString(), "wrong cluster secret"), _a.Log.Dump());
        Assert.DoesNotContain(_a.Log.Lines, l => l.Contains(Convert.ToHexString(Node.Secret), StringComparison.OrdinalIgnoreCase));
        Assert.Empty(_a.Transport.Associations);
    }

    [Fact]
    public async Task Remoting_must_refuse_a_peer_speaking_another_protocol_version()
    {
        var refused = Probe(_a);
        _a.System.EventStream.Subscribe(refused.Ref, typeof(RemotingEvents.ConnectionRefused));
        await using var peer = await RawPeer.ConnectAsync(_a.Address);
        await Assert.ThrowsAnyAsync<Exception>(() => peer.HandshakeAsync(Node.Secret, protocolVersion: 2));
        var evt = refused.ExpectMsg<RemotingEvents.ConnectionRefused>(TimeSpan.FromSeconds(5));
        Assert.Equal("protocol version 2, this node speaks 1", evt.Reason);
        Assert.True(_a.Log.Contains("[Warning]", "Refused", "protocol version 2, this node speaks 1"), _a.Log.Dump());
    }

    public static TheoryData<string, string> BadFrames => new()
    {
        { "oversized", "oversized frame" },
        { "unknown kind", "unknown kind 99" },
        { "unparsable envelope", "the envelope does not parse" },
        { "lengths that do not add up", "lengths do not add up" },
        { "truncated", "truncated frame" },
    };

    [Theory]
    [MemberData(nameof(BadFrames))]
    public async Task Remoting_must_close_only_the_connection_that_sends_a_bad_frame_and_log_why(string kind, string logged)
    {
        var probe = Probe(_a);
        Associate(_a, _b, probe);
        await using var peer = await RawPeer.ConnectAsync(_a.Address);
        await peer.HandshakeAsync(Node.Secret);
        switch (kind)
        {
            case "oversized":
                await peer.SendAsync(Prefix(_a.Transport.Settings.MaxFrameBytes + 1, 5));
                break;
            case "unknown kind":
                await peer.SendAsync([.. Prefix(3, 99), 1, 2]);
                break;
            case "unparsable envelope":
                await peer.SendAsync([.. Prefix(5, 5), 0xFF, 0xFF, 0xFF, 0xFF]);
                break;
            case "lengths that do not add up":
                var envelope = new Envelope { Recipient = _a.Address + "/user/x", SerializerId = 100, HeaderLength = 4 }.ToByteArray();
                await peer.SendAsync([.. Prefix(envelope.Length + 1, 5), .. envelope, .. Prefix(11, 6), .. new byte[10]]);
                break;
            case "truncated":
                await peer.SendAsync([.. Prefix(101, 5), .. new byte[10]]);
                peer.ShutdownSend();
                break;
        }
        Assert.True(await peer.WasClosedByNodeAsync(TimeSpan.FromSeconds(5)), "the node did not close the bad connection");
        await AwaitAsync(() => _a.Log.Contains("[Warning]", RawPeer.DefaultAddress.ToString(), logged), _a.Log);
        // The legitimate peer keeps talking.
        _b.System.ActorOf(Props.Create(() => new Echo()), "echo-after");
        Assert.Equal(new Text("still here"), await _a.RefOn(_b, "/user/echo-after").Ask<Text>(new Text("still here"), TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Remoting_must_close_a_connection_that_sends_garbage_instead_of_a_handshake()
    {
        await using var peer = await RawPeer.ConnectAsync(_a.Address);
        await peer.SendAsync([.. Prefix(5, 42), 1, 2, 3, 4]);
        Assert.True(await peer.WasClosedByNodeAsync(TimeSpan.FromSeconds(5)));
        await AwaitAsync(() => _a.Log.Contains("[Warning]", "unknown kind 42"), _a.Log);
    }

    [Fact]
    public async Task Remoting_must_close_a_connection_that_stays_silent_past_the_handshake_timeout()
    {
        // The default is 5 s; a 300 ms node shows the mechanism without the wait.
        var impatient = await Node.StartAsync("impatient", output, new RemoteSettings { Secret = Node.Secret, HandshakeTimeout = TimeSpan.FromMilliseconds(300) });
        _extra.Add(impatient);
        await using var silent = await RawPeer.ConnectAsync(impatient.Address);
        Assert.True(await silent.WasClosedByNodeAsync(TimeSpan.FromSeconds(5)));
        await AwaitAsync(() => impatient.Log.Contains("[Warning]", "no handshake within 300 ms"), impatient.Log);
    }

    [Fact]
    public async Task Remoting_must_drop_a_message_its_serializer_cannot_read_and_keep_the_connection()
    {
        var probe = Probe(_b);
        _b.System.ActorOf(Props.Create(() => new Reporter(probe.Ref)), "sink");
        var sink = _a.RefOn(_b, "/user/sink");
        sink.Tell(new Unreadable("x"), ActorRefs.NoSender);
        sink.Tell(new Text("after"), ActorRefs.NoSender);
        probe.ExpectMsg(new Text("after"), TimeSpan.FromSeconds(5));
        await AwaitAsync(() => _b.Log.Contains("[Warning]", "Dropped a message", "UnreadableSerializer", "reads nothing"), _b.Log);
        Assert.Single(_b.Transport.Associations);
    }

    [Fact]
    public void Remoting_must_dead_letter_a_message_with_no_serializer_without_throwing()
    {
        var deadLetters = Probe(_a);
        _a.System.EventStream.Subscribe(deadLetters.Ref, typeof(DeadLetter));
        _a.RefOn(_b, "/user/anyone").Tell(new Unserializable("nope"), ActorRefs.NoSender);
        deadLetters.FishForMessage<DeadLetter>(d => d.Message is Unserializable, TimeSpan.FromSeconds(5));
        Assert.True(_a.Log.Contains("[Warning]", "No serializer for", nameof(Unserializable)), _a.Log.Dump());
    }

    [Fact]
    public async Task Remoting_must_drop_sends_to_dead_letters_when_a_stalled_peer_fills_the_send_queue()
    {
        const long limit = 2 << 20;
        var sender = await Node.StartAsync("sender", output, new RemoteSettings { Secret = Node.Secret, SendQueueLimitBytes = limit });
        _extra.Add(sender);
        await using var stalled = await RawPeer.ConnectAsync(sender.Address, receiveBufferBytes: 64 << 10);
        await stalled.HandshakeAsync(Node.Secret);
        // The peer now never reads. Its association exists (inbound), so sends to it take that connection.
        var deadLetters = Probe(sender);
        sender.System.EventStream.Subscribe(deadLetters.Ref, typeof(DeadLetter));
        var target = sender.System.Provider.ResolveActorRef(RawPeer.DefaultAddress + "/user/sink");
        var message = new Tensor("chunk", new float[(1 << 20) / sizeof(float)]);
        long maxQueued = 0;
        for (int i = 0; i < 200; i++)
        {
            target.Tell(message, ActorRefs.NoSender);
            maxQueued = Math.Max(maxQueued, sender.Transport.QueuedBytes(RawPeer.DefaultAddress));
        }
        var dropped = deadLetters.FishForMessage<DeadLetter>(d => ReferenceEquals(d.Message, message), TimeSpan.FromSeconds(5));
        Assert.True(maxQueued <= limit + (1 << 20) + 1024, $"queued {maxQueued} bytes with a limit of {limit}");
        await AwaitAsync(() => sender.Log.Contains("[Warning]", "send queue for", RawPeer.DefaultAddress.ToString(), "is full"), sender.Log);
        // Rate-limited: some 190 drops in well under a second log one line (a few on a very slow machine).
        Assert.InRange(sender.Log.Lines.Count(l => l.Contains("is full", StringComparison.Ordinal)), 1, 3);
        GC.KeepAlive(dropped);
    }

    [Fact]
    public async Task Remoting_must_connect_over_TLS_with_the_clusters_self_signed_certificate()
    {
        using var certificate = TestCertificates.SelfSigned("CN=dpt-test-cluster", seed: 1);
        var settings = new RemoteSettings { Secret = Node.Secret, UseTls = true, TlsCertificate = certificate };
        var x = await Node.StartAsync("tls-x", output, settings);
        _extra.Add(x);
        var y = await Node.StartAsync("tls-y", output, settings);
        _extra.Add(y);
        y.System.ActorOf(Props.Create(() => new Echo()), "echo");
        var reply = await x.RefOn(y, "/user/echo").Ask<Tensor>(new Tensor("over tls", RandomFloats(1000, 3)), TimeSpan.FromSeconds(10));
        Assert.Equal(RandomFloats(1000, 3), reply.Values);
        // With TLS every byte goes through it: no shared-memory ring between nodes of one host.
        Assert.DoesNotContain(x.Log.Lines.Concat(y.Log.Lines), line => line.Contains("shared-memory ring", StringComparison.Ordinal));

        // A node with another certificate is not trusted.
        using var other = TestCertificates.SelfSigned("CN=someone-else", seed: 2);
        var stranger = await Node.StartAsync("tls-z", output, new RemoteSettings { Secret = Node.Secret, UseTls = true, TlsCertificate = other });
        _extra.Add(stranger);
        var lost = Probe(stranger);
        stranger.System.EventStream.Subscribe(lost.Ref, typeof(RemotingEvents.AssociationLost));
        stranger.RefOn(y, "/user/echo").Tell(new Text("hi"), ActorRefs.NoSender);
        lost.ExpectMsg<RemotingEvents.AssociationLost>(TimeSpan.FromSeconds(10));
        Assert.True(stranger.Log.Contains("Rejected the TLS certificate", "dpt-test-cluster"), stranger.Log.Dump());
    }

    [Fact]
    public async Task Remoting_must_report_the_round_trip_of_a_940_KB_tensor()
    {
        _b.System.ActorOf(Props.Create(() => new Echo()), "echo");
        var echo = _a.RefOn(_b, "/user/echo");
        var gradient = new Tensor("gradient", RandomFloats(940_000 / sizeof(float), seed: 5));
        const int rounds = 30;
        var times = new List<double>();
        for (int i = 0; i < rounds + 3; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var back = await echo.Ask<Tensor>(gradient, TimeSpan.FromSeconds(10));
            if (i >= 3) times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            Assert.Equal(gradient.Values.Length, back.Values.Length);
        }
        times.Sort();
        var small = new List<double>();
        for (int i = 0; i < rounds; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await echo.Ask<Text>(new Text("ping"), TimeSpan.FromSeconds(10));
            small.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        small.Sort();
        output.WriteLine($"small control message round trip on loopback: median {small[rounds / 2]:0.00} ms");
        output.WriteLine($"940 KB float tensor round trip on loopback: median {times[rounds / 2]:0.00} ms, min {times[0]:0.00} ms, max {times[^1]:0.00} ms ({rounds} rounds)");
        Assert.True(times[rounds / 2] < 2000);
    }

    private static byte[] Prefix(int length, byte kind) => RawPeer.Prefix(length, kind);

    private static async Task AwaitAsync(Func<bool> condition, CapturedOutput log)
    {
        var start = Stopwatch.GetTimestamp();
        while (!condition())
        {
            if (Stopwatch.GetElapsedTime(start) > TimeSpan.FromSeconds(5)) Assert.Fail("condition did not hold within 5 s; log:" + Environment.NewLine + log.Dump());
            await Task.Delay(20);
        }
    }
}
