// The step timeline of one training run, recorded by the actors of this process: the coordinator's steps and
// the phases of each parameter-server shard and each local worker, every actor into a recorder of its own,
// handed to it at start. Workers in other processes record nothing here: their phases are placed from the
// timings their pushes report (RemoteWorkerSpans). TraceFile writes the result.
using Dpt.Training.Timeline;
using static Dpt.Training.ParameterServerProtocol;

namespace Dpt.Coordinator.Timeline;

public enum TrackRole { Coordinator, ParameterServer, Worker }

/// <summary>The spans of one actor.</summary>
/// <param name="Name">The actor, e.g. worker-1.</param>
/// <param name="Node">The worker node (host:port) of a worker in another process; null for an actor in this process.</param>
public sealed record TimelineTrack(TrackRole Role, string Name, string? Node, SpanRecorder Spans);

public sealed class RunTimeline
{
    /// <summary>Receive, forward, backward and send; twice when a shard of the step is reassigned to the worker.</summary>
    public const int WorkerSpansPerStep = 8;

    /// <summary>Aggregate, apply and publish.</summary>
    public const int ParameterServerSpansPerStep = 3;

    private readonly List<TimelineTrack> _tracks = new();
    private readonly HashSet<string> _localWorkers = new();
    private readonly Dictionary<string, RemoteWorkerSpans> _remoteWorkers = new();

    /// <param name="label">Names the run in the trace, e.g. "dpt train".</param>
    public RunTimeline(string label, StepWindow window)
    {
        Label = label;
        Window = window;
        Coordinator = Add(TrackRole.Coordinator, "coordinator", null, 1);
    }

    public string Label { get; }

    public StepWindow Window { get; }

    /// <summary>The coordinator's steps, recorded through <see cref="StepApplied"/>.</summary>
    public SpanRecorder Coordinator { get; }

    /// <summary>Every actor's spans, in the order the actors were added: coordinator, parameter-server shards, workers.</summary>
    public IReadOnlyList<TimelineTrack> Tracks
    {
        get { lock (_tracks) return _tracks.ToArray(); }
    }

    /// <summary>A recorder for the parameter-server shard <paramref name="name"/>.</summary>
    public SpanRecorder ParameterServer(string name) => Add(TrackRole.ParameterServer, name, null, ParameterServerSpansPerStep);

    /// <summary>A recorder for the worker <paramref name="name"/> in this process; its reported timings are then not placed.</summary>
    public SpanRecorder Worker(string name)
    {
        lock (_tracks) _localWorkers.Add(name);
        return Add(TrackRole.Worker, name, null, WorkerSpansPerStep);
    }

    /// <summary>
    /// Called by the coordinator when every parameter-server shard applied a step it sent at <paramref name="sentAt"/>:
    /// records the step, and places the spans of the workers in other processes from the shard reports.
    /// </summary>
    public void StepApplied(StepApplied applied, long sentAt, long appliedAt)
    {
        Coordinator.Add(SpanKind.Step, applied.Step, sentAt, appliedAt, applied.Metrics.Count);
        // The report of the step after the window still carries the send of the window's last step.
        if (!Window.Contains(applied.Step) && applied.Step != Window.Last + 1) return;
        var shards = applied.Shards;
        for (int i = 0; i < shards.Count; i++)
        {
            var report = shards[i];
            if (_localWorkers.Contains(report.Worker)) continue;
            if (!_remoteWorkers.TryGetValue(report.Worker, out var remote)) remote = AddRemote(report.Worker);
            remote.Place(applied.Step, report, sentAt);
        }
    }

    /// <summary>A worker in another process, named "host:port/worker-i" by its node.</summary>
    private RemoteWorkerSpans AddRemote(string worker)
    {
        int slash = worker.LastIndexOf('/');
        var (node, name) = slash < 0 ? (worker, worker) : (worker[..slash], worker[(slash + 1)..]);
        var remote = new RemoteWorkerSpans(Add(TrackRole.Worker, name, node, WorkerSpansPerStep));
        _remoteWorkers.Add(worker, remote);
        return remote;
    }

    private SpanRecorder Add(TrackRole role, string name, string? node, int spansPerStep)
    {
        var spans = new SpanRecorder(Window, spansPerStep);
        lock (_tracks) _tracks.Add(new TimelineTrack(role, name, node, spans));
        return spans;
    }
}
