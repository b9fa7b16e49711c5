// Events the runtime publishes on the event stream about messages that reached no behaviour:
// dead letters (no live recipient) and unhandled messages (the behaviour did not match).

namespace Dpt.Actors;

/// <summary>Published by the runtime on the event stream when <paramref name="Message"/> could not be
/// delivered to <paramref name="Recipient"/> (stopped, never existed, or the mailbox was closed).</summary>
public sealed record DeadLetter(object Message, IActorRef Sender, IActorRef Recipient)
{
    public override string ToString() => $"DeadLetter({Message} from {Sender} to {Recipient})";
}

/// <summary>Published by the runtime on the event stream when <paramref name="Recipient"/>'s behaviour
/// did not handle <paramref name="Message"/>.</summary>
public sealed record UnhandledMessage(object Message, IActorRef Sender, IActorRef Recipient)
{
    public override string ToString() => $"UnhandledMessage({Message} from {Sender} to {Recipient})";
}
