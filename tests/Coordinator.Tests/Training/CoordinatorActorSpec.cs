// The coordinator actor against test probes standing in for its workers, two parameter-server shards and
// its listener: when it starts, how a step moves on, what a lost worker's shard becomes, and what an epoch's
// end looks like from outside.
using Dpt.Actors;
using Dpt.Coordinator.ParameterServer;
using Dpt.Coordinator.Training;
using Dpt.Model;
using Dpt.Numerics;
using Dpt.Optimization;
using Dpt.TestKit;
using Dpt.Training;
using Xunit.Abstractions;
using static Dpt.Coordinator.Training.CoordinatorProtocol;
using static Dpt.Training.ParameterServerProtocol;
using static Dpt.Training.TrainingEvents;
using static Dpt.Training.WorkerProtocol;

namespace Dpt.Coordinator.Tests.Training;

public class CoordinatorActorSpec : TestKit.TestKit
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(150);

    /// <summary>40 parameters over two parameter-server shards, [0,32) and [32,40).</summary>
    private const int ParameterCount = 40;
    private static readonly IReadOnlyList<(int Offset, int Count)> Ranges = ParameterServerShard.Ranges(ParameterCount, 2);

    /// <summary>10 samples in batches of 4 (steps [0,4), [4,8), [8,10)), a test set of 6 and a validation set of 4.</summary>
    private static readonly TrainingPlan Plan = new()
    {
        TrainCount = 10, GlobalBatch = 4, Epochs = 2, TestCount = 6, ValidationCount = 4, MinWorkers = 2, Balance = ShardSplit.Equal,
    };

    private readonly TestProbe _listener;
    private readonly TestProbe[] _servers;
    private readonly List<StepCompleted> _reported = new();

    public CoordinatorActorSpec(ITestOutputHelper output) : base(output)
    {
        _listener = CreateTestProbe("listener");
        _servers = [CreateTestProbe("parameter-server-1"), CreateTestProbe("parameter-server-2")];
    }

    private IActorRef StartCoordinator(TrainingPlan plan) =>
        Sys.ActorOf(CoordinatorActor.Props(new CoordinatorState(plan), _servers.Select(s => s.Ref).ToList(), ParameterCount, _listener.Ref,
            Dispatchers.Default), "coordinator");

    /// <summary>The listener's next event other than <see cref="StepsCompleted"/>, whose steps are collected in <see cref="_reported"/>.</summary>
    private T ExpectEvent<T>()
    {
        while (true)
        {
            var message = _listener.ExpectMsg<object>();
            if (message is StepsCompleted batch) _reported.AddRange(batch.Steps);
            else return typeof(T) == typeof(object) ? (T)message : Assert.IsType<T>(message);
        }
    }

    private void ExpectWorkersChanged(string change, params string[] workers)
    {
        var changed = ExpectEvent<WorkersChanged>();
        Assert.Equal(change, changed.Change);
        Assert.Equal(workers, changed.Workers);
    }

    private void ExpectBeginStep(IActorRef coordinator, long step, SampleRange batch)
    {
        foreach (var server in _servers)
        {
            server.ExpectMsg(new BeginStep(step, batch));
            Assert.Equal(coordinator, server.LastSender);
        }
    }

    /// <summary>Every shard reports <paramref name="step"/> applied, with 2 loss and half right per sample.</summary>
    private void ApplyStep(IActorRef coordinator, long step, SampleRange batch, float learningRate = 0.1f)
    {
        foreach (var server in _servers) coordinator.Tell(Applied(step, batch, learningRate), server.Ref);
    }

    private static StepApplied Applied(long step, SampleRange batch, float learningRate = 0.1f) =>
        new(step, step + 1, new BatchMetrics(2.0 * batch.Count, batch.Count / 2, batch.Count),
            [new ShardReport("w1", batch, new ShardTiming(0, 0.01))], learningRate, 0.001);

    /// <summary>Starts a coordinator of <see cref="Plan"/> with workers w1 and w2; step 0 has begun.</summary>
    private (IActorRef Coordinator, TestProbe W1, TestProbe W2) StartTwoWorkers(TrainingPlan? plan = null)
    {
        var coordinator = StartCoordinator(plan ?? Plan);
        var (w1, w2) = (CreateTestProbe("w1"), CreateTestProbe("w2"));
        coordinator.Tell(new RegisterWorker("w1", w1.Ref));
        coordinator.Tell(new RegisterWorker("w2", w2.Ref));
        ExpectWorkersChanged("w1 joined", "w1");
        Assert.Equal(new WaitingForWorkers(1, 2), ExpectEvent<WaitingForWorkers>());
        ExpectWorkersChanged("w2 joined", "w1", "w2");
        ExpectBeginStep(coordinator, 0, new SampleRange(0, 4));
        w1.ExpectMsg(new ComputeShard(0, 0, 0, new SampleRange(0, 4), new SampleRange(0, 2)));
        Assert.Equal(coordinator, w1.LastSender);
        w2.ExpectMsg(new ComputeShard(0, 0, 0, new SampleRange(0, 4), new SampleRange(2, 2)));
        return (coordinator, w1, w2);
    }

    /// <summary>Each worker gets its EvaluateShard of <paramref name="set"/> at <paramref name="version"/> and answers it
    /// with 0.5 loss per sample and every sample right; returns the requests.</summary>
    private List<EvaluateShard> Evaluate(IActorRef coordinator, long version, EvaluationSet set, params (TestProbe Worker, SampleRange Range)[] expected)
    {
        var requests = new List<EvaluateShard>();
        foreach (var (worker, range) in expected)
        {
            var request = worker.ExpectMsg<EvaluateShard>();
            Assert.Equal((version, set, range), (request.Version, request.Set, request.Range));
            requests.Add(request);
        }
        foreach (var (request, (worker, _)) in requests.Zip(expected))
            coordinator.Tell(new ShardEvaluated(request.Request, request.Range, new BatchMetrics(0.5 * request.Range.Count, request.Range.Count, request.Range.Count)), worker.Ref);
        return requests;
    }

    /// <summary>Every shard gets TakeSnapshot and answers with its range of <paramref name="parameters"/> and one state slot.</summary>
    private void Snapshot(IActorRef coordinator, long version, float[] parameters, float[] state)
    {
        for (int k = 0; k < _servers.Length; k++)
        {
            _servers[k].ExpectMsg(TakeSnapshot.Instance);
            Assert.Equal(coordinator, _servers[k].LastSender);
        }
        // The second shard answers first: the join places each range by its offset.
        for (int k = _servers.Length - 1; k >= 0; k--)
        {
            var (offset, count) = Ranges[k];
            coordinator.Tell(new Snapshot(version, offset, parameters.AsSpan(offset, count).ToArray(), [state.AsSpan(offset, count).ToArray()]), _servers[k].Ref);
        }
    }

    private static float[] Numbers(float start) => Enumerable.Range(0, ParameterCount).Select(i => start + i).ToArray();

    private void ExpectNothingSent(params TestProbe[] probes)
    {
        probes[0].ExpectNoMsg(Quiet);
        foreach (var probe in probes.Skip(1)) probe.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public void Coordinator_must_wait_for_the_minimum_of_workers_reporting_how_many_it_waits_for()
    {
        var coordinator = StartCoordinator(Plan);
        var w1 = CreateTestProbe("w1");
        coordinator.Tell(new RegisterWorker("w1", w1.Ref));
        ExpectWorkersChanged("w1 joined", "w1");
        Assert.Equal(new WaitingForWorkers(1, 2), ExpectEvent<WaitingForWorkers>());
        ExpectNothingSent(_servers[0], _servers[1], w1);

        // Registering the same name again adds no worker; the coordinator still waits.
        coordinator.Tell(new RegisterWorker("w1", w1.Ref));
        Assert.Equal(new WaitingForWorkers(1, 2), ExpectEvent<WaitingForWorkers>());
        var w2 = CreateTestProbe("w2");
        coordinator.Tell(new RegisterWorker("w2", w2.Ref));
        ExpectWorkersChanged("w2 joined", "w1", "w2");
        ExpectBeginStep(coordinator, 0, new SampleRange(0, 4));
        w1.ExpectMsg<ComputeShard>();
        w2.ExpectMsg<ComputeShard>();
    }

    [Fact]
    public void Coordinator_must_report_the_workers_it_still_needs_when_one_is_lost_before_the_start()
    {
        var coordinator = StartCoordinator(Plan with { MinWorkers = 3 });
        var (w1, w2) = (CreateTestProbe("w1"), CreateTestProbe("w2"));
        coordinator.Tell(new RegisterWorker("w1", w1.Ref));
        coordinator.Tell(new RegisterWorker("w2", w2.Ref));
        ExpectWorkersChanged("w1 joined", "w1");
        Assert.Equal(new WaitingForWorkers(1, 3), ExpectEvent<WaitingForWorkers>());
        ExpectWorkersChanged("w2 joined", "w1", "w2");
        Assert.Equal(new WaitingForWorkers(2, 3), ExpectEvent<WaitingForWorkers>());

        Sys.Stop(w2.Ref);
        ExpectWorkersChanged("w2 lost", "w1");
        Assert.Equal(new WaitingForWorkers(1, 3), ExpectEvent<WaitingForWorkers>());
        Sys.Stop(w1.Ref);
        ExpectWorkersChanged("w1 lost");
        Assert.Equal(new WaitingForWorkers(0, 3), ExpectEvent<WaitingForWorkers>());
        ExpectNothingSent(_servers[0], _servers[1]);
    }

    [Fact]
    public void Coordinator_must_begin_the_next_step_only_when_every_parameter_server_shard_applied_the_current_one()
    {
        var (coordinator, w1, w2) = StartTwoWorkers();
        coordinator.Tell(Applied(0, new SampleRange(0, 4)), _servers[0].Ref);
        // A report of another step counts for nothing.
        coordinator.Tell(Applied(1, new SampleRange(4, 4)), _servers[1].Ref);
        ExpectNothingSent(_servers[0], _servers[1], w1, w2);

        coordinator.Tell(Applied(0, new SampleRange(0, 4)), _servers[1].Ref);
        ExpectBeginStep(coordinator, 1, new SampleRange(4, 4));
        w1.ExpectMsg(new ComputeShard(1, 0, 1, new SampleRange(4, 4), new SampleRange(4, 2)));
        w2.ExpectMsg(new ComputeShard(1, 0, 1, new SampleRange(4, 4), new SampleRange(6, 2)));
    }

    [Fact]
    public void Coordinator_must_hand_the_shard_of_a_worker_lost_mid_step_to_the_remaining_worker()
    {
        var (coordinator, w1, w2) = StartTwoWorkers();
        Sys.Stop(w2.Ref);
        w1.ExpectMsg(new ComputeShard(0, 0, 0, new SampleRange(0, 4), new SampleRange(2, 2)));
        ExpectWorkersChanged("w2 lost", "w1");

        ApplyStep(coordinator, 0, new SampleRange(0, 4));
        ExpectBeginStep(coordinator, 1, new SampleRange(4, 4));
        w1.ExpectMsg(new ComputeShard(1, 0, 1, new SampleRange(4, 4), new SampleRange(4, 4)));
    }

    [Fact]
    public void Coordinator_must_begin_the_next_step_when_the_last_worker_is_lost_and_give_it_to_the_next_to_join()
    {
        // The only worker pushes its shard and is lost before the step is reported applied.
        var coordinator = StartCoordinator(Plan with { MinWorkers = 1, ValidationCount = 0 });
        var w1 = CreateTestProbe("w1");
        coordinator.Tell(new RegisterWorker("w1", w1.Ref));
        ExpectWorkersChanged("w1 joined", "w1");
        ExpectBeginStep(coordinator, 0, new SampleRange(0, 4));
        w1.ExpectMsg<ComputeShard>();
        Sys.Stop(w1.Ref);
        ExpectWorkersChanged("w1 lost");
        Assert.Equal(new WaitingForWorkers(0, 1), ExpectEvent<WaitingForWorkers>());

        ApplyStep(coordinator, 0, new SampleRange(0, 4));
        ExpectBeginStep(coordinator, 1, new SampleRange(4, 4));
        var w3 = CreateTestProbe("w3");
        coordinator.Tell(new RegisterWorker("w3", w3.Ref));
        w3.ExpectMsg(new ComputeShard(1, 0, 1, new SampleRange(4, 4), new SampleRange(4, 4)));
        ExpectWorkersChanged("w3 joined", "w3");

        // The run goes on to the end of the epoch, and every step is reported once.
        ApplyStep(coordinator, 1, new SampleRange(4, 4));
        ExpectBeginStep(coordinator, 2, new SampleRange(8, 2));
        w3.ExpectMsg<ComputeShard>();
        ApplyStep(coordinator, 2, new SampleRange(8, 2));
        Evaluate(coordinator, 3, EvaluationSet.Test, (w3, new SampleRange(0, 6)));
        Snapshot(coordinator, 3, Numbers(0), Numbers(100));
        Assert.Equal(3, ExpectEvent<EpochCompleted>().Report.Steps);
        Assert.Equal([0L, 1L, 2L], _reported.Select(s => s.Step));
    }

    [Fact]
    public void Coordinator_must_evaluate_then_checkpoint_after_the_last_step_of_an_epoch_and_report_the_epoch()
    {
        var (coordinator, w1, w2) = StartTwoWorkers();
        ApplyStep(coordinator, 0, new SampleRange(0, 4), 0.3f);
        ExpectBeginStep(coordinator, 1, new SampleRange(4, 4));
        w1.ExpectMsg<ComputeShard>();
        w2.ExpectMsg<ComputeShard>();
        ApplyStep(coordinator, 1, new SampleRange(4, 4), 0.2f);
        ExpectBeginStep(coordinator, 2, new SampleRange(8, 2));
        w1.ExpectMsg(new ComputeShard(2, 0, 2, new SampleRange(8, 2), new SampleRange(8, 1)));
        w2.ExpectMsg(new ComputeShard(2, 0, 2, new SampleRange(8, 2), new SampleRange(9, 1)));
        ApplyStep(coordinator, 2, new SampleRange(8, 2), 0.1f);

        // The test set, then the validation set, at the version after the epoch's last step; no snapshot before.
        Evaluate(coordinator, 3, EvaluationSet.Test, (w1, new SampleRange(0, 3)), (w2, new SampleRange(3, 3)));
        Evaluate(coordinator, 3, EvaluationSet.Validation, (w1, new SampleRange(0, 2)), (w2, new SampleRange(2, 2)));
        var (parameters, state) = (Numbers(0), Numbers(1000));
        Snapshot(coordinator, 3, parameters, state);

        var report = ExpectEvent<EpochCompleted>().Report;
        Assert.Equal((0, 3L, 2.0, 0.5), (report.Epoch, report.Steps, report.TrainLoss, report.TrainAccuracy));
        Assert.Equal((0.5, 1.0, 0.5, 1.0), (report.TestLoss, report.TestAccuracy, report.ValidationLoss, report.ValidationAccuracy));
        Assert.Equal((0.1f, 2), (report.LearningRate, report.Workers));
        // Every step was reported, in order and once, before the epoch.
        Assert.Equal([(0L, 0), (1L, 1), (2L, 2)], _reported.Select(s => (s.Step, s.StepInEpoch)));
        Assert.All(_reported, s => Assert.Equal((0, 3, 2), (s.Epoch, s.StepsPerEpoch, s.Workers)));
        Assert.Equal([new BatchMetrics(8, 2, 4), new BatchMetrics(8, 2, 4), new BatchMetrics(4, 1, 2)], _reported.Select(s => s.Metrics));

        var checkpoint = ExpectEvent<CheckpointReady>();
        Assert.Equal((1, 0, 3L), (checkpoint.Epoch, checkpoint.StepInEpoch, checkpoint.Step));
        Assert.Equal((3L, 0), (checkpoint.Snapshot.Version, checkpoint.Snapshot.Offset));
        Assert.Equal(parameters, checkpoint.Snapshot.Parameters);
        Assert.Equal(state, Assert.Single(checkpoint.Snapshot.OptimizerState));

        // Epoch 1 begins.
        ExpectBeginStep(coordinator, 3, new SampleRange(0, 4));
        w1.ExpectMsg(new ComputeShard(3, 1, 3, new SampleRange(0, 4), new SampleRange(0, 2)));
    }

    [Fact]
    public void Coordinator_must_give_a_lost_workers_evaluation_range_to_another_and_ignore_its_late_reply()
    {
        var (coordinator, w1, w2) = StartTwoWorkers(Plan with { TrainCount = 4, ValidationCount = 0 });
        ApplyStep(coordinator, 0, new SampleRange(0, 4));
        var first = w1.ExpectMsg<EvaluateShard>();
        var lost = w2.ExpectMsg<EvaluateShard>();
        coordinator.Tell(new ShardEvaluated(first.Request, first.Range, new BatchMetrics(1, 3, 3)), w1.Ref);
        Sys.Stop(w2.Ref);
        var handed = w1.ExpectMsg<EvaluateShard>();
        Assert.Equal((1L, EvaluationSet.Test, new SampleRange(3, 3)), (handed.Version, handed.Set, handed.Range));
        ExpectWorkersChanged("w2 lost", "w1");

        coordinator.Tell(new ShardEvaluated(lost.Request, lost.Range, new BatchMetrics(100, 0, 3)), w2.Ref);
        ExpectNothingSent(_servers[0], _servers[1]);
        coordinator.Tell(new ShardEvaluated(handed.Request, handed.Range, new BatchMetrics(2, 0, 3)), w1.Ref);
        Snapshot(coordinator, 1, Numbers(0), Numbers(0));
        var report = ExpectEvent<EpochCompleted>().Report;
        Assert.Equal((0.5, 0.5), (report.TestLoss, report.TestAccuracy));
    }

    [Theory]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "infinite")]
    public void Coordinator_must_stop_a_run_whose_training_loss_is_not_a_finite_number(double loss, string shown)
    {
        var (coordinator, w1, w2) = StartTwoWorkers();
        ApplyStep(coordinator, 0, new SampleRange(0, 4));
        ExpectBeginStep(coordinator, 1, new SampleRange(4, 4));
        w1.ExpectMsg<ComputeShard>();
        w2.ExpectMsg<ComputeShard>();

        var diverged = Applied(1, new SampleRange(4, 4)) with { Metrics = new BatchMetrics(loss, 1, 4) };
        foreach (var server in _servers) coordinator.Tell(diverged, server.Ref);
        var failed = ExpectEvent<TrainingFailed>();
        Assert.Equal($"training diverged: the training loss of step 1 (epoch 1) is {shown}", failed.Reason);
        Assert.Equal(1L, failed.DivergedAtStep);
        // Both steps were reported; no further step, evaluation or checkpoint.
        Assert.Equal([0L, 1L], _reported.Select(s => s.Step));
        ExpectNothingSent(_servers[0], _servers[1], w1, w2);
        _listener.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public void Coordinator_must_report_no_checkpoint_of_parameters_that_are_not_all_finite_numbers()
    {
        var (coordinator, w1, w2) = StartTwoWorkers(Plan with { TrainCount = 4, TestCount = 0, ValidationCount = 0 });
        ApplyStep(coordinator, 0, new SampleRange(0, 4));
        var parameters = Numbers(0);
        parameters[35] = float.PositiveInfinity; // in the second shard's range
        Snapshot(coordinator, 1, parameters, Numbers(0));

        // The epoch happened and is reported; its checkpoint would replace a good one, so there is none.
        Assert.Equal(0, ExpectEvent<EpochCompleted>().Report.Epoch);
        var failed = ExpectEvent<TrainingFailed>();
        Assert.Equal("training diverged: the parameters after step 0 (epoch 1) are not all finite numbers (parameter 35 is infinite)", failed.Reason);
        Assert.Equal(0L, failed.DivergedAtStep);
        ExpectNothingSent(_servers[0], _servers[1], w1, w2);
        _listener.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public void Coordinator_must_finish_after_the_current_step_when_told_to_stop()
    {
        var (coordinator, w1, w2) = StartTwoWorkers();
        coordinator.Tell(new StopTraining("enough"));
        ExpectNothingSent(_servers[0], _servers[1], w1, w2);

        ApplyStep(coordinator, 0, new SampleRange(0, 4));
        // Stopped inside an epoch: no evaluation and no epoch report, straight to the checkpoint.
        var parameters = Numbers(7);
        Snapshot(coordinator, 1, parameters, Numbers(0));

        var checkpoint = ExpectEvent<CheckpointReady>();
        Assert.Equal((0, 1, 1L), (checkpoint.Epoch, checkpoint.StepInEpoch, checkpoint.Step));
        var finished = ExpectEvent<TrainingFinished>();
        Assert.Equal((0, 1L, "enough"), (finished.Epochs, finished.Steps, finished.Reason));
        Assert.Equal(parameters, finished.Final.Parameters);
        Assert.Equal([0L], _reported.Select(s => s.Step));
        // The run resumes inside the epoch it stopped in.
        ExpectNothingSent(_servers[0], _servers[1], w1, w2);
    }

    [Fact]
    public void Coordinator_must_finish_after_the_checkpoint_of_the_last_epoch_skipping_sets_it_does_not_have()
    {
        var (coordinator, w1, w2) = StartTwoWorkers(Plan with { TrainCount = 4, Epochs = 1, TestCount = 0, ValidationCount = 0 });
        ApplyStep(coordinator, 0, new SampleRange(0, 4));
        Snapshot(coordinator, 1, Numbers(3), Numbers(4));
        var report = ExpectEvent<EpochCompleted>().Report;
        Assert.Null(report.TestLoss);
        Assert.Null(report.ValidationLoss);
        var checkpoint = ExpectEvent<CheckpointReady>();
        Assert.Equal((1, 0, 1L), (checkpoint.Epoch, checkpoint.StepInEpoch, checkpoint.Step));
        var finished = ExpectEvent<TrainingFinished>();
        Assert.Equal((1, 1L, "1 epoch done"), (finished.Epochs, finished.Steps, finished.Reason));
        ExpectNothingSent(w1, w2, _servers[0], _servers[1]);
    }

    [Fact]
    public void Coordinator_told_to_stop_before_it_started_must_report_that_training_failed()
    {
        var coordinator = StartCoordinator(Plan);
        coordinator.Tell(new StopTraining("cancelled"));
        Assert.Equal("training stopped before it began: cancelled", ExpectEvent<TrainingFailed>().Reason);
        var w1 = CreateTestProbe("w1");
        coordinator.Tell(new RegisterWorker("w1", w1.Ref));
        ExpectNothingSent(_servers[0], w1, _listener);
    }

    [Fact]
    public void Coordinator_must_count_each_parameter_server_shards_report_of_a_step_once()
    {
        var (coordinator, w1, w2) = StartTwoWorkers();
        // The first shard reports twice, and an actor that is no shard reports too: the step is not yet applied.
        coordinator.Tell(Applied(0, new SampleRange(0, 4)), _servers[0].Ref);
        coordinator.Tell(Applied(0, new SampleRange(0, 4)), _servers[0].Ref);
        coordinator.Tell(Applied(0, new SampleRange(0, 4)), w1.Ref);
        ExpectNothingSent(_servers[0], _servers[1], w1, w2);

        coordinator.Tell(Applied(0, new SampleRange(0, 4)), _servers[1].Ref);
        ExpectBeginStep(coordinator, 1, new SampleRange(4, 4));
        w1.ExpectMsg<ComputeShard>();
        w2.ExpectMsg<ComputeShard>();
        ExpectNothingSent(_servers[0], _servers[1], w1, w2);
    }

    [Fact]
    public void Coordinator_must_refuse_a_step_report_whose_shards_do_not_cover_the_batch()
    {
        var (coordinator, w1, w2) = StartTwoWorkers();
        var half = Applied(0, new SampleRange(0, 4)) with { Shards = [new ShardReport("w1", new SampleRange(0, 2), new ShardTiming(0, 0.01))] };
        foreach (var server in _servers) coordinator.Tell(half, server.Ref);
        ExpectNothingSent(_servers[0], _servers[1], w1, w2);
    }

    [Fact]
    public void Coordinator_must_give_a_worker_registering_mid_training_shards_from_the_next_step_on()
    {
        var (coordinator, w1, w2) = StartTwoWorkers();
        var w3 = CreateTestProbe("w3");
        coordinator.Tell(new RegisterWorker("w3", w3.Ref));
        ExpectWorkersChanged("w3 joined", "w1", "w2", "w3");
        // Step 0 is already split; the newcomer gets nothing of it.
        ExpectNothingSent(w3, w1, w2);

        ApplyStep(coordinator, 0, new SampleRange(0, 4));
        ExpectBeginStep(coordinator, 1, new SampleRange(4, 4));
        w1.ExpectMsg(new ComputeShard(1, 0, 1, new SampleRange(4, 4), new SampleRange(4, 2)));
        w2.ExpectMsg(new ComputeShard(1, 0, 1, new SampleRange(4, 4), new SampleRange(6, 1)));
        w3.ExpectMsg(new ComputeShard(1, 0, 1, new SampleRange(4, 4), new SampleRange(7, 1)));
    }

    [Fact]
    public void Coordinator_must_replace_a_worker_that_registers_again_under_its_name_with_a_new_ref()
    {
        var (coordinator, w1, w2) = StartTwoWorkers();
        // w2's process restarted: its new ref registers under the old name. Its shard of step 0 goes to w1.
        var restarted = CreateTestProbe("w2-restarted");
        coordinator.Tell(new RegisterWorker("w2", restarted.Ref));
        w1.ExpectMsg(new ComputeShard(0, 0, 0, new SampleRange(0, 4), new SampleRange(2, 2)));
        ExpectWorkersChanged("w2 restarted", "w1", "w2");

        // The old ref's loss, reported later by the cluster layer, changes nothing.
        Sys.Stop(w2.Ref);
        ExpectNothingSent(_listener, w1, restarted);

        ApplyStep(coordinator, 0, new SampleRange(0, 4));
        ExpectBeginStep(coordinator, 1, new SampleRange(4, 4));
        w1.ExpectMsg(new ComputeShard(1, 0, 1, new SampleRange(4, 4), new SampleRange(4, 2)));
        restarted.ExpectMsg(new ComputeShard(1, 0, 1, new SampleRange(4, 4), new SampleRange(6, 2)));
        Assert.Equal(coordinator, restarted.LastSender);

        // The new ref is the one watched: its loss is w2's.
        Sys.Stop(restarted.Ref);
        w1.ExpectMsg(new ComputeShard(1, 0, 1, new SampleRange(4, 4), new SampleRange(6, 2)));
        ExpectWorkersChanged("w2 lost", "w1");
    }

    [Fact]
    public void Coordinator_must_replace_a_worker_whose_node_restarted_at_the_same_address_though_its_ref_is_the_same()
    {
        var (coordinator, w1, w2) = StartTwoWorkers();
        // w2's node restarted at its fixed address: the refs resolved for it are equal to the old ones, only the
        // node's incarnation differs. Its shard of step 0 (the dead incarnation's) goes to w1.
        coordinator.Tell(new RegisterWorker("w2", w2.Ref, Incarnation: 7));
        w1.ExpectMsg(new ComputeShard(0, 0, 0, new SampleRange(0, 4), new SampleRange(2, 2)));
        ExpectWorkersChanged("w2 restarted", "w1", "w2");
        // The new incarnation is subscribed to every parameter-server shard for it: its own pull may have been undone
        // by its predecessor's Terminated.
        foreach (var server in _servers) Assert.Equal(w2.Ref, server.ExpectMsg<PullParameters>().Subscriber);

        // The same incarnation registering again is a repeat, not another restart.
        coordinator.Tell(new RegisterWorker("w2", w2.Ref, Incarnation: 7));
        ExpectNothingSent(_listener, w1, w2, _servers[0], _servers[1]);

        ApplyStep(coordinator, 0, new SampleRange(0, 4));
        ExpectBeginStep(coordinator, 1, new SampleRange(4, 4));
        w1.ExpectMsg(new ComputeShard(1, 0, 1, new SampleRange(4, 4), new SampleRange(4, 2)));
        w2.ExpectMsg(new ComputeShard(1, 0, 1, new SampleRange(4, 4), new SampleRange(6, 2)));
    }

    [Fact]
    public void Coordinator_must_wait_without_stopping_when_every_worker_is_lost_and_resume_the_same_step()
    {
        var (coordinator, w1, w2) = StartTwoWorkers();
        Sys.Stop(w2.Ref);
        w1.ExpectMsg(new ComputeShard(0, 0, 0, new SampleRange(0, 4), new SampleRange(2, 2)));
        ExpectWorkersChanged("w2 lost", "w1");
        Sys.Stop(w1.Ref);
        ExpectWorkersChanged("w1 lost");
        Assert.Equal(new WaitingForWorkers(0, 1), ExpectEvent<WaitingForWorkers>());
        ExpectNothingSent(_listener, _servers[0], _servers[1]);

        // A worker registers: it gets all of step 0, which then goes on as if nothing happened.
        var w3 = CreateTestProbe("w3");
        coordinator.Tell(new RegisterWorker("w3", w3.Ref));
        var shards = new[] { w3.ExpectMsg<ComputeShard>(), w3.ExpectMsg<ComputeShard>() };
        Assert.All(shards, s => Assert.Equal((0L, 0L, new SampleRange(0, 4)), (s.Step, s.Version, s.Batch)));
        Assert.Equal([new SampleRange(0, 2), new SampleRange(2, 2)], shards.Select(s => s.Shard).OrderBy(r => r.Start));
        ExpectWorkersChanged("w3 joined", "w3");
        ApplyStep(coordinator, 0, new SampleRange(0, 4));
        ExpectBeginStep(coordinator, 1, new SampleRange(4, 4));
        w3.ExpectMsg(new ComputeShard(1, 0, 1, new SampleRange(4, 4), new SampleRange(4, 4)));
    }

    [Fact]
    public void Coordinator_and_parameter_servers_must_complete_a_step_whose_worker_was_lost_and_refuse_its_late_push()
    {
        // Real parameter-server shards (SGD at a constant 0.1) over a 26-parameter model; test probes push as workers.
        var layout = new MlpSpec([3, 4, 2], Activation.Relu, OutputLoss.SoftmaxCrossEntropy).CreateLayout();
        var parameters = Initializer.Create(layout, InitScheme.XavierUniform, 3);
        var initial = (float[])parameters.Clone();
        var optimizer = new OptimizerOptions { Kind = OptimizerKind.Sgd }.Create();
        var optimizerState = optimizer.CreateState(layout.Length);
        var ranges = ParameterServerShard.Ranges(layout.Length, 2);
        var servers = ranges.Select((r, k) => Sys.ActorOf(ParameterServerActor.Props(new ParameterServerState(layout, parameters, optimizer,
            optimizerState, LearningRateSchedule.Constant(0.1f), null, stepsPerEpoch: 2, version: 0, r.Offset, r.Count), Dispatchers.Default),
            $"real-parameter-server-{k + 1}")).ToList();
        var plan = new TrainingPlan { TrainCount = 8, GlobalBatch = 4, Epochs = 1, MinWorkers = 2, Balance = ShardSplit.Equal };
        var coordinator = Sys.ActorOf(CoordinatorActor.Props(new CoordinatorState(plan), servers, layout.Length, _listener.Ref, Dispatchers.Default),
            "coordinator-with-servers");
        var (w1, w2) = (CreateTestProbe("w1"), CreateTestProbe("w2"));
        coordinator.Tell(new RegisterWorker("w1", w1.Ref));
        coordinator.Tell(new RegisterWorker("w2", w2.Ref));
        var batch = new SampleRange(0, 4);
        w1.ExpectMsg(new ComputeShard(0, 0, 0, batch, new SampleRange(0, 2)));
        w2.ExpectMsg(new ComputeShard(0, 0, 0, batch, new SampleRange(2, 2)));

        void Push(TestProbe worker, string name, long step, SampleRange stepBatch, SampleRange shard, float[] gradient, BatchMetrics metrics)
        {
            for (int k = 0; k < servers.Count; k++)
                servers[k].Tell(new PushGradients(step, step, stepBatch, shard, name, ranges[k].Offset, gradient.AsMemory(ranges[k].Offset, ranges[k].Count),
                    metrics, new ShardTiming(0, 0.01)), worker.Ref);
        }
        float[] Gradient(ulong seed, float scale = 1)
        {
            var rng = new Rng(seed);
            return Enumerable.Range(0, layout.Length).Select(_ => scale * (rng.NextSingle() * 2 - 1)).ToArray();
        }

        // w2 is lost before it pushed; its shard goes to w1, who pushes it first.
        Sys.Stop(w2.Ref);
        w1.ExpectMsg(new ComputeShard(0, 0, 0, batch, new SampleRange(2, 2)));
        var (ga, gb) = (Gradient(1), Gradient(2));
        Push(w1, "w1", 0, batch, new SampleRange(2, 2), gb, new BatchMetrics(1, 1, 2));
        // w2's push arrives after all (its node was only unreachable): it overlaps the counted shard and is refused.
        Push(w2, "w2", 0, batch, new SampleRange(2, 2), Gradient(3, scale: 1000), new BatchMetrics(1e6, 0, 2));
        w1.ExpectNoMsg(Quiet);
        Push(w1, "w1", 0, batch, new SampleRange(0, 2), ga, new BatchMetrics(2, 1, 2));

        // The step is applied once, with every sample once; step 1 goes to w1 alone.
        var batch1 = new SampleRange(4, 4);
        w1.ExpectMsg(new ComputeShard(1, 0, 1, batch1, batch1));
        var gc = Gradient(4);
        // A late push for the applied step is stale; it changes nothing either.
        Push(w2, "w2", 0, batch, new SampleRange(2, 2), Gradient(5, scale: 1000), new BatchMetrics(1e6, 0, 2));
        Push(w1, "w1", 1, batch1, batch1, gc, new BatchMetrics(4, 4, 4));

        // Joins, the loss, the epoch and its checkpoint come first.
        object next;
        while ((next = ExpectEvent<object>()) is not TrainingFinished) Assert.IsNotType<TrainingFailed>(next);
        var finished = (TrainingFinished)next;
        Assert.Equal((1, 2L, 2L), (finished.Epochs, finished.Steps, finished.Final.Version));
        Assert.Equal([(0L, new BatchMetrics(3, 2, 4)), (1L, new BatchMetrics(4, 4, 4))], _reported.Select(s => (s.Step, s.Metrics)));
        for (int i = 0; i < layout.Length; i++)
        {
            float expected = initial[i] - 0.1f * (ga[i] + gb[i]) / 4 - 0.1f * gc[i] / 4;
            Assert.True(Math.Abs(expected - finished.Final.Parameters[i]) <= 1e-6f, $"parameter {i}: {finished.Final.Parameters[i]}, expected {expected}");
        }
    }
}
