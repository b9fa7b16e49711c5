// The worker actor: holds its data and the latest parameters, computes the shards of each batch the
// coordinator hands it and pushes their gradients to the parameter-server shards, each its own range.
// It only routes messages; the arithmetic is in ShardComputer.
using System.Diagnostics;
using System.Runtime.InteropServices;
using Dpt.Actors;
using Dpt.Training;
using Dpt.Training.Timeline;
using Microsoft.Extensions.Logging;
using static Dpt.Training.ParameterServerProtocol;
using static Dpt.Training.WorkerProtocol;

namespace Dpt.Worker;

public sealed class WorkerActor : ReceiveActor
{
    private readonly string _name;
    private readonly ShardComputer _computer;
    private readonly IReadOnlyList<ParameterServerShard> _servers;
    private readonly GradientPool _gradients;
    private readonly List<(object Work, IActorRef Sender, long ReceivedAt)> _waiting = new();
    private readonly ParameterAssembly _parameters;
    private readonly ShardTimer _timer;

    /// <param name="name">Unique among the coordinator's workers; names this worker's shards in reports.</param>
    /// <param name="servers">The parameter-server shards, which together cover the whole parameter buffer.</param>
    /// <param name="timeline">Where to record this worker's spans (--timeline, in the coordinator's process); null records none.</param>
    public WorkerActor(string name, ShardComputer computer, IReadOnlyList<ParameterServerShard> servers, SpanRecorder? timeline = null)
    {
        _name = name;
        _computer = computer;
        _servers = servers;
        _timer = new ShardTimer(timeline);
        _gradients = new GradientPool(computer.Model.Layout.Length);
        _parameters = new ParameterAssembly(computer.Model.Layout.Length, servers.Count);
        Receive<ParametersPublished>(OnParameters);
        Receive<ComputeShard>(shard => Run(shard, Sender, Stopwatch.GetTimestamp()));
        Receive<EvaluateShard>(request => Run(request, Sender, Stopwatch.GetTimestamp()));
    }

    /// <param name="dispatcher">A dedicated thread: "pinned", or a "thread:" one shared with a parameter-server shard.</param>
    public static Props Props(string name, ShardComputer computer, IReadOnlyList<ParameterServerShard> servers, string dispatcher = Dispatchers.Pinned,
        SpanRecorder? timeline = null) =>
        Actors.Props.Create(() => new WorkerActor(name, computer, servers, timeline)).WithDispatcher(dispatcher);

    protected override void PreStart()
    {
        foreach (var server in _servers) server.Server.Tell(new PullParameters(Self), Self);
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
        long version = work is ComputeShard c ? c.Version : ((EvaluateShard)work).Version;
        if (version > _parameters.Version)
        {
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
        long start = Stopwatch.GetTimestamp();
        float[] gradient = _gradients.Rent(shard.Step);
        var metrics = _computer.ComputeGradient(_parameters.Values.Span, shard.Epoch, shard.Shard, gradient, out long forwardTicks);
        long computed = Stopwatch.GetTimestamp();
        var timing = _timer.Computed(receivedAt, start, forwardTicks, computed);
        foreach (var server in _servers)
            server.Server.Tell(new PushGradients(shard.Step, shard.Version, shard.Batch, shard.Shard, _name,
                server.Offset, gradient.AsMemory(server.Offset, server.Count), metrics, timing), Self);
        _timer.Sent(shard.Step, shard.Shard.Count, receivedAt, start, forwardTicks, computed, Stopwatch.GetTimestamp());
    }

    private void Evaluate(EvaluateShard request, IActorRef sender)
    {
        var metrics = _computer.Evaluate(_parameters.Values.Span, request.Set, request.Range);
        sender.Tell(new ShardEvaluated(request.Request, request.Range, metrics), Self);
    }
}
