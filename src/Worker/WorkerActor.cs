// The worker actor: holds its data and the latest parameters, computes the shards the coordinator
// hands it and pushes their gradients to the parameter server. It only routes messages; the
// arithmetic is in ShardComputer.
using System.Diagnostics;
using System.Runtime.InteropServices;
using Dpt.Actors;
using Dpt.Training;
using Microsoft.Extensions.Logging;
using static Dpt.Training.ParameterServerProtocol;
using static Dpt.Training.WorkerProtocol;

namespace Dpt.Worker;

public sealed class WorkerActor : ReceiveActor
{
    private readonly string _name;
    private readonly ShardComputer _computer;
    private readonly IActorRef _parameterServer;
    private readonly GradientPool _gradients;
    private readonly List<(object Work, IActorRef Sender, long ReceivedAt)> _waiting = new();
    private ReadOnlyMemory<float> _parameters;
    private float[]? _ownParameters;
    private long _version = -1;

    /// <param name="name">Unique among the coordinator's workers; names this worker's shards in reports.</param>
    public WorkerActor(string name, ShardComputer computer, IActorRef parameterServer)
    {
        _name = name;
        _computer = computer;
        _parameterServer = parameterServer;
        _gradients = new GradientPool(computer.Model.Layout.Length);
        Receive<ParametersPublished>(OnParameters);
        Receive<ComputeShard>(shard => Run(shard, Sender, Stopwatch.GetTimestamp()));
        Receive<EvaluateShard>(request => Run(request, Sender, Stopwatch.GetTimestamp()));
    }

    public static Props Props(string name, ShardComputer computer, IActorRef parameterServer) =>
        Actors.Props.Create(() => new WorkerActor(name, computer, parameterServer)).WithDispatcher(Dispatchers.Pinned);

    protected override void PreStart() => _parameterServer.Tell(new PullParameters(Self), Self);

    private void OnParameters(ParametersPublished published)
    {
        if (published.Version <= _version) return;
        _version = published.Version;
        _parameters = Adopt(published.Parameters);
        _gradients.ReleaseBefore(_version);
        if (_waiting.Count == 0) return;
        var ready = _waiting.ToList();
        _waiting.Clear();
        foreach (var (work, sender, receivedAt) in ready) Run(work, sender, receivedAt);
    }

    /// <summary>Runs work whose parameter version has arrived, keeps work for a later version, drops work for an older one.</summary>
    private void Run(object work, IActorRef sender, long receivedAt)
    {
        long version = work is ComputeShard c ? c.Version : ((EvaluateShard)work).Version;
        if (version > _version)
        {
            _waiting.Add((work, sender, receivedAt));
            return;
        }
        if (version < _version)
        {
            // The step was applied without this shard (it was given to another worker, who finished first).
            Log.LogDebug("{Worker} drops {Work}: parameters are already at version {Version}", _name, work, _version);
            return;
        }
        if (work is ComputeShard shard) Compute(shard, receivedAt);
        else Evaluate((EvaluateShard)work, sender);
    }

    private void Compute(ComputeShard shard, long receivedAt)
    {
        long start = Stopwatch.GetTimestamp();
        float[] gradient = _gradients.Rent(shard.Step);
        var metrics = _computer.ComputeGradient(_parameters.Span, shard.Epoch, shard.Shard, gradient);
        var timing = new ShardTiming(Stopwatch.GetElapsedTime(receivedAt, start).TotalSeconds, Stopwatch.GetElapsedTime(start).TotalSeconds);
        _parameterServer.Tell(new PushGradients(shard.Step, shard.Version, shard.Batch, shard.Shard, _name, gradient, metrics, timing), Self);
    }

    private void Evaluate(EvaluateShard request, IActorRef sender)
    {
        var metrics = _computer.Evaluate(_parameters.Span, request.Set, request.Range);
        sender.Tell(new ShardEvaluated(request.Request, request.Range, metrics), Self);
    }

    /// <summary>
    /// In one process the published buffer is the parameter server's own and is read in place (no copy per
    /// step); a buffer that arrived over the network is ours already. Either way nothing is copied here.
    /// </summary>
    private ReadOnlyMemory<float> Adopt(ReadOnlyMemory<float> published)
    {
        if (MemoryMarshal.TryGetArray(published, out var segment) && segment.Array is { } array && segment.Count == array.Length)
            return array;
        _ownParameters ??= new float[published.Length];
        published.Span.CopyTo(_ownParameters);
        return _ownParameters;
    }
}
