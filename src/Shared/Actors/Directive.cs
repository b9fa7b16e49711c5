// What a supervisor does with a failed child.

namespace Dpt.Actors;

/// <summary>A supervisor's decision about a failed child.</summary>
public enum Directive
{
    /// <summary>Keep the child's instance and state; it continues with the next message.</summary>
    Resume,

    /// <summary>Replace the child's instance with a fresh one from its Props; the mailbox is kept,
    /// the failing message is dropped.</summary>
    Restart,

    /// <summary>Stop the child.</summary>
    Stop,

    /// <summary>Fail the supervisor itself with the same exception, for its own supervisor to decide.</summary>
    Escalate,
}
