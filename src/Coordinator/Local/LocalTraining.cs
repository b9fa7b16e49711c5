// Local mode: the coordinator, the parameter-server shards and N worker actors in one process. Worker i
// and shard i share dedicated thread ("lane") i, and the coordinator rides on lane 1: a step's hand-offs
// (push to the local shard, its publish back, the next shard assignment) then wake no thread, and each
// shard applies the optimizer on a core that has just finished computing. Workers share the loaded data
// sets (read-only) and read the parameter buffer in place, so nothing is copied per step.
using Dpt.Actors;
using Dpt.Coordinator.ParameterServer;
using Dpt.Coordinator.Timeline;
using Dpt.Coordinator.Training;
using Dpt.Training;
using Dpt.Worker;
using static Dpt.Coordinator.Training.CoordinatorProtocol;

namespace Dpt.Coordinator.Local;

/// <summary>The actors of a run in this process: the coordinator and the parameter-server shards.</summary>
public sealed record TrainingActors(IActorRef Coordinator, IReadOnlyList<ParameterServerShard> ParameterServers);

public static class LocalTraining
{
    /// <summary>How long an idle lane spins before it blocks, where lanes have the cores to themselves. A lane
    /// waits between its part of a step and the next only 20-60 µs (the other shard's apply, the coordinator's
    /// next assignment), and waking a blocked thread costs 20-30 µs on these VMs: measured, a two-worker step's
    /// communication time fell from 0.07 to 0.012 ms.</summary>
    public static readonly TimeSpan LaneSpinDuration = TimeSpan.FromMicroseconds(200);

    /// <summary>The actor-system settings for local training with <paramref name="workers"/> workers: lanes spin when
    /// idle if there are at least two and no more than cores (one lane runs everything alone, and more lanes than
    /// cores would spin away the time of a computing one).</summary>
    public static ActorSystemSettings SystemSettings(int workers, ActorSystemSettings? settings = null)
    {
        settings ??= ActorSystemSettings.Default;
        return workers >= 2 && workers <= Environment.ProcessorCount ? settings with { ThreadSpinDuration = LaneSpinDuration } : settings;
    }

    /// <summary>Starts training in <paramref name="system"/>; progress goes to <paramref name="listener"/>. Returns the coordinator.</summary>
    /// <param name="timeline">Records the run's step timeline (--timeline); null records none.</param>
    public static IActorRef Start(ActorSystem system, TrainingSetup setup, IActorRef listener, RunTimeline? timeline = null) =>
        StartActors(system, setup, listener, timeline).Coordinator;

    /// <summary>Starts the parameter-server shards, the coordinator and the <see cref="TrainingOptions.Workers"/>
    /// local workers (none is fine in cluster mode, where workers also join over the network).</summary>
    public static TrainingActors StartActors(ActorSystem system, TrainingSetup setup, IActorRef listener, RunTimeline? timeline = null)
    {
        var states = setup.CreateParameterServerStates(setup.Options.ParameterServerShardsOrDefault);
        // More shards than cores share the lanes: a thread each would only take turns on the cores.
        int lanes = Math.Max(setup.Options.Workers, Math.Min(states.Count, Environment.ProcessorCount));
        string Lane(int i) => Dispatchers.Thread($"lane-{i % lanes + 1}");
        var shards = states
            .Select((state, k) => new ParameterServerShard(
                system.ActorOf(ParameterServerActor.Props(state, Lane(k), timeline?.ParameterServer($"parameter-server-{k + 1}")),
                    $"parameter-server-{k + 1}"), state.Offset, state.Count))
            .ToList();
        var coordinator = system.ActorOf(CoordinatorActor.Props(new CoordinatorState(setup.Plan), shards.Select(s => s.Server).ToList(),
            setup.Model.Layout.Length, listener, Lane(0), timeline), "coordinator");
        for (int i = 1; i <= setup.Options.Workers; i++)
        {
            string name = $"worker-{i}";
            var computer = new ShardComputer(setup.Model, setup.Data.Train, setup.Data.Test, setup.Data.Validation,
                setup.Options.Seed, chunk: ShardComputer.ChunkFor(setup.Options.BatchSize));
            var worker = system.ActorOf(WorkerActor.Props(name, computer, shards, Lane(i - 1), timeline?.Worker(name)), name);
            coordinator.Tell(new RegisterWorker(name, worker));
        }
        return new TrainingActors(coordinator, shards);
    }
}
