// The worker actor against test probes standing in for two parameter-server shards and the coordinator:
// what it pulls, when it computes, what it pushes to whom, and which gradient buffer it pushes.
using System.Runtime.InteropServices;
using Dpt.Actors;
using Dpt.TestKit;
using Dpt.Training;
using Dpt.Training.Timeline;
using Xunit.Abstractions;
using static Dpt.Training.ParameterServerProtocol;
using static Dpt.Training.WorkerProtocol;
using static Dpt.Worker.Tests.TinyTraining;

namespace Dpt.Worker.Tests;

public class WorkerActorSpec : TestKit.TestKit
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(150);
    private static readonly SampleRange Batch = new(0, 20);

    private readonly TestProbe[] _servers;
    private readonly TestProbe _coordinator;

    public WorkerActorSpec(ITestOutputHelper output) : base(output)
    {
        _servers = [CreateTestProbe("parameter-server-1"), CreateTestProbe("parameter-server-2")];
        _coordinator = CreateTestProbe("coordinator");
    }

    /// <summary>Starts a worker over the two probe shards and takes the pulls it sends on start.</summary>
    private IActorRef StartWorker(string name = "worker-1", SpanRecorder? timeline = null, TimeSpan? pullAgainAfter = null)
    {
        var shards = Ranges.Select((r, k) => new ParameterServerShard(_servers[k].Ref, r.Offset, r.Count)).ToList();
        var worker = Sys.ActorOf(WorkerActor.Props(name, Computer(), shards, Dispatchers.Default, timeline, pullAgainAfter), name);
        foreach (var server in _servers)
        {
            server.ExpectMsg<PullParameters>(p => p.Subscriber.Equals(worker), hint: "a pull subscribing the worker");
            Assert.Equal(worker, server.LastSender);
        }
        return worker;
    }

    /// <summary>Shard <paramref name="k"/> publishes its range of <paramref name="parameters"/> in place, as it does in one process.</summary>
    private void Publish(IActorRef worker, int k, long version, float[] parameters) =>
        worker.Tell(new ParametersPublished(version, Ranges[k].Offset, parameters.AsMemory(Ranges[k].Offset, Ranges[k].Count)), _servers[k].Ref);

    private void PublishAll(IActorRef worker, long version, float[] parameters)
    {
        for (int k = 0; k < _servers.Length; k++) Publish(worker, k, version, parameters);
    }

    private void Compute(IActorRef worker, long step, long version, SampleRange shard, int epoch = 0) =>
        worker.Tell(new ComputeShard(step, epoch, version, Batch, shard), _coordinator.Ref);

    /// <summary>Takes the push every shard receives and checks it carries exactly that shard's range.</summary>
    private PushGradients[] ExpectPushes()
    {
        var pushes = new PushGradients[_servers.Length];
        for (int k = 0; k < _servers.Length; k++)
        {
            pushes[k] = _servers[k].ExpectMsg<PushGradients>();
            Assert.Equal(Ranges[k].Offset, pushes[k].Offset);
            Assert.Equal(Ranges[k].Count, pushes[k].Gradient.Length);
        }
        return pushes;
    }

    private void ExpectNoPush()
    {
        _servers[0].ExpectNoMsg(Quiet);
        _servers[1].ExpectNoMsg(TimeSpan.Zero);
    }

    private static void AssertGradient(float[] expected, PushGradients[] pushes)
    {
        foreach (var push in pushes)
            Assert.Equal(expected.AsSpan(push.Offset, push.Gradient.Length).ToArray(), push.Gradient.ToArray());
    }

    private static float[] BufferOf(PushGradients push) =>
        MemoryMarshal.TryGetArray(push.Gradient, out var segment) ? segment.Array! : throw new InvalidOperationException("a push not backed by an array");

    [Fact]
    public void Worker_must_pull_parameters_from_every_shard_when_it_starts()
    {
        StartWorker();
        _coordinator.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public void A_worker_across_nodes_must_pull_again_while_no_parameters_come_and_while_work_waits_for_newer_ones()
    {
        var after = TimeSpan.FromMilliseconds(300);
        var worker = StartWorker(pullAgainAfter: after);
        // Its first pull was lost: it asks again, and keeps asking, every shard.
        for (int round = 0; round < 2; round++)
            foreach (var server in _servers)
                server.ExpectMsg<PullParameters>(p => p.Subscriber.Equals(worker), TimeSpan.FromSeconds(3), hint: "a pull again");

        // With parameters and no work waiting it is content.
        var parameters = Parameters(4);
        PublishAll(worker, 0, parameters);
        Compute(worker, 0, 0, new SampleRange(0, 10));
        ExpectPushes();
        _servers[0].ExpectNoMsg(after * 3);

        // Work for version 1, whose publication was lost, waits: the worker asks again.
        Compute(worker, 1, 1, new SampleRange(0, 10));
        foreach (var server in _servers)
            server.ExpectMsg<PullParameters>(p => p.Subscriber.Equals(worker), TimeSpan.FromSeconds(3), hint: "a pull for the waiting work");
        PublishAll(worker, 1, parameters);
        ExpectPushes();
    }

    [Fact]
    public void A_worker_in_one_process_must_not_pull_again()
    {
        var worker = StartWorker();
        Compute(worker, 1, 1, new SampleRange(0, 10));
        _servers[0].ExpectNoMsg(TimeSpan.FromSeconds(1));
        _servers[1].ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public void Pushes_must_report_the_forward_part_of_the_compute_and_the_send_of_the_previous_push()
    {
        var worker = StartWorker();
        var parameters = Parameters(4);
        PublishAll(worker, 0, parameters);
        Compute(worker, 0, 0, new SampleRange(0, 10));
        var first = ExpectPushes()[0].Timing;
        PublishAll(worker, 1, parameters);
        Compute(worker, 1, 1, new SampleRange(0, 10));
        var second = ExpectPushes()[0].Timing;

        Assert.Null(first.SentStep);
        Assert.Equal(0L, second.SentStep);
        Assert.True(second.SentSeconds > 0, $"send of step 0 took {second.SentSeconds} s");
        foreach (var t in new[] { first, second })
        {
            Assert.InRange(t.ForwardSeconds, 1e-9, t.ComputeSeconds);
            Assert.True(t.ReceivedClockSeconds > 0, "the worker's clock at receipt");
        }
        Assert.True(second.ReceivedClockSeconds >= first.ReceivedClockSeconds + first.WaitSeconds + first.ComputeSeconds + second.SentSeconds,
            "the second shard arrived after the first was computed and sent");
    }

    [Fact]
    public void A_worker_with_a_recorder_must_record_receive_forward_backward_and_send_one_after_another()
    {
        var spans = new SpanRecorder(new StepWindow(0, 2), spansPerStep: 8);
        var worker = StartWorker(timeline: spans);
        var parameters = Parameters(5);
        Compute(worker, 0, 0, new SampleRange(0, 10)); // waits for the parameters: a receive span of its own
        Thread.Sleep(100);
        PublishAll(worker, 0, parameters);
        ExpectPushes();
        PublishAll(worker, 1, parameters);
        Compute(worker, 1, 1, new SampleRange(10, 7));
        ExpectPushes();
        PublishAll(worker, 2, parameters);
        Compute(worker, 2, 2, new SampleRange(0, 5)); // outside the window
        ExpectPushes();
        AwaitCondition(() => spans.Spans.Length == 8, TimeSpan.FromSeconds(3));

        var recorded = spans.Spans.ToArray();
        SpanKind[] phases = [SpanKind.Receive, SpanKind.Forward, SpanKind.Backward, SpanKind.Send];
        Assert.Equal([.. phases, .. phases], recorded.Select(s => s.Kind));
        Assert.Equal([0L, 0, 0, 0, 1, 1, 1, 1], recorded.Select(s => s.Step));
        Assert.Equal([10, 10, 10, 10, 7, 7, 7, 7], recorded.Select(s => s.Count));
        for (int i = 0; i < recorded.Length; i++)
        {
            Assert.True(recorded[i].Duration >= 0, $"span {i} lasts {recorded[i].Duration} ticks");
            if (i % 4 > 0) Assert.Equal(recorded[i - 1].End, recorded[i].Start);
        }
        Assert.True(System.Diagnostics.Stopwatch.GetElapsedTime(0, recorded[0].Duration) >= TimeSpan.FromMilliseconds(20),
            "step 0 waited for its parameters");
        Assert.True(recorded[4].Start >= recorded[3].End);
    }

    [Fact]
    public void Worker_must_compute_a_shard_only_once_every_shards_range_of_its_version_arrived()
    {
        var worker = StartWorker();
        var parameters = Parameters(1);
        Publish(worker, 0, 0, parameters);
        Compute(worker, 0, 0, new SampleRange(0, 10));
        ExpectNoPush();

        Publish(worker, 1, 0, parameters);
        AssertGradient(Gradient(parameters, 0, new SampleRange(0, 10)).Gradient, ExpectPushes());
    }

    [Fact]
    public void Worker_must_push_each_shard_its_range_of_the_gradient_of_its_samples_in_the_epoch_order()
    {
        var worker = StartWorker("worker-7");
        var parameters = Parameters(2);
        PublishAll(worker, 4, parameters);
        var shard = new SampleRange(12, 7);
        worker.Tell(new ComputeShard(4, 3, 4, Batch, shard), _coordinator.Ref);

        var (expected, metrics) = Gradient(parameters, 3, shard);
        var pushes = ExpectPushes();
        AssertGradient(expected, pushes);
        foreach (var push in pushes)
        {
            Assert.Equal((4L, 4L, Batch, shard, "worker-7", metrics), (push.Step, push.Version, push.Batch, push.Shard, push.Worker, push.Metrics));
            Assert.Equal(worker, _servers[push.Offset == 0 ? 0 : 1].LastSender);
        }
        // Another epoch orders the samples differently: the same positions are other samples.
        Assert.NotEqual(expected, Gradient(parameters, 0, shard).Gradient);
        _coordinator.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public void Worker_must_drop_a_shard_for_an_older_version()
    {
        var worker = StartWorker();
        var parameters = Parameters(3);
        PublishAll(worker, 0, parameters);
        PublishAll(worker, 1, parameters);
        Compute(worker, 0, 0, new SampleRange(0, 10));
        ExpectNoPush();

        // The worker goes on with the current version, and the dropped shard does not turn up later.
        Compute(worker, 1, 1, new SampleRange(10, 10));
        var pushes = ExpectPushes();
        Assert.All(pushes, p => Assert.Equal((1L, new SampleRange(10, 10)), (p.Version, p.Shard)));
        ExpectNoPush();
    }

    [Fact]
    public void Worker_must_keep_a_shard_for_a_newer_version_and_compute_it_at_that_version_once_complete()
    {
        var worker = StartWorker();
        var parameters = Parameters(4);
        PublishAll(worker, 0, parameters);
        var shard = new SampleRange(5, 9);
        Compute(worker, 1, 1, shard);
        ExpectNoPush();

        // The server applies step 0 in place, then publishes version 1 shard by shard.
        for (int i = 0; i < parameters.Length; i++) parameters[i] -= 0.05f * MathF.Sin(i);
        Publish(worker, 0, 1, parameters);
        ExpectNoPush();
        Publish(worker, 1, 1, parameters);
        var pushes = ExpectPushes();
        Assert.All(pushes, p => Assert.Equal(1L, p.Version));
        AssertGradient(Gradient(parameters, 0, shard).Gradient, pushes);
    }

    [Fact]
    public void Worker_must_assemble_a_version_whose_ranges_arrive_after_an_older_range_of_a_slower_shard()
    {
        // A worker joining while shard 1 has applied step 0 and shard 2 not yet: shard 1 answers the pull with
        // version 1, shard 2 with version 0, and then publishes version 1.
        var worker = StartWorker();
        var parameters = Parameters(5);
        Publish(worker, 0, 1, parameters);
        Publish(worker, 1, 0, parameters);
        Compute(worker, 1, 1, new SampleRange(0, 4));
        ExpectNoPush();

        Publish(worker, 1, 1, parameters);
        AssertGradient(Gradient(parameters, 0, new SampleRange(0, 4)).Gradient, ExpectPushes());
    }

    [Theory]
    [InlineData(EvaluationSet.Test, 2, 7)]
    [InlineData(EvaluationSet.Validation, 0, 8)]
    public void Worker_must_answer_EvaluateShard_with_the_metrics_of_that_range_of_the_held_out_set(EvaluationSet set, int start, int count)
    {
        var worker = StartWorker();
        var parameters = Parameters(6);
        PublishAll(worker, 3, parameters);
        var range = new SampleRange(start, count);
        worker.Tell(new EvaluateShard(11, 3, set, range), _coordinator.Ref);

        var expected = new ShardEvaluated(11, range, Evaluation(parameters, set, range));
        _coordinator.ExpectMsg(expected);
        Assert.Equal(worker, _coordinator.LastSender);
        ExpectNoPush();
    }

    [Fact]
    public void Worker_must_evaluate_at_the_requested_version_once_it_is_complete()
    {
        var worker = StartWorker();
        var parameters = Parameters(7);
        PublishAll(worker, 0, parameters);
        var range = new SampleRange(0, 12);
        worker.Tell(new EvaluateShard(1, 1, EvaluationSet.Test, range), _coordinator.Ref);
        _coordinator.ExpectNoMsg(Quiet);

        for (int i = 0; i < parameters.Length; i++) parameters[i] *= 0.5f;
        PublishAll(worker, 1, parameters);
        _coordinator.ExpectMsg(new ShardEvaluated(1, range, Evaluation(parameters, EvaluationSet.Test, range)));
    }

    [Fact]
    public void Worker_must_push_a_reassigned_shard_of_the_same_step_from_another_buffer_than_the_first()
    {
        var worker = StartWorker();
        var parameters = Parameters(8);
        PublishAll(worker, 0, parameters);
        var first = new SampleRange(0, 10);
        Compute(worker, 0, 0, first);
        var firstPushes = ExpectPushes();

        // The coordinator hands this worker the shard of a lost one while the server may still read the first.
        var second = new SampleRange(10, 10);
        Compute(worker, 0, 0, second);
        var secondPushes = ExpectPushes();

        Assert.NotSame(BufferOf(firstPushes[0]), BufferOf(secondPushes[0]));
        AssertGradient(Gradient(parameters, 0, first).Gradient, firstPushes);
        AssertGradient(Gradient(parameters, 0, second).Gradient, secondPushes);
    }

    [Fact]
    public void Worker_must_reuse_its_gradient_buffers_once_the_server_published_a_newer_version()
    {
        var worker = StartWorker();
        var parameters = Parameters(9);
        PublishAll(worker, 0, parameters);
        Compute(worker, 0, 0, new SampleRange(0, 10));
        var a = BufferOf(ExpectPushes()[0]);
        Compute(worker, 0, 0, new SampleRange(10, 10));
        var b = BufferOf(ExpectPushes()[0]);

        // Half of version 1 is not yet a newer version: nothing is free to reuse.
        Publish(worker, 0, 1, parameters);
        Compute(worker, 1, 1, new SampleRange(0, 10));
        ExpectNoPush();
        Publish(worker, 1, 1, parameters);
        Assert.Same(a, BufferOf(ExpectPushes()[0]));
        Compute(worker, 1, 1, new SampleRange(10, 10));
        Assert.Same(b, BufferOf(ExpectPushes()[0]));

        PublishAll(worker, 2, parameters);
        Compute(worker, 2, 2, new SampleRange(0, 20));
        var pushes = ExpectPushes();
        Assert.Same(a, BufferOf(pushes[0]));
        AssertGradient(Gradient(parameters, 0, new SampleRange(0, 20)).Gradient, pushes);
    }

    /// <summary>Shard <paramref name="k"/>'s range of <paramref name="parameters"/> in an array of its own, as received over the network.</summary>
    private void PublishCopy(IActorRef worker, int k, long version, float[] parameters) =>
        worker.Tell(new ParametersPublished(version, Ranges[k].Offset, parameters.AsSpan(Ranges[k].Offset, Ranges[k].Count).ToArray()), _servers[k].Ref);

    [Fact]
    public void Worker_must_compute_a_shard_of_the_current_version_with_exactly_its_parameters_while_a_newer_one_arrives_over_the_network()
    {
        var worker = StartWorker();
        var v0 = Parameters(10);
        var v1 = Parameters(11);
        PublishCopy(worker, 1, 0, v0);
        PublishCopy(worker, 0, 0, v0);
        // Shard 1 has already published version 1; shard 2's range of it is still on its way.
        PublishCopy(worker, 0, 1, v1);
        // A shard of step 0 reassigned from a lost worker: computed at version 0, untouched by version 1's range.
        var stale = new SampleRange(0, 10);
        Compute(worker, 0, 0, stale);
        AssertGradient(Gradient(v0, 0, stale).Gradient, ExpectPushes());

        var shard = new SampleRange(10, 10);
        Compute(worker, 1, 1, shard);
        ExpectNoPush();
        PublishCopy(worker, 1, 1, v1);
        AssertGradient(Gradient(v1, 0, shard).Gradient, ExpectPushes());
    }

    [Fact]
    public void Worker_must_ignore_a_range_outside_its_parameters()
    {
        var worker = StartWorker();
        var parameters = Parameters(12);
        worker.Tell(new ParametersPublished(0, Ranges[1].Offset, new float[Ranges[1].Count + 1]), _servers[1].Ref);
        PublishCopy(worker, 0, 0, parameters);
        Compute(worker, 0, 0, new SampleRange(0, 4));
        ExpectNoPush();
        PublishCopy(worker, 1, 0, parameters);
        AssertGradient(Gradient(parameters, 0, new SampleRange(0, 4)).Gradient, ExpectPushes());
    }
}
