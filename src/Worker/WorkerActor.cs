// The worker actor: holds its data and the latest parameters, computes the shards of each batch the
// coordinator hands it and pushes their gradients to the parameter-server shards, each its own range.
// It only routes messages; the arithmetic is in ShardComputer.
using System.Diagnostics;
using System.Runtime.InteropServices;
using Dpt.Actors;
using Dpt.Model;
using Dpt.Training;
using Dpt.Training.Timeline;
using Microsoft.Extensions.Logging;
using static Dpt.Training.ParameterServerProtocol;
using static Dpt.Training.WorkerProtocol;

namespace Dpt.Worker;

public sealed class WorkerActor : ReceiveActor, IShardGradientSink, IWithTimers
{
    /// <summary>How long a worker in a cluster node waits for parameters it needs before it asks for them again
    /// (<see cref="WorkerActor(string, ShardComputer, IReadOnlyList{ParameterServerShard}, SpanRecorder?, TimeSpan?)"/>):
    /// parameters come within milliseconds of the work that needs them, and a pull again costs a whole copy of them,
    /// so only a wait far longer than any transfer of them counts as a loss.</summary>
    public static readonly TimeSpan ClusterPullAgainAfter = TimeSpan.FromSeconds(3);

    private readonly TimeSpan? _pullAgainAfter;
    private long _startedWaitingAt;
    private readonly string _name;
    private readonly ShardComputer _computer;
    private readonly IReadOnlyList<ParameterServerShard> _servers;
    private readonly GradientPool _gradients;
    private readonly List<(object Work, IActorRef Sender, long ReceivedAt)> _waiting = new();
    private readonly ParameterAssembly _parameters;
    private readonly ShardTimer _timer;
    // The shards by offset, their starts, and the shard being computed: backward finishes the buffer from its end,
    // so ranges are pushed from the last server down; the one at offset 0 goes last, with the complete timing
    // (the coordinator reads its step split from that shard's report).
    private readonly ParameterServerShard[] _byOffset;
    private readonly int[] _cuts;
    private ComputeShard? _computing;
    private float[] _gradient = [];
    private long _receivedAt, _startedAt, _computedAt;
    private int _nextServer;

    /// <param name="name">Unique among the coordinator's workers; names this worker's shards in reports.</param>
    /// <param name="servers">The parameter-server shards, which together cover the whole parameter buffer.</param>
    /// <param name="timeline">Where to record this worker's spans (--timeline, in the coordinator's process); null records none.</param>
    /// <param name="pullAgainAfter">Across nodes: ask the parameter-server shards for the parameters again when none
    /// arrived this long after the start, or while work waits for them. Delivery is at most once, and a pull written
    /// on the losing connection of a simultaneous connect (a worker restarted at its address dials the coordinator as
    /// the coordinator dials it) is lost; without parameters the worker would hold its shard, and the step, for good.
    /// Null in one process, where nothing is lost.</param>
    public WorkerActor(string name, ShardComputer computer, IReadOnlyList<ParameterServerShard> servers, SpanRecorder? timeline = null,
        TimeSpan? pullAgainAfter = null)
    {
        _name = name;
        _pullAgainAfter = pullAgainAfter;
        _computer = computer;
        _servers = servers;
        _timer = new ShardTimer(timeline);
        _gradients = new GradientPool(computer.Model.Layout.Length);
        _parameters = new ParameterAssembly(computer.Model.Layout.Length, servers.Count);
        _byOffset = servers.OrderBy(server => server.Offset).ToArray();
        _cuts = _byOffset.Select(server => server.Offset).ToArray();
        Receive<ParametersPublished>(OnParameters);
        Receive<ComputeShard>(shard => Run(shard, Sender, Stopwatch.GetTimestamp()));
        Receive<EvaluateShard>(request => Run(request, Sender, Stopwatch.GetTimestamp()));
        Receive<PullAgainTick>(_ => PullAgainIfStarved());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="dispatcher">A dedicated thread: "pinned", or a "thread:" one shared with a parameter-server shard.</param>
    public static Props Props(string name, ShardComputer computer, IReadOnlyList<ParameterServerShard> servers, string dispatcher = Dispatchers.Pinned,
        SpanRecorder? timeline = null, TimeSpan? pullAgainAfter = null) =>
        Actors.Props.Create(() => new WorkerActor(name, computer, servers, timeline, pullAgainAfter)).WithDispatcher(dispatcher);

    protected override void PreStart()
    {
        Pull();
        _startedWaitingAt = Stopwatch.GetTimestamp();
        if (_pullAgainAfter is { } after) Timers.StartPeriodicTimer(PullAgainTick.Instance, PullAgainTick.Instance, after);
    }

    private void Pull()
    {
        foreach (var server in _servers) server.Server.Tell(new PullParameters(Self), Self);
    }

    /// <summary>Pulls again when no parameters came since the start, or work has waited for newer ones, for the set time.</summary>
    private void PullAgainIfStarved()
    {
        bool starved = _parameters.Version < 0 || _waiting.Count > 0;
        if (!starved || Stopwatch.GetElapsedTime(_startedWaitingAt) < _pullAgainAfter!.Value) return;
        Log.LogWarning("{Worker} has waited {Seconds:F1} s for the parameters of version {Version} (it has {Have}); asking the parameter server again",
            _name, Stopwatch.GetElapsedTime(_startedWaitingAt).TotalSeconds, _waiting.Count > 0 ? WaitedVersion() : 0, _parameters.Version);
        Pull();
        _startedWaitingAt = Stopwatch.GetTimestamp();
    }

    private long WaitedVersion() => _waiting.Min(w => VersionOf(w.Work));

    /// <summary>The parameter version a ComputeShard or an EvaluateShard is for.</summary>
    private static long VersionOf(object work) => work is ComputeShard c ? c.Version : ((EvaluateShard)work).Version;

    private sealed class PullAgainTick
    {
        public static readonly PullAgainTick Instance = new();
    }

    private void OnParameters(ParametersPublished published)
    {
        if (!_parameters.Fits(published))
        {
            Log.LogWarning("{Worker} ignores {Published}: it lies outside the model's parameters", _name, published);
            return;
        }
        if (!_parameters.Add(published)) return;
        _gradients.ReleaseBefore(_parameters.Version);
        if (_waiting.Count == 0) return;
        var ready = _waiting.ToList();
        _waiting.Clear();
        foreach (var (work, sender, receivedAt) in ready) Run(work, sender, receivedAt);
    }

    /// <summary>Runs work whose parameter version is complete, keeps work for a later version, drops work for an older one.</summary>
    private void Run(object work, IActorRef sender, long receivedAt)
    {
        long version = VersionOf(work);
        if (version > _parameters.Version)
        {
            if (_waiting.Count == 0) _startedWaitingAt = receivedAt;
            _waiting.Add((work, sender, receivedAt));
            return;
        }
        if (version < _parameters.Version)
        {
            // The step was applied without this shard (it was given to another worker, who finished first).
            Log.LogDebug("{Worker} drops {Work}: parameters are already at version {Version}", _name, work, _parameters.Version);
            return;
        }
        if (work is ComputeShard shard) Compute(shard, receivedAt);
        else Evaluate((EvaluateShard)work, sender);
    }

    private void Compute(ComputeShard shard, long receivedAt)
    {
        _computing = shard;
        _receivedAt = receivedAt;
        _startedAt = Stopwatch.GetTimestamp();
        _computedAt = 0;
        _gradient = _gradients.Rent(shard.Step);
        _nextServer = _byOffset.Length - 1;
        var metrics = _computer.ComputeGradient(_parameters.Values.Span, shard.Epoch, shard.Shard, _gradient, out long forwardTicks, this);
        PushReady(0, metrics, forwardTicks); // whatever backward did not report
        _timer.Sent(shard.Step, shard.Shard.Count, receivedAt, _startedAt, forwardTicks, _computedAt, Stopwatch.GetTimestamp());
        _computing = null;
    }

    ReadOnlySpan<int> IShardGradientSink.Cuts => _cuts;

    void IShardGradientSink.Ready(int offset, BatchMetrics metrics, long forwardTicks) => PushReady(offset, metrics, forwardTicks);

    /// <summary>Pushes every server whose range now is final (all of them at offset 0).</summary>
    private void PushReady(int offset, BatchMetrics metrics, long forwardTicks)
    {
        var shard = _computing!;
        if (offset == 0 && _computedAt == 0) _computedAt = Stopwatch.GetTimestamp();
        for (; _nextServer >= 0 && _byOffset[_nextServer].Offset >= offset; _nextServer--)
        {
            var server = _byOffset[_nextServer];
            var timing = _timer.Computed(_receivedAt, _startedAt, forwardTicks, offset == 0 ? _computedAt : Stopwatch.GetTimestamp());
            server.Server.Tell(new PushGradients(shard.Step, shard.Version, shard.Batch, shard.Shard, _name,
                server.Offset, _gradient.AsMemory(server.Offset, server.Count), metrics, timing), Self);
        }
    }

    private void Evaluate(EvaluateShard request, IActorRef sender)
    {
        var metrics = _computer.Evaluate(_parameters.Values.Span, request.Set, request.Range);
        sender.Tell(new ShardEvaluated(request.Request, request.Range, metrics), Self);
    }
}
