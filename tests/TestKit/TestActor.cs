// The actor behind a TestKit's TestActor and a TestProbe's Ref: it queues every message it
// receives (with its sender) for the test thread, and watches actors on the test's behalf.
using System.Collections.Concurrent;
using Dpt.Actors;

namespace Dpt.TestKit;

/// <summary>A message as received by a test actor.</summary>
public sealed record ReceivedMessage(object Message, IActorRef Sender)
{
    public override string ToString() => $"[{Message}] from {Sender}";
}

/// <summary>Queues everything it receives; <see cref="Watch"/> and <see cref="Unwatch"/> are its
/// only commands.</summary>
internal sealed class TestActor(BlockingCollection<ReceivedMessage> queue) : UntypedActor
{
    /// <summary>Sent by the test thread to make the test actor watch <paramref name="Subject"/>.</summary>
    public sealed record Watch(IActorRef Subject);

    /// <summary>Sent by the test thread to make the test actor stop watching <paramref name="Subject"/>.</summary>
    public sealed record Unwatch(IActorRef Subject);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Watch watch: Context.Watch(watch.Subject); break;
            case Unwatch unwatch: Context.Unwatch(unwatch.Subject); break;
            default: queue.Add(new ReceivedMessage(message, Sender)); break;
        }
    }
}
