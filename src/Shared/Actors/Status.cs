// Status replies in Akka's vocabulary: a generic success, or a failure whose exception Ask rethrows.

namespace Dpt.Actors;

/// <summary>Replies that report the outcome of a request.</summary>
public static class Status
{
    /// <summary>Sent by an actor as a reply to report success, optionally with a value.</summary>
    public sealed record Success(object? Value);

    /// <summary>Sent by an actor as a reply to report failure; <c>Ask</c> throws <paramref name="Cause"/>.</summary>
    public sealed record Failure(Exception Cause, object? State = null)
    {
        /// <summary>The exception behind the failure.</summary>
        public Exception Cause { get; } = Cause ?? throw new ArgumentNullException(nameof(Cause));
    }
}
