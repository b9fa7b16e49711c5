// The coordinator's bookkeeping without an actor: how a step and an evaluation are split over workers,
// where the run stands, and what happens to a lost worker's ranges.
using Dpt.Coordinator.Training;
using Dpt.Model;
using Dpt.Numerics;
using Dpt.Training;
using static Dpt.Training.ParameterServerProtocol;
using static Dpt.Training.WorkerProtocol;

namespace Dpt.Coordinator.Tests.Training;

public class CoordinatorStateSpec
{
    /// <summary>10 samples in batches of 4: steps [0,4), [4,8) and the partial [8,10).</summary>
    private static TrainingPlan Plan(ShardSplit balance = ShardSplit.Equal) =>
        new() { TrainCount = 10, GlobalBatch = 4, Epochs = 2, TestCount = 7, Balance = balance };

    private static CoordinatorState WithWorkers(TrainingPlan plan, params string[] workers)
    {
        var state = new CoordinatorState(plan);
        foreach (var w in workers) Assert.Empty(state.AddWorker(w));
        return state;
    }

    private static List<(string Worker, ComputeShard Shard)> Shards(IReadOnlyList<(string Worker, object Work)> work) =>
        work.Select(w => (w.Worker, Assert.IsType<ComputeShard>(w.Work))).ToList();

    private static List<(string Worker, EvaluateShard Request)> Requests(IReadOnlyList<(string Worker, object Work)> work) =>
        work.Select(w => (w.Worker, Assert.IsType<EvaluateShard>(w.Work))).ToList();

    /// <summary>The StepApplied every parameter-server shard sends for <paramref name="step"/>, with each worker's
    /// shard computed in <paramref name="seconds"/>.</summary>
    private static StepApplied Applied(long step, IEnumerable<(string Worker, SampleRange Shard, double Seconds)> shards)
    {
        var reports = shards.Select(s => new ShardReport(s.Worker, s.Shard, new ShardTiming(0, s.Seconds))).ToList();
        int count = reports.Sum(r => r.Shard.Count);
        return new StepApplied(step, step + 1, new BatchMetrics(0.5 * count, count / 2, count), reports, 0.1f, 0.001);
    }

    private static StepApplied Applied(long step, IReadOnlyList<(string Worker, ComputeShard Shard)> shards) =>
        Applied(step, shards.Select(s => (s.Worker, s.Shard.Shard, 0.0)));

    private static void RunStep(CoordinatorState state)
    {
        long step = state.Step;
        Assert.True(state.CompleteStep(Applied(step, Shards(state.BeginStep()))));
    }

    [Fact]
    public void BeginStep_must_split_the_batch_equally_over_the_workers_in_join_order()
    {
        var state = WithWorkers(new TrainingPlan { TrainCount = 100, GlobalBatch = 10, Epochs = 1, Balance = ShardSplit.Equal }, "a", "b", "c");
        var shards = Shards(state.BeginStep());
        Assert.Equal(["a", "b", "c"], shards.Select(s => s.Worker));
        Assert.Equal([new SampleRange(0, 4), new SampleRange(4, 3), new SampleRange(7, 3)], shards.Select(s => s.Shard.Shard));
        Assert.All(shards, s => Assert.Equal((0L, 0, 0L, new SampleRange(0, 10)), (s.Shard.Step, s.Shard.Epoch, s.Shard.Version, s.Shard.Batch)));
    }

    [Fact]
    public void BeginStep_must_split_in_proportion_to_each_workers_measured_throughput()
    {
        var state = WithWorkers(new TrainingPlan { TrainCount = 100, GlobalBatch = 30, Epochs = 1 }, "slow", "fast");
        // Nothing measured yet: equal shares.
        var first = Shards(state.BeginStep());
        Assert.Equal([15, 15], first.Select(s => s.Shard.Shard.Count));
        // 15 samples in 1.5 s and in 0.375 s: 10 and 40 samples per second.
        Assert.True(state.CompleteStep(Applied(0, [("slow", first[0].Shard.Shard, 1.5), ("fast", first[1].Shard.Shard, 0.375)])));
        Assert.Equal(10, state.ThroughputOf("slow"), 9);
        Assert.Equal(40, state.ThroughputOf("fast"), 9);

        var second = Shards(state.BeginStep());
        Assert.Equal([new SampleRange(30, 6), new SampleRange(36, 24)], second.Select(s => s.Shard.Shard));
        // A new measurement moves the estimate a fifth of the way.
        Assert.True(state.CompleteStep(Applied(1, [("slow", second[0].Shard.Shard, 0.2), ("fast", second[1].Shard.Shard, 0.6)])));
        Assert.Equal(10 + 0.2 * (30 - 10), state.ThroughputOf("slow"), 9);
        Assert.Equal(40 + 0.2 * (40 - 40), state.ThroughputOf("fast"), 9);
        Assert.Equal(double.NaN, state.ThroughputOf("nobody"));
    }

    [Fact]
    public void A_worker_with_no_measurement_yet_must_get_the_mean_share_of_the_measured_ones()
    {
        var state = WithWorkers(new TrainingPlan { TrainCount = 100, GlobalBatch = 30, Epochs = 1 }, "a", "b");
        var first = Shards(state.BeginStep());
        state.CompleteStep(Applied(0, [("a", first[0].Shard.Shard, 1.5), ("b", first[1].Shard.Shard, 0.75)]));
        Assert.Empty(state.AddWorker("c"));
        // Throughputs 10, 20 and (for c) their mean 15: shares 30 · 10/45, 30 · 20/45, 30 · 15/45.
        Assert.Equal([7, 13, 10], Shards(state.BeginStep()).Select(s => s.Shard.Shard.Count));
    }

    [Fact]
    public void Steps_must_walk_the_epochs_with_a_last_partial_batch_and_finish_after_the_last_epoch()
    {
        var state = WithWorkers(Plan(), "a", "b");
        Assert.Equal(3, state.Plan.StepsPerEpoch);
        var seen = new List<(int Epoch, int StepInEpoch, long Step, SampleRange Batch)>();
        while (!state.Finished)
        {
            var shards = Shards(state.BeginStep());
            seen.Add((state.Epoch, state.StepInEpoch, state.Step, shards[0].Shard.Batch));
            Assert.Equal(shards[0].Shard.Batch.Count, shards.Sum(s => s.Shard.Shard.Count));
            Assert.True(state.CompleteStep(Applied(state.Step, shards)));
            if (state.EpochDone) state.NextEpoch();
        }
        SampleRange[] batches = [new(0, 4), new(4, 4), new(8, 2)];
        Assert.Equal(
            Enumerable.Range(0, 6).Select(i => (i / 3, i % 3, (long)i, batches[i % 3])),
            seen);
        Assert.Equal((2, 0, 6L), (state.Epoch, state.StepInEpoch, state.Step));
        Assert.Throws<InvalidOperationException>(() => state.BeginStep());
    }

    [Fact]
    public void An_epochs_training_metrics_must_sum_its_applied_steps_and_restart_with_the_next_epoch()
    {
        var state = WithWorkers(Plan(), "a");
        for (int i = 0; i < 3; i++) RunStep(state);
        Assert.True(state.EpochDone);
        Assert.Equal(new BatchMetrics(5, 5, 10), state.EpochMetrics);
        state.NextEpoch();
        Assert.Equal(default, state.EpochMetrics);
        Assert.False(state.EpochDone);
    }

    [Fact]
    public void MaxSteps_must_end_the_run_inside_an_epoch_which_is_where_it_resumes()
    {
        var state = WithWorkers(Plan() with { Epochs = 10, MaxSteps = 4 }, "a");
        for (int i = 0; i < 3; i++) RunStep(state);
        Assert.True(state.EpochDone);
        state.NextEpoch();
        Assert.False(state.Finished);
        RunStep(state);
        Assert.True(state.EpochDone);
        Assert.True(state.Finished);
        state.NextEpoch();
        Assert.Equal((1, 1, 4L), (state.Epoch, state.StepInEpoch, state.Step));
        Assert.Throws<InvalidOperationException>(() => state.BeginStep());
    }

    [Fact]
    public void A_resumed_run_must_start_at_its_checkpoints_epoch_and_step()
    {
        var state = WithWorkers(Plan() with { Epochs = 3, StartEpoch = 1, StartStepInEpoch = 2 }, "a", "b");
        Assert.Equal((1, 2, 5L), (state.Epoch, state.StepInEpoch, state.Step));
        var shards = Shards(state.BeginStep());
        Assert.Equal([new SampleRange(8, 1), new SampleRange(9, 1)], shards.Select(s => s.Shard.Shard));
        Assert.All(shards, s => Assert.Equal((5L, 1, 5L, new SampleRange(8, 2)), (s.Shard.Step, s.Shard.Epoch, s.Shard.Version, s.Shard.Batch)));
        Assert.True(state.CompleteStep(Applied(5, shards)));
        Assert.True(state.EpochDone);
        state.NextEpoch();
        Assert.Equal((2, 0, 6L), (state.Epoch, state.StepInEpoch, state.Step));

        Assert.True(new CoordinatorState(Plan() with { StartEpoch = 2 }).Finished);
    }

    [Fact]
    public void CompleteStep_must_refuse_another_steps_report_and_a_second_report_of_the_same_step()
    {
        var state = WithWorkers(Plan(), "a");
        Assert.False(state.CompleteStep(Applied(0, [("a", new SampleRange(0, 4), 0.1)])));
        var shards = Shards(state.BeginStep());
        Assert.False(state.CompleteStep(Applied(1, shards)));
        Assert.Equal(0, state.Step);
        Assert.True(state.CompleteStep(Applied(0, shards)));
        Assert.False(state.CompleteStep(Applied(0, shards)));
        Assert.Equal(1, state.Step);
        Assert.Equal(new BatchMetrics(2, 2, 4), state.EpochMetrics);
    }

    [Fact]
    public void CompleteStep_must_refuse_a_report_whose_shards_do_not_cover_the_batch_exactly_once()
    {
        var state = WithWorkers(Plan(), "a", "b");
        state.BeginStep();
        Assert.False(state.CompleteStep(Applied(0, [("a", new SampleRange(0, 2), 0.1)])));
        Assert.False(state.CompleteStep(Applied(0, [("a", new SampleRange(0, 2), 0.1), ("b", new SampleRange(3, 1), 0.1)])));
        Assert.False(state.CompleteStep(Applied(0, [("a", new SampleRange(0, 3), 0.1), ("b", new SampleRange(2, 2), 0.1)])));
        Assert.False(state.CompleteStep(Applied(0, [("a", new SampleRange(0, 2), 0.1), ("b", new SampleRange(2, 4), 0.1)])));
        var wrongCount = Applied(0, [("a", new SampleRange(0, 2), 0.1), ("b", new SampleRange(2, 2), 0.1)]) with { Metrics = new BatchMetrics(1, 1, 3) };
        Assert.False(state.CompleteStep(wrongCount));
        Assert.Equal(0, state.Step);
        // The same shards in another order, one of them reassigned and reported under another worker, cover it.
        Assert.True(state.CompleteStep(Applied(0, [("b", new SampleRange(2, 2), 0.1), ("b", new SampleRange(0, 2), 0.1)])));
        Assert.Equal(1, state.Step);
    }

    [Fact]
    public void A_round_in_progress_must_refuse_another_round()
    {
        var state = WithWorkers(Plan(), "a");
        state.BeginStep();
        Assert.Throws<InvalidOperationException>(() => state.BeginStep());
        Assert.Throws<InvalidOperationException>(() => state.BeginEvaluation(EvaluationSet.Test, 7, 0));
    }

    [Fact]
    public void An_evaluation_must_split_the_set_over_the_workers_and_total_their_replies()
    {
        var state = WithWorkers(Plan(), "a", "b");
        var requests = Requests(state.BeginEvaluation(EvaluationSet.Validation, 7, 3));
        Assert.Equal([("a", new SampleRange(0, 4)), ("b", new SampleRange(4, 3))], requests.Select(r => (r.Worker, r.Request.Range)));
        Assert.All(requests, r => Assert.Equal((3L, EvaluationSet.Validation), (r.Request.Version, r.Request.Set)));
        Assert.NotEqual(requests[0].Request.Request, requests[1].Request.Request);

        Assert.Null(state.CompleteEvaluation(new ShardEvaluated(requests[1].Request.Request, requests[1].Request.Range, new BatchMetrics(1.5, 2, 3))));
        var total = state.CompleteEvaluation(new ShardEvaluated(requests[0].Request.Request, requests[0].Request.Range, new BatchMetrics(2.5, 4, 4)));
        Assert.Equal(new BatchMetrics(4, 6, 7), total);
        // The round is over: the next step can begin.
        Assert.NotEmpty(state.BeginStep());
    }

    [Fact]
    public void Duplicate_and_unknown_evaluation_replies_must_be_ignored()
    {
        var state = WithWorkers(Plan(), "a", "b");
        var requests = Requests(state.BeginEvaluation(EvaluationSet.Test, 7, 0));
        var first = new ShardEvaluated(requests[0].Request.Request, requests[0].Request.Range, new BatchMetrics(1, 1, 4));
        Assert.Null(state.CompleteEvaluation(first));
        Assert.Null(state.CompleteEvaluation(first));
        Assert.Null(state.CompleteEvaluation(new ShardEvaluated(999, new SampleRange(4, 3), new BatchMetrics(100, 3, 3))));
        var total = state.CompleteEvaluation(new ShardEvaluated(requests[1].Request.Request, requests[1].Request.Range, new BatchMetrics(2, 1, 3)));
        Assert.Equal(new BatchMetrics(3, 2, 7), total);
        Assert.Null(state.CompleteEvaluation(first));
    }

    [Fact]
    public void A_worker_lost_mid_step_must_hand_its_ranges_to_the_others()
    {
        var state = WithWorkers(new TrainingPlan { TrainCount = 100, GlobalBatch = 12, Epochs = 1, Balance = ShardSplit.Equal }, "a", "b", "c");
        var shards = Shards(state.BeginStep());
        Assert.Equal(new SampleRange(4, 4), shards[1].Shard.Shard);

        var handed = Shards(state.RemoveWorker("b"));
        Assert.Equal([("a", new SampleRange(4, 2)), ("c", new SampleRange(6, 2))], handed.Select(h => (h.Worker, h.Shard.Shard)));
        Assert.All(handed, h => Assert.Equal((0L, 0L, new SampleRange(0, 12)), (h.Shard.Step, h.Shard.Version, h.Shard.Batch)));
        Assert.Equal(["a", "c"], state.Workers);

        // c is lost too: its own shard and the part of b's it took go to a.
        var again = Shards(state.RemoveWorker("c"));
        Assert.Equal([("a", new SampleRange(8, 4)), ("a", new SampleRange(6, 2))], again.Select(h => (h.Worker, h.Shard.Shard)));
        Assert.Empty(state.RemoveWorker("c"));
        Assert.Empty(state.RemoveWorker("nobody"));
    }

    [Fact]
    public void With_no_worker_left_lost_ranges_must_wait_for_one_to_join()
    {
        var state = WithWorkers(Plan(), "a", "b");
        state.BeginStep();
        Assert.NotEmpty(state.RemoveWorker("a"));
        Assert.Empty(state.RemoveWorker("b"));
        Assert.Empty(state.Workers);

        var handed = Shards(state.AddWorker("c"));
        Assert.Equal([("c", new SampleRange(0, 2)), ("c", new SampleRange(2, 2))], handed.Select(h => (h.Worker, h.Shard.Shard)).OrderBy(h => h.Shard.Start));
        // Only once: a second worker joining gets nothing of this step.
        Assert.Empty(state.AddWorker("d"));
        Assert.Empty(state.AddWorker("c"));
        Assert.Equal(["c", "d"], state.Workers);
    }

    [Fact]
    public void A_step_beginning_with_no_worker_left_must_wait_for_one_to_join()
    {
        // The last worker is lost after pushing its gradient: the step is applied and the next one begins.
        var state = WithWorkers(Plan(), "a");
        var shards = Shards(state.BeginStep());
        Assert.Empty(state.RemoveWorker("a"));
        Assert.True(state.CompleteStep(Applied(0, shards)));

        Assert.Empty(state.BeginStep());
        var handed = Shards(state.AddWorker("b"));
        Assert.Equal([("b", new ComputeShard(1, 0, 1, new SampleRange(4, 4), new SampleRange(4, 4)))], handed);
    }

    [Fact]
    public void An_evaluation_with_no_worker_must_wait_for_one_and_a_lost_workers_ranges_must_go_to_the_others()
    {
        var state = new CoordinatorState(Plan());
        Assert.Empty(state.BeginEvaluation(EvaluationSet.Test, 7, 0));
        var first = Requests(state.AddWorker("a"));
        Assert.Equal([("a", new SampleRange(0, 7))], first.Select(r => (r.Worker, r.Request.Range)));
        Assert.Empty(state.AddWorker("b"));

        var handed = Requests(state.RemoveWorker("a"));
        Assert.Equal([("b", new SampleRange(0, 7))], handed.Select(r => (r.Worker, r.Request.Range)));
        Assert.NotEqual(first[0].Request.Request, handed[0].Request.Request);
        // a's late reply belongs to a removed request and is ignored.
        Assert.Null(state.CompleteEvaluation(new ShardEvaluated(first[0].Request.Request, new SampleRange(0, 7), new BatchMetrics(9, 9, 7))));
        Assert.Equal(new BatchMetrics(1, 2, 7),
            state.CompleteEvaluation(new ShardEvaluated(handed[0].Request.Request, new SampleRange(0, 7), new BatchMetrics(1, 2, 7))));
    }

    [Fact]
    public void A_lost_workers_measured_throughput_must_be_forgotten()
    {
        var state = WithWorkers(new TrainingPlan { TrainCount = 100, GlobalBatch = 20, Epochs = 1 }, "a", "b");
        var shards = Shards(state.BeginStep());
        state.CompleteStep(Applied(0, [("a", shards[0].Shard.Shard, 1.0), ("b", shards[1].Shard.Shard, 0.1)]));
        state.RemoveWorker("b");
        Assert.Equal(double.NaN, state.ThroughputOf("b"));
        // A report naming a worker no longer there measures nothing.
        shards = Shards(state.BeginStep());
        state.CompleteStep(Applied(1, [("a", shards[0].Shard.Shard, 2.0), ("b", new SampleRange(20, 1), 0.001)]));
        Assert.Equal(double.NaN, state.ThroughputOf("b"));
        Assert.Equal(["a"], state.Workers);
    }

    /// <summary>What the spec knows of the round in progress, from the work the state handed out.</summary>
    private sealed class RoundModel(bool evaluation, SampleRange range, int version)
    {
        public bool Evaluation { get; } = evaluation;
        public SampleRange Range { get; } = range;
        public long Version { get; } = version;
        public Dictionary<string, List<SampleRange>> Held { get; } = new();
        public List<SampleRange> Kept { get; } = new();
        public List<SampleRange> Done { get; } = new();
        public Dictionary<int, (string Worker, SampleRange Range)> Requests { get; } = new();
        public HashSet<int> Removed { get; } = new();
        public Dictionary<int, SampleRange> Answered { get; } = new();
        public BatchMetrics Total { get; set; }
    }

    [Fact]
    public void Randomized_joins_losses_steps_and_replies_must_keep_every_round_covered_exactly_once()
    {
        var rng = new Rng(4711);
        var plan = new TrainingPlan { TrainCount = 37, GlobalBatch = 8, Epochs = 1_000, TestCount = 13, ValidationCount = 5 };
        var state = new CoordinatorState(plan);
        var alive = new List<string>();
        var everJoined = new List<string>();
        RoundModel? round = null;
        long stepsCompleted = 0;
        int nextWorker = 0;
        var requestIds = new HashSet<int>();

        // Checks that handed-out work names known workers and the round, and records it in the model.
        void Take(IReadOnlyList<(string Worker, object Work)> work)
        {
            foreach (var (worker, message) in work)
            {
                Assert.Contains(worker, alive);
                Assert.NotNull(round);
                SampleRange part;
                if (round!.Evaluation)
                {
                    var request = Assert.IsType<EvaluateShard>(message);
                    Assert.Equal((round.Version, round.Range.Count == plan.TestCount ? EvaluationSet.Test : EvaluationSet.Validation), (request.Version, request.Set));
                    Assert.True(requestIds.Add(request.Request), $"request id {request.Request} reused");
                    round.Requests[request.Request] = (worker, request.Range);
                    part = request.Range;
                }
                else
                {
                    var shard = Assert.IsType<ComputeShard>(message);
                    Assert.Equal((state.Step, state.Step, state.Epoch, round.Range), (shard.Step, shard.Version, shard.Epoch, shard.Batch));
                    part = shard.Shard;
                }
                Assert.True(part.Count > 0);
                if (!round.Held.TryGetValue(worker, out var list)) round.Held[worker] = list = new List<SampleRange>();
                list.Add(part);
            }
        }

        void CheckInvariants(string operation)
        {
            Assert.Equal(alive, state.Workers);
            Assert.Equal(stepsCompleted, state.Step);
            Assert.All(everJoined.Except(alive), w => Assert.Equal(double.NaN, state.ThroughputOf(w)));
            if (round is null) return;
            Assert.True(round.Held.Keys.All(alive.Contains), $"after {operation}: work held by a worker that is gone");
            if (round.Kept.Count > 0) Assert.Empty(alive);
            // Outstanding, kept and done ranges are disjoint and together cover the round's range exactly.
            var parts = round.Held.Values.SelectMany(l => l).Concat(round.Kept).Concat(round.Done).OrderBy(r => r.Start).ToList();
            int at = round.Range.Start;
            foreach (var part in parts)
            {
                Assert.True(part.Start == at, $"after {operation}: ranges {string.Join(" ", parts)} do not tile {round.Range}");
                at = part.End;
            }
            Assert.True(at == round.Range.End, $"after {operation}: ranges {string.Join(" ", parts)} do not cover {round.Range}");
        }

        void Lose(string worker)
        {
            alive.Remove(worker);
            var work = state.RemoveWorker(worker);
            if (round is null) { Assert.Empty(work); return; }
            var lost = round.Held.Remove(worker, out var held) ? held : new List<SampleRange>();
            foreach (var id in round.Requests.Where(r => r.Value.Worker == worker).Select(r => r.Key).ToList())
            {
                round.Requests.Remove(id);
                round.Removed.Add(id);
            }
            if (alive.Count == 0)
            {
                Assert.Empty(work);
                round.Kept.AddRange(lost);
                return;
            }
            // The handed-out ranges are exactly the lost ones, cut among the others.
            Assert.Equal(lost.Sum(r => r.Count), work.Sum(w => w.Work is ComputeShard c ? c.Shard.Count : ((EvaluateShard)w.Work).Range.Count));
            Take(work);
        }

        for (int op = 0; op < 4_000; op++)
        {
            string operation;
            int dice = rng.NextInt(100);
            // Joins balance losses around a few workers, so rounds often lose their last worker.
            int joinChance = alive.Count switch { 0 => 30, < 3 => 14, _ => 5 };
            if (dice < joinChance)
            {
                // A new worker, or (sometimes) one that is already there.
                string name = alive.Count > 0 && rng.NextInt(4) == 0 ? alive[rng.NextInt(alive.Count)] : $"w{nextWorker++}";
                operation = $"join {name}";
                bool isNew = !alive.Contains(name);
                if (isNew) { alive.Add(name); everJoined.Add(name); }
                var work = state.AddWorker(name);
                if (!isNew || round is null || round.Kept.Count == 0) Assert.Empty(work);
                else
                {
                    Assert.Equal(round.Kept.Sum(r => r.Count), work.Sum(w => w.Work is ComputeShard c ? c.Shard.Count : ((EvaluateShard)w.Work).Range.Count));
                    round.Kept.Clear();
                    Take(work);
                }
            }
            else if (dice < joinChance + 12)
            {
                string name = alive.Count > 0 && rng.NextInt(5) != 0 ? alive[rng.NextInt(alive.Count)] : $"stranger{op}";
                operation = $"lose {name}";
                if (alive.Contains(name)) Lose(name);
                else Assert.Empty(state.RemoveWorker(name));
            }
            else if (round is null)
            {
                if (state.EpochDone || rng.NextInt(10) == 0)
                {
                    var set = rng.NextInt(2) == 0 ? EvaluationSet.Test : EvaluationSet.Validation;
                    int count = set == EvaluationSet.Test ? plan.TestCount : plan.ValidationCount;
                    operation = $"begin {set} evaluation";
                    round = new RoundModel(true, new SampleRange(0, count), (int)state.Step);
                    var work = state.BeginEvaluation(set, count, state.Step);
                    if (alive.Count == 0) { Assert.Empty(work); round.Kept.Add(round.Range); }
                    else Take(work);
                }
                else
                {
                    operation = $"begin step {state.Step}";
                    round = new RoundModel(false, plan.BatchOf(state.StepInEpoch), (int)state.Step);
                    var work = state.BeginStep();
                    if (alive.Count == 0) { Assert.Empty(work); round.Kept.Add(round.Range); }
                    else Take(work);
                }
            }
            else if (!round.Evaluation)
            {
                // The step is applied (perhaps with shards of workers lost since, who pushed before they were lost:
                // the kept ranges), or a stale report arrives. The server's shards always cover the batch.
                var shards = round.Held.SelectMany(h => h.Value.Select(r => (h.Key, r, 0.001 + rng.NextDouble())))
                    .Concat(round.Kept.Select(r => ("gone", r, 0.001))).ToList();
                if (rng.NextInt(6) == 0)
                {
                    operation = "stale step report";
                    Assert.False(state.CompleteStep(Applied(state.Step + (rng.NextInt(2) == 0 ? 1 : -1), shards)));
                }
                else
                {
                    operation = $"apply step {state.Step}";
                    Assert.True(state.CompleteStep(Applied(state.Step, shards)));
                    Assert.False(state.CompleteStep(Applied(state.Step - 1, shards)));
                    stepsCompleted++;
                    round = null;
                }
            }
            else
            {
                var answerable = round.Requests.Keys.ToList();
                int kind = rng.NextInt(5);
                if (kind == 0 && round.Removed.Count > 0)
                {
                    int id = round.Removed.ElementAt(rng.NextInt(round.Removed.Count));
                    operation = $"late reply to removed request #{id}";
                    Assert.Null(state.CompleteEvaluation(new ShardEvaluated(id, new SampleRange(0, 1), new BatchMetrics(1000, 1, 1))));
                }
                else if (kind == 1 && round.Answered.Count > 0)
                {
                    var (id, range) = round.Answered.ElementAt(rng.NextInt(round.Answered.Count));
                    operation = $"duplicate reply to request #{id}";
                    Assert.Null(state.CompleteEvaluation(new ShardEvaluated(id, range, new BatchMetrics(1000, 1, 1))));
                }
                else if (answerable.Count > 0)
                {
                    int id = answerable[rng.NextInt(answerable.Count)];
                    var (worker, range) = round.Requests[id];
                    operation = $"reply to request #{id}";
                    var metrics = new BatchMetrics(range.Count * 0.25, range.Count / 3, range.Count);
                    round.Requests.Remove(id);
                    round.Answered.Add(id, range);
                    round.Held[worker].Remove(range);
                    if (round.Held[worker].Count == 0) round.Held.Remove(worker);
                    round.Done.Add(range);
                    round.Total += metrics;
                    var total = state.CompleteEvaluation(new ShardEvaluated(id, range, metrics));
                    if (round.Done.Sum(r => r.Count) == round.Range.Count)
                    {
                        Assert.Equal(round.Total, total);
                        Assert.Equal(round.Range.Count, total!.Value.Count);
                        round = null;
                        if (state.EpochDone) state.NextEpoch();
                    }
                    else Assert.Null(total);
                }
                else operation = "nothing to answer";
            }
            CheckInvariants(operation);
        }
        Assert.True(stepsCompleted > 200, $"only {stepsCompleted} steps completed");
        Assert.True(state.Epoch > 20, $"only {state.Epoch} epochs");
    }
}
