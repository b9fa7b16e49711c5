// What the dashboard shows, from the events it is given: the run's status through its life, epochs numbered as
// printed, throughput and the split over the recent steps, each worker's part and state (local workers, and
// cluster workers whose node's membership arrives by another path in any order), and the versions the event
// stream waits on.
using Dpt.Cluster;
using Dpt.Coordinator.Dashboard;
using static Dpt.Cluster.ClusterEvents;
using static Dpt.Coordinator.Tests.Dashboard.DashboardEvents;
using static Dpt.Training.TrainingEvents;

namespace Dpt.Coordinator.Tests.Dashboard;

public sealed class DashboardStateSpec
{
    private long _now = Ticks(100);

    private DashboardState NewState() => new(() => _now);

    private static RunDescription Description(string mode = "local") =>
        new(mode, "blobs", "[2-16-4] relu softmax-cross-entropy", "momentum(mu=0.9, wd=0)", "constant(lr=0.05)", 64, 10, 32, 2000, 400, null, 7,
            "runs/x", 0, 2, 2);

    [Fact]
    public void The_status_must_go_from_loading_to_waiting_training_and_finished_with_elapsed_time_frozen_at_the_end()
    {
        var state = NewState();
        Assert.Equal(DashboardState.Loading, state.Run().Status);

        state.Describe(Description());
        Assert.Equal(DashboardState.Waiting, state.Run().Status);
        state.Apply(new WaitingForWorkers(1, 2));
        Assert.Equal(("waiting", "waiting for workers: 1 of 2 registered"), (state.Run().Status, state.Run().Detail));

        _now += Ticks(1);
        state.Apply(new StepsCompleted([Step(0, at: 100.5), Step(1, at: 100.6)]));
        var training = state.Run();
        Assert.Equal((DashboardState.Training, null, 2L, 2), (training.Status, training.Detail, training.Step, training.StepInEpoch));
        Assert.Equal(1, training.ElapsedS, 6);

        _now += Ticks(2);
        state.Apply(new TrainingFinished(1, 2, 3, "1 epoch done", new Dpt.Training.ParameterServerProtocol.Snapshot(0, 0, [], [])));
        _now += Ticks(5);
        var finished = state.Run();
        Assert.Equal((DashboardState.Finished, "1 epoch done; 1 epoch, 2 steps"), (finished.Status, finished.Detail));
        Assert.Equal(3, finished.ElapsedS, 6);

        state.Abandon("the run stopped before it finished"); // the command line disposing: the end stands
        Assert.Equal(DashboardState.Finished, state.Run().Status);
    }

    [Fact]
    public void A_run_that_ends_without_finishing_must_show_failed_with_the_reason()
    {
        var state = NewState();
        state.Apply(new TrainingFailed("no worker registered"));
        Assert.Equal(("failed", "no worker registered"), (state.Run().Status, state.Run().Detail));

        var abandoned = NewState();
        abandoned.Describe(Description());
        abandoned.Abandon("the run stopped before it finished");
        Assert.Equal(DashboardState.Failed, abandoned.Run().Status);
    }

    [Fact]
    public void Epochs_must_be_numbered_from_1_with_non_finite_values_as_null_and_sent_once_per_stream()
    {
        var state = NewState();
        state.Apply(new EpochCompleted(Epoch(0, trainLoss: 0.7)));
        state.Apply(new EpochCompleted(Epoch(1, trainLoss: double.NaN, testAccuracy: null)));

        var epochs = state.Epochs();
        Assert.Equal([1, 2], epochs.Select(e => e.Epoch));
        Assert.Equal([0.7, null], epochs.Select(e => e.TrainLoss));
        Assert.Equal([0.9, null], epochs.Select(e => e.TestAccuracy));
        Assert.Equal(2, state.Run().Epoch);

        var (first, _, _) = state.Update(epochsFrom: 0, maxPoints: 10);
        Assert.Equal((0, 2), (first.EpochsFrom, first.Epochs.Count));
        state.Apply(new EpochCompleted(Epoch(2, trainLoss: 0.5)));
        var (next, _, _) = state.Update(epochsFrom: 2, maxPoints: 10);
        Assert.Equal(2, next.EpochsFrom);
        Assert.Equal([3], next.Epochs.Select(e => e.Epoch));
    }

    [Fact]
    public void Throughput_and_the_split_must_come_from_the_last_two_seconds_of_steps()
    {
        var state = NewState();
        // An old step (far slower), then ten in the last two seconds, each 64 samples in 2 ms.
        state.Apply(new StepsCompleted([Step(0, at: 10, stepSeconds: 1)]));
        state.Apply(new StepsCompleted(Enumerable.Range(1, 10).Select(i => Step(i, at: 20 + i * 0.1, stepSeconds: 0.002,
            shards: [("worker-1", 48, 0.0015), ("worker-2", 16, 0.0005)])).ToList()));

        var run = state.Run();
        Assert.Equal(64 / 0.002, run.SamplesPerS, 6);
        Assert.Equal(2, run.SplitMs!.StepMs, 9);
        Assert.Equal(1, run.SplitMs.ComputeMs, 9);
        Assert.Equal(0.5, run.SplitMs.StragglerMs, 9);
        Assert.Equal(0.1, run.SplitMs.OptimizerMs, 9);
        Assert.Equal(0.4, run.SplitMs.CommunicationMs, 9);

        var workers = state.Workers();
        Assert.Equal(["worker-1", "worker-2"], workers.Select(w => w.Name));
        Assert.Equal([48 / 0.002, 16 / 0.002], workers.Select(w => Math.Round(w.SamplesPerS, 6)));
        Assert.Equal([48 / 0.0015, 16 / 0.0005], workers.Select(w => Math.Round(w.ComputeSamplesPerS!.Value, 6)));
        Assert.Equal([0.75, 0.25], workers.Select(w => w.Share));
        Assert.Equal([11L, 10L], workers.Select(w => w.Shards)); // the old step's shard counts in the totals
        Assert.Equal([64 + 480L, 160L], workers.Select(w => w.Samples));
    }

    [Fact]
    public void A_local_worker_must_be_up_while_registered_lost_after_and_show_when_it_last_computed()
    {
        var state = NewState();
        state.Apply(new WorkersChanged(["worker-1", "worker-2"], "worker-2 joined"));
        Assert.Equal([(null, "in process", "up"), (null, "in process", "up")], state.Workers().Select(w => (w.LastShardAgoS, w.Node, w.State)));

        state.Apply(new StepsCompleted([Step(0, at: 99.5, shards: [("worker-1", 32, 0.001), ("worker-2", 32, 0.001)])]));
        state.Apply(new WorkersChanged(["worker-1"], "worker-2 lost"));

        var workers = state.Workers();
        Assert.Equal(["up", "lost"], workers.Select(w => w.State));
        Assert.Equal(0.5, workers[1].LastShardAgoS!.Value, 6);
        Assert.All(workers, w => Assert.Null(w.LastHeartbeatAgoS)); // in process: no heartbeats
        Assert.Equal(1, state.Run().Workers);
    }

    [Fact]
    public void A_cluster_worker_must_follow_its_nodes_reachability_and_heartbeats_and_be_down_once_downed_and_lost()
    {
        var state = NewState();
        const string name = "127.0.0.1:5001/worker-1";
        state.Apply(new CurrentClusterState([Node(5001, MemberStatus.Up)], new HashSet<Member>(), null));
        state.Apply(new WorkersChanged([name], $"{name} joined"));
        Assert.Equal(("127.0.0.1:5001", "up"), (state.Workers()[0].Node, state.Workers()[0].State));
        Assert.Null(state.Workers()[0].LastHeartbeatAgoS); // until the cluster is followed
        state.FollowHeartbeats(node => node.Port == 5001 ? TimeSpan.FromMilliseconds(250) : null);
        Assert.Equal(0.25, state.Workers()[0].LastHeartbeatAgoS);

        state.Apply(new UnreachableMember(Node(5001, MemberStatus.Up)));
        Assert.Equal(WorkerStates.Unreachable, state.Workers()[0].State);
        state.Apply(new ReachableMember(Node(5001, MemberStatus.Up)));
        Assert.Equal(WorkerStates.Up, state.Workers()[0].State);

        state.Apply(new UnreachableMember(Node(5001, MemberStatus.Up)));
        state.Apply(new MemberDowned(Node(5001, MemberStatus.Down)));
        Assert.Equal(WorkerStates.Down, state.Workers()[0].State);
        state.Apply(new WorkersChanged([], $"{name} lost"));
        state.Apply(new MemberRemoved(Node(5001, MemberStatus.Removed), MemberStatus.Down));
        Assert.Equal(WorkerStates.Down, state.Workers()[0].State);

        // The same address joining again is a new incarnation: up again once registered.
        state.Apply(new MemberUp(Node(5001, MemberStatus.Up)));
        state.Apply(new WorkersChanged([name], $"{name} restarted"));
        Assert.Equal(WorkerStates.Up, state.Workers()[0].State);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_cluster_worker_that_leaves_must_be_leaving_then_left_whichever_report_comes_first(bool coordinatorFirst)
    {
        var state = NewState();
        const string name = "127.0.0.1:5002/worker-1";
        state.Apply(new WorkersChanged([name], $"{name} joined"));
        state.Apply(new MemberLeft(Node(5002, MemberStatus.Leaving)));
        Assert.Equal(WorkerStates.Leaving, state.Workers()[0].State);

        object lost = new WorkersChanged([], $"{name} lost"), removed = new MemberRemoved(Node(5002, MemberStatus.Removed), MemberStatus.Exiting);
        state.Apply(coordinatorFirst ? lost : removed);
        state.Apply(coordinatorFirst ? removed : lost);

        Assert.Equal(WorkerStates.Left, state.Workers()[0].State);
    }

    [Fact]
    public async Task A_change_must_wake_a_waiter_and_nothing_changes_once_closed()
    {
        var state = NewState();
        long seen = state.Version;
        var waiting = state.WhenChangedAsync(seen, CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        state.Apply(new EpochCompleted(Epoch(0, 0.5)));
        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(state.Version > seen);
        Assert.True(state.WhenChangedAsync(seen, CancellationToken.None).IsCompleted);

        state.Close();
        long closed = state.Version;
        state.Apply(new EpochCompleted(Epoch(1, 0.4)));
        Assert.True(state.Closed);
        Assert.Equal(closed, state.Version);
        Assert.Single(state.Epochs());
    }

    [Fact]
    public void Worker_states_must_follow_from_the_latest_facts_in_any_order_of_many_random_events()
    {
        var random = new Random(4053);
        var state = NewState();
        int[] ports = [5001, 5002, 5003];
        static string NameOf(int port) => port == 0 ? "worker-1" : $"127.0.0.1:{port}/worker-1"; // port 0: the worker in this process
        var registered = new HashSet<string>();
        var status = new Dictionary<int, (MemberStatus Status, MemberStatus? RemovedFrom)>(); // each node's, by its latest member event
        var unreachable = new HashSet<int>();
        var samples = new Dictionary<string, long>();
        var firstSeen = new List<string>();
        void Seen(string name)
        {
            if (!firstSeen.Contains(name)) firstSeen.Add(name);
        }

        for (int i = 0; i < 2000; i++)
        {
            int port = ports[random.Next(ports.Length)];
            var node = Node(port, MemberStatus.Up);
            object e = random.Next(9) switch
            {
                0 or 1 => new WorkersChanged(ports.Prepend(0).Select(NameOf).Where(_ => random.Next(3) > 0).ToList(), "changed"),
                2 => new MemberUp(node),
                3 => new UnreachableMember(node),
                4 => new ReachableMember(node),
                5 => new MemberLeft(Node(port, MemberStatus.Leaving)),
                6 => new MemberDowned(Node(port, MemberStatus.Down)),
                7 => new MemberRemoved(Node(port, MemberStatus.Removed), random.Next(2) == 0 ? MemberStatus.Down : MemberStatus.Exiting),
                _ => new StepsCompleted([Step(i, at: 100 + i * 0.001, shards: registered.Select(w => (w, 8, 0.001)).DefaultIfEmpty(("worker-1", 8, 0.001)).ToArray())]),
            };
            state.Apply(e);
            switch (e)
            {
                case WorkersChanged changed:
                    registered = changed.Workers.ToHashSet();
                    foreach (var w in changed.Workers) Seen(w);
                    break;
                case StepsCompleted { Steps: [var step] }:
                    foreach (var shard in step.Shards)
                    {
                        Seen(shard.Worker);
                        samples[shard.Worker] = samples.GetValueOrDefault(shard.Worker) + shard.Shard.Count;
                    }
                    break;
                case MemberRemoved removed:
                    status[port] = (MemberStatus.Removed, removed.PreviousStatus);
                    break;
                case IMemberEvent member:
                    status[port] = (member.Member.Status, null);
                    if (member is MemberUp) unreachable.Remove(port); // a new incarnation
                    break;
                case UnreachableMember:
                    unreachable.Add(port);
                    break;
                case ReachableMember:
                    unreachable.Remove(port);
                    break;
            }

            var workers = state.Workers();
            Assert.Equal(firstSeen, workers.Select(w => w.Name)); // each once, in order of first appearance
            foreach (var w in workers)
            {
                string context = $"event {i} ({e}): {w}";
                Assert.Equal(samples.GetValueOrDefault(w.Name), w.Samples);
                int wport = ports.FirstOrDefault(p => NameOf(p) == w.Name);
                var (nodeStatus, removedFrom) = wport == 0 ? (MemberStatus.Up, null) : status.GetValueOrDefault(wport, (MemberStatus.Up, null));
                bool isRegistered = registered.Contains(w.Name);
                string expected = (nodeStatus, removedFrom) switch
                {
                    (MemberStatus.Down, _) or (MemberStatus.Removed, MemberStatus.Down) => WorkerStates.Down,
                    (MemberStatus.Up, _) when !isRegistered => WorkerStates.Lost,
                    (MemberStatus.Up, _) => unreachable.Contains(wport) ? WorkerStates.Unreachable : WorkerStates.Up,
                    _ => w.State, // leaving and left: the theory above
                };
                Assert.True(expected == w.State, $"{context}: expected {expected}");
            }
            double shares = workers.Sum(w => w.Share);
            Assert.True(shares == 0 || Math.Abs(shares - 1) < 1e-9, $"event {i}: the shares add up to {shares}");
        }
    }

    [Fact]
    public void Events_the_dashboard_does_not_show_must_change_nothing()
    {
        var state = NewState();
        long version = state.Version;

        state.Apply(new StepsCompleted([]));
        state.Apply("not an event");

        Assert.Equal(version, state.Version);
    }
}
