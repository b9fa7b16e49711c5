// Request-response from outside an actor (or between actors, sparingly): Ask sends a message with
// a temporary ref as sender and completes with the first reply, or fails with a timeout naming
// the target. Inside actors prefer Tell and a reply message: an awaited Ask blocks the mailbox.

namespace Dpt.Actors;

/// <summary>Akka's Ask pattern.</summary>
public static class AskExtensions
{
    /// <summary>Sends <paramref name="message"/> to <paramref name="target"/> and returns its reply as
    /// <typeparamref name="T"/>. Throws <see cref="AskTimeoutException"/> after <paramref name="timeout"/>
    /// (naming the target and the timeout), the cause of a <see cref="Status.Failure"/> reply,
    /// <see cref="InvalidCastException"/> for a reply of another type (naming both types), and
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> is cancelled.</summary>
    public static async Task<T> Ask<T>(this IActorRef target, object message, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(message);
        if (timeout <= TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "an ask timeout must be positive (or infinite)");
        var provider = (target as IInternalActorRef)?.Provider ?? ActorCell.Current?.System.Provider
            ?? throw new ArgumentException($"cannot ask {target}: it belongs to no actor system", nameof(target));

        var promise = provider.CreatePromise();
        object reply;
        try
        {
            target.Tell(message, promise);
            reply = await promise.Reply.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new AskTimeoutException(
                $"Ask timed out on {target.Path} after {timeout.TotalMilliseconds:0.###} ms: no reply to a {message.GetType().Name} ({message})");
        }
        finally
        {
            promise.Stop();
        }

        if (reply is Status.Failure failure && typeof(T) != typeof(Status.Failure)) throw failure.Cause;
        return reply is T typed
            ? typed
            : throw new InvalidCastException(
                $"Ask of {target.Path} expected a reply of type {typeof(T).FullName} but got {reply.GetType().FullName}: {reply}");
    }

    /// <summary>Like <see cref="Ask{T}"/>, accepting a reply of any type.</summary>
    public static Task<object> Ask(this IActorRef target, object message, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Ask<object>(target, message, timeout, cancellationToken);
}
