// A user message with its sender, as queued in a mailbox. A struct, so that queueing a message
// allocates nothing beyond the message itself.

namespace Dpt.Actors;

/// <summary>A queued user message; <paramref name="Sender"/> is null when there is none.</summary>
internal readonly record struct Envelope(object Message, IActorRef? Sender);
