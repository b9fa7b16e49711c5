// A parameter-server shard actor: counts pushed gradients for its range towards the current step, applies
// the optimizer once the step's batch is covered, publishes its range of the new parameters to every
// subscribed worker and reports the step to the coordinator. The rules live in ParameterServerState.
using System.Diagnostics;
using Dpt.Actors;
using Dpt.Training;
using Dpt.Training.Timeline;
using Microsoft.Extensions.Logging;
using static Dpt.Training.ParameterServerProtocol;

namespace Dpt.Coordinator.ParameterServer;

public sealed class ParameterServerActor : ReceiveActor
{
    private readonly ParameterServerState _state;
    private readonly List<IActorRef> _subscribers = new();
    private IActorRef _coordinator = ActorRefs.Nobody;
    private readonly SpanRecorder? _spans;
    private long _firstPushAt;

    /// <param name="timeline">Where to record this shard's spans (--timeline); null records none.</param>
    public ParameterServerActor(ParameterServerState state, SpanRecorder? timeline = null)
    {
        _state = state;
        _spans = timeline;
        Receive<BeginStep>(OnBeginStep);
        Receive<PushGradients>(OnPush);
        Receive<PullParameters>(pull => Subscribe(pull.Subscriber));
        Receive<TakeSnapshot>(_ => Sender.Tell(_state.TakeSnapshot(), Self));
        Receive<Terminated>(t => _subscribers.Remove(t.ActorRef));
    }

    public static Props Props(ParameterServerState state, string dispatcher = Dispatchers.Pinned, SpanRecorder? timeline = null) =>
        Actors.Props.Create(() => new ParameterServerActor(state, timeline)).WithDispatcher(dispatcher);

    private void OnBeginStep(BeginStep begin)
    {
        _coordinator = Sender;
        if (!_state.Begin(begin.Step, begin.Batch))
            Log.LogWarning("parameter server ignores {Begin}: it is at version {Version}", begin, _state.Version);
    }

    /// <summary>Publishes to <paramref name="subscriber"/> from now on. A worker node restarted at its address pulls with
    /// a ref equal to its dead incarnation's (a path names no incarnation), perhaps before that one's Terminated is
    /// processed: watching it afresh drops a Terminated already queued, which would otherwise unsubscribe the new one.</summary>
    private void Subscribe(IActorRef subscriber)
    {
        if (_subscribers.Contains(subscriber)) Context.Unwatch(subscriber);
        else _subscribers.Add(subscriber);
        Context.Watch(subscriber);
        subscriber.Tell(new ParametersPublished(_state.Version, _state.Offset, _state.Range), Self);
    }

    private void OnPush(PushGradients push)
    {
        var outcome = _state.Accept(push);
        // The step's first counted push starts its aggregate span; timed only for a timeline.
        if (_spans is not null && outcome is PushOutcome.Accepted or PushOutcome.Completed && _state.Covered == push.Shard.Count)
            _firstPushAt = Stopwatch.GetTimestamp();
        switch (outcome)
        {
            case PushOutcome.Completed:
                Apply();
                break;
            case PushOutcome.Stale or PushOutcome.Duplicate:
                // A reassigned shard answered twice, or a slow worker finished after the step was applied.
                Log.LogDebug("parameter server ignores {Push}: already counted or applied (now at version {Version})", push, _state.Version);
                break;
            case PushOutcome.Invalid:
                Log.LogWarning("parameter server refuses {Push}: its batch or gradient length does not match step {Step}", push, _state.Version);
                break;
        }
    }

    private void Apply()
    {
        long start = Stopwatch.GetTimestamp();
        var applied = _state.ApplyStep();
        long appliedAt = Stopwatch.GetTimestamp();
        double seconds = Stopwatch.GetElapsedTime(start, appliedAt).TotalSeconds;
        var published = new ParametersPublished(_state.Version, _state.Offset, _state.Range);
        foreach (var subscriber in _subscribers) subscriber.Tell(published, Self);
        // Timed before the report, which may let the coordinator end the step at once on another thread.
        long publishedAt = _spans is null ? 0 : Stopwatch.GetTimestamp();
        _coordinator.Tell(new StepApplied(applied.Step, applied.Version, applied.Metrics, applied.Shards, applied.LearningRate, seconds), Self);
        if (_spans is not null) Record(applied.Step, applied.Shards.Count, start, appliedAt, publishedAt);
    }

    private void Record(long step, int pushes, long applying, long applied, long published)
    {
        _spans!.Add(SpanKind.Aggregate, step, _firstPushAt, applying, pushes);
        _spans.Add(SpanKind.Apply, step, applying, applied, _state.Count);
        _spans.Add(SpanKind.Publish, step, applied, published, _subscribers.Count);
    }
}
