// What a span of a step timeline stands for. Each actor records its own kinds: the coordinator its steps,
// a worker the phases of each shard, a parameter-server shard the phases of each step it applies.
namespace Dpt.Training.Timeline;

public enum SpanKind : byte
{
    /// <summary>Coordinator: from sending a step's shards to learning that every parameter-server shard applied it.</summary>
    Step,

    /// <summary>Worker: from receiving a shard to having the parameter version it needs.</summary>
    Receive,

    /// <summary>Worker: gathering the shard's samples, the forward pass and the loss.</summary>
    Forward,

    /// <summary>Worker: the backward pass, into the gradient buffer.</summary>
    Backward,

    /// <summary>Worker: pushing the gradient to every parameter-server shard (serialising and queueing it, for a remote one).</summary>
    Send,

    /// <summary>Worker: from the end of its send to the end of the step; derived when the trace is written, never recorded.</summary>
    Idle,

    /// <summary>Parameter-server shard: from the step's first pushed gradient to the one that covers the batch.</summary>
    Aggregate,

    /// <summary>Parameter-server shard: summing the pushed gradients in shard order and the optimizer's update of its range.</summary>
    Apply,

    /// <summary>Parameter-server shard: sending its range of the new parameters to every worker (serialising and queueing it, for a remote one).</summary>
    Publish,
}
