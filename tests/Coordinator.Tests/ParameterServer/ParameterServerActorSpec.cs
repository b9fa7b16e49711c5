// A parameter-server shard actor against test probes standing in for workers, subscribers and the
// coordinator: who gets which reply, and which pushes count.
using System.Runtime.InteropServices;
using Dpt.Actors;
using Dpt.Coordinator.ParameterServer;
using Dpt.Model;
using Dpt.Numerics;
using Dpt.Optimization;
using Dpt.TestKit;
using Dpt.Training;
using Xunit.Abstractions;
using static Dpt.Training.ParameterServerProtocol;

namespace Dpt.Coordinator.Tests.ParameterServer;

public class ParameterServerActorSpec : TestKit.TestKit
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(150);
    private static readonly ParameterLayout Layout = new MlpSpec([3, 4, 2], Activation.Relu, OutputLoss.SoftmaxCrossEntropy).CreateLayout();
    private const float LearningRate = 0.1f;

    private readonly TestProbe _coordinator;
    private readonly TestProbe _worker;
    private readonly float[] _parameters = Initializer.Create(Layout, InitScheme.XavierUniform, 5);
    private ParameterServerState? _state;

    public ParameterServerActorSpec(ITestOutputHelper output) : base(output)
    {
        _coordinator = CreateTestProbe("coordinator");
        _worker = CreateTestProbe("worker");
    }

    /// <summary>The second of two shards over the 26 parameters: [16,26).</summary>
    private static (int Offset, int Count) Range => ParameterServerShard.Ranges(Layout.Length, 2)[1];

    private IActorRef StartServer(OptimizerKind kind = OptimizerKind.Sgd)
    {
        var optimizer = new OptimizerOptions { Kind = kind }.Create();
        _state = new ParameterServerState(Layout, _parameters, optimizer, optimizer.CreateState(Layout.Length),
            LearningRateSchedule.Constant(LearningRate), null, stepsPerEpoch: 10, version: 0, Range.Offset, Range.Count);
        return Sys.ActorOf(ParameterServerActor.Props(_state, Dispatchers.Default), "parameter-server");
    }

    private static float[] Gradient(ulong seed)
    {
        var rng = new Rng(seed);
        return Enumerable.Range(0, Range.Count).Select(_ => rng.NextSingle() * 2 - 1).ToArray();
    }

    private void Push(IActorRef server, long step, SampleRange batch, SampleRange shard, float[] gradient, string worker = "w") =>
        server.Tell(new PushGradients(step, step, batch, shard, worker, Range.Offset, gradient,
            new BatchMetrics(shard.Count * 0.5, shard.Count / 2, shard.Count), new ShardTiming(0.001, 0.01 * shard.Count)), _worker.Ref);

    private TestProbe Subscribe(IActorRef server, string name)
    {
        var subscriber = CreateTestProbe(name);
        server.Tell(new PullParameters(subscriber.Ref), subscriber.Ref);
        subscriber.ExpectMsg<ParametersPublished>(p => p.Version == 0, hint: "version 0");
        return subscriber;
    }

    private static float[] RangeOf(float[] buffer) => buffer.AsSpan(Range.Offset, Range.Count).ToArray();

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6f * (1 + Math.Abs(expected[i])), $"parameter {i}: {actual[i]} vs {expected[i]}");
    }

    [Fact]
    public void ParameterServer_must_subscribe_a_puller_and_reply_with_its_range_of_the_current_parameters()
    {
        var server = StartServer();
        var subscriber = CreateTestProbe("subscriber");
        // The pull may come from someone else on the subscriber's behalf: the reply goes to the subscriber.
        server.Tell(new PullParameters(subscriber.Ref), TestActor);
        var published = subscriber.ExpectMsg<ParametersPublished>();
        Assert.Equal((0L, Range.Offset), (published.Version, published.Offset));
        Assert.Equal(RangeOf(_parameters), published.Parameters.ToArray());
        Assert.Equal(server, subscriber.LastSender);
        // In one process the range is the server's own buffer, not a copy.
        Assert.True(MemoryMarshal.TryGetArray(published.Parameters, out var segment));
        Assert.Same(_parameters, segment.Array);
        ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public void ParameterServer_must_publish_every_new_version_to_its_subscribers_and_report_the_step_to_the_sender_of_BeginStep()
    {
        var server = StartServer();
        var subscribers = new[] { Subscribe(server, "s1"), Subscribe(server, "s2") };
        var before = RangeOf(_parameters);
        var batch = new SampleRange(0, 10);
        server.Tell(new BeginStep(0, batch), _coordinator.Ref);
        float[] g1 = Gradient(1), g2 = Gradient(2);
        // Arrival order does not matter: the report lists the shards in batch order.
        Push(server, 0, batch, new SampleRange(4, 6), g2, "w-b");
        Push(server, 0, batch, new SampleRange(0, 4), g1, "w-a");

        var applied = _coordinator.ExpectMsg<StepApplied>();
        Assert.Equal(server, _coordinator.LastSender);
        Assert.Equal((0L, 1L, LearningRate), (applied.Step, applied.Version, applied.LearningRate));
        Assert.Equal(new BatchMetrics(5, 5, 10), applied.Metrics);
        Assert.Equal([("w-a", new SampleRange(0, 4), 0.04), ("w-b", new SampleRange(4, 6), 0.06)],
            applied.Shards.Select(s => (s.Worker, s.Shard, Math.Round(s.Timing.ComputeSeconds, 9))));
        var expected = before.Select((p, i) => p - LearningRate * (g1[i] + g2[i]) / 10).ToArray();
        foreach (var subscriber in subscribers)
        {
            var published = subscriber.ExpectMsg<ParametersPublished>();
            Assert.Equal((1L, Range.Offset), (published.Version, published.Offset));
            AssertClose(expected, published.Parameters.ToArray());
        }
        _worker.ExpectNoMsg(TimeSpan.Zero);

        // And the next step, from a coordinator that is another actor now.
        var next = new SampleRange(10, 3);
        server.Tell(new BeginStep(1, next), TestActor);
        Push(server, 1, next, next, Gradient(3));
        var second = ExpectMsg<StepApplied>();
        Assert.Equal((1L, 2L), (second.Step, second.Version));
        Assert.All(subscribers, s => Assert.Equal(2L, s.ExpectMsg<ParametersPublished>().Version));
        _coordinator.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public void ParameterServer_must_ignore_duplicate_and_stale_pushes_and_apply_each_step_once()
    {
        var server = StartServer();
        var subscriber = Subscribe(server, "s1");
        var before = RangeOf(_parameters);
        var batch = new SampleRange(0, 10);
        server.Tell(new BeginStep(0, batch), _coordinator.Ref);
        float[] g1 = Gradient(1), g3 = Gradient(3);
        Push(server, 0, batch, new SampleRange(0, 5), g1);
        // A reassigned shard answered twice, and a piece overlapping it: neither counts.
        Push(server, 0, batch, new SampleRange(0, 5), Gradient(2));
        Push(server, 0, batch, new SampleRange(3, 4), Gradient(4));
        _coordinator.ExpectNoMsg(Quiet);

        Push(server, 0, batch, new SampleRange(5, 5), g3);
        Assert.Equal(0L, _coordinator.ExpectMsg<StepApplied>().Step);
        Assert.Equal(1L, subscriber.ExpectMsg<ParametersPublished>().Version);
        AssertClose(before.Select((p, i) => p - LearningRate * (g1[i] + g3[i]) / 10).ToArray(), RangeOf(_parameters));

        // A slow worker's push for the applied step, and a push computed at an older version.
        var after = RangeOf(_parameters);
        Push(server, 0, batch, new SampleRange(5, 5), Gradient(5));
        server.Tell(new PushGradients(1, 0, new SampleRange(10, 4), new SampleRange(10, 4), "w", Range.Offset, Gradient(6),
            new BatchMetrics(1, 1, 4), default), _worker.Ref);
        _coordinator.ExpectNoMsg(Quiet);
        subscriber.ExpectNoMsg(TimeSpan.Zero);
        Assert.Equal(after, RangeOf(_parameters));
        Assert.Equal(1L, _state!.Version);
    }

    [Fact]
    public void ParameterServer_must_refuse_a_push_for_another_range_of_the_parameters()
    {
        var server = StartServer();
        var batch = new SampleRange(0, 2);
        server.Tell(new BeginStep(0, batch), _coordinator.Ref);
        server.Tell(new PushGradients(0, 0, batch, batch, "w", 0, new float[Range.Count], new BatchMetrics(0, 0, 2), default), _worker.Ref);
        server.Tell(new PushGradients(0, 0, batch, batch, "w", Range.Offset, new float[Range.Count + 1], new BatchMetrics(0, 0, 2), default), _worker.Ref);
        _coordinator.ExpectNoMsg(Quiet);
        Push(server, 0, batch, batch, Gradient(1));
        Assert.Equal(1L, _coordinator.ExpectMsg<StepApplied>().Version);
    }

    [Fact]
    public void ParameterServer_must_answer_TakeSnapshot_with_copies_of_its_range_and_optimizer_state()
    {
        var server = StartServer(OptimizerKind.Momentum);
        var batch = new SampleRange(0, 4);
        server.Tell(new BeginStep(0, batch), _coordinator.Ref);
        var gradient = Gradient(7);
        Push(server, 0, batch, batch, gradient);
        _coordinator.ExpectMsg<StepApplied>();

        server.Tell(TakeSnapshot.Instance, _coordinator.Ref);
        var snapshot = _coordinator.ExpectMsg<Snapshot>();
        Assert.Equal(server, _coordinator.LastSender);
        Assert.Equal((1L, Range.Offset), (snapshot.Version, snapshot.Offset));
        Assert.Equal(RangeOf(_parameters), snapshot.Parameters);
        var velocity = Assert.Single(snapshot.OptimizerState);
        Assert.Equal(Range.Count, velocity.Length);
        Assert.Contains(velocity, v => v != 0);

        // Copies: the next step leaves the snapshot as it was.
        var taken = (float[])snapshot.Parameters.Clone();
        server.Tell(new BeginStep(1, batch), _coordinator.Ref);
        Push(server, 1, batch, batch, gradient);
        _coordinator.ExpectMsg<StepApplied>();
        Assert.Equal(taken, snapshot.Parameters);
        Assert.NotEqual(taken, RangeOf(_parameters));
    }

    /// <summary>Creates a child on start and tells who asks for it; stopping the parent stops the child first.</summary>
    private sealed class Parent : ReceiveActor
    {
        private IActorRef _child = ActorRefs.Nobody;

        public Parent(IActorRef forwardTo) => ReceiveAny(message =>
        {
            if (message is "child?") Sender.Tell(_child);
            else forwardTo.Tell(message, Sender);
        });

        protected override void PreStart()
        {
            var self = Self;
            _child = Context.ActorOf(Props.Create(() => new Forwarder(self)), "subscriber");
        }
    }

    private sealed class Forwarder : ReceiveActor
    {
        public Forwarder(IActorRef to) => ReceiveAny(message => to.Tell(message, Sender));
    }

    [Fact]
    public void ParameterServer_must_forget_a_subscriber_that_terminated()
    {
        var server = StartServer();
        var living = Subscribe(server, "living");
        var relay = CreateTestProbe("relay");
        var parent = Watch(Sys.ActorOf(Props.Create(() => new Parent(relay.Ref)), "parent"));
        parent.Tell("child?");
        var child = ExpectMsg<IActorRef>();
        server.Tell(new PullParameters(child), child);
        Assert.Equal(0L, relay.ExpectMsg<ParametersPublished>().Version);

        var deadLetters = CreateTestProbe("dead-letters");
        Sys.EventStream.Subscribe(deadLetters.Ref, typeof(DeadLetter));
        // The parent stops once its child has stopped and told its watchers, the server among them; a round
        // trip to the server then puts the server's Terminated ahead of the next push.
        Sys.Stop(parent);
        ExpectTerminated(parent);
        server.Tell(TakeSnapshot.Instance, TestActor);
        ExpectMsg<Snapshot>();

        var batch = new SampleRange(0, 3);
        server.Tell(new BeginStep(0, batch), _coordinator.Ref);
        Push(server, 0, batch, batch, Gradient(8));
        _coordinator.ExpectMsg<StepApplied>();
        Assert.Equal(1L, living.ExpectMsg<ParametersPublished>().Version);
        deadLetters.ExpectNoMsg(Quiet);
        relay.ExpectNoMsg(TimeSpan.Zero);
    }
}
