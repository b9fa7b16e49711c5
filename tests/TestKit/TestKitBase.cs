// The expectations shared by TestKit and TestProbe (as in Akka.TestKit, where a probe is itself
// a small test kit): a test actor queues what it receives, and every Expect*/Receive*/Await* call
// waits for it with a time limit, failing with what was expected, what came and when.
using System.Collections.Concurrent;
using System.Diagnostics;
using Dpt.Actors;
using Xunit.Sdk;

namespace Dpt.TestKit;

/// <summary>A test actor plus time-boxed expectations on the messages it receives. Use it from
/// one test thread.</summary>
public abstract class TestKitBase
{
    private readonly BlockingCollection<ReceivedMessage> _queue = [];
    private long? _withinDeadline;

    /// <summary>Creates the test actor under "/system" of the system <paramref name="system"/> returns.</summary>
    private protected TestKitBase(Func<TestKitBase, ActorSystem> system, string? testActorName)
    {
        Sys = system(this);
        TestActor = Sys.SystemActorOf(Props.Create(() => new TestActor(_queue)), testActorName);
        LastSender = Sys.DeadLetters;
    }

    /// <summary>The actor system under test.</summary>
    public ActorSystem Sys { get; }

    /// <summary>The actor whose received messages the expectations check.</summary>
    public IActorRef TestActor { get; }

    /// <summary>The sender of the last message taken by an expectation.</summary>
    public IActorRef LastSender { get; private set; }

    /// <summary>The last message taken by an expectation.</summary>
    public object? LastMessage { get; private set; }

    /// <summary>True when a message is waiting to be taken.</summary>
    public bool HasMessages => _queue.Count > 0;

    /// <summary>The wait of an expectation given no timeout outside <see cref="Within(TimeSpan, Action)"/>: 3 s, dilated.</summary>
    public static TimeSpan DefaultTimeout => TestKitTimeouts.DefaultTimeout;

    /// <summary><paramref name="duration"/> multiplied by the DPT_TEST_TIMEOUT_FACTOR.</summary>
    public static TimeSpan Dilated(TimeSpan duration) => TestKitTimeouts.Dilated(duration);

    /// <summary>Time left in the enclosing <see cref="Within(TimeSpan, Action)"/> block.</summary>
    public TimeSpan Remaining => _withinDeadline is { } deadline
        ? TimeSpan.FromTicks(Math.Max(0, (long)((deadline - Stopwatch.GetTimestamp()) * (double)TimeSpan.TicksPerSecond / Stopwatch.Frequency)))
        : throw new InvalidOperationException("Remaining is only defined inside a Within block");

    /// <summary><see cref="Remaining"/> inside a Within block, else <see cref="DefaultTimeout"/>.</summary>
    public TimeSpan RemainingOrDefault => _withinDeadline is null ? DefaultTimeout : Remaining;

    // ---- Sending ----------------------------------------------------------------------------

    /// <summary>Sends <paramref name="message"/> to <paramref name="target"/> with the test actor as sender.</summary>
    public void Send(IActorRef target, object message) => target.Tell(message, TestActor);

    /// <summary>Replies to <see cref="LastSender"/> with the test actor as sender.</summary>
    public void Reply(object message) => LastSender.Tell(message, TestActor);

    /// <summary>Sends <paramref name="message"/> (default: <see cref="LastMessage"/>) to <paramref name="target"/>
    /// on behalf of <see cref="LastSender"/>, so the target replies to the original sender.</summary>
    public void Forward(IActorRef target, object? message = null) =>
        target.Tell(message ?? LastMessage ?? throw new InvalidOperationException("nothing to forward: no message was received yet"), LastSender);

    // ---- Expecting messages -----------------------------------------------------------------

    /// <summary>Expects the next message to be a <typeparamref name="T"/>.</summary>
    public T ExpectMsg<T>(TimeSpan? timeout = null) =>
        ExpectMsgWhere<T>(timeout, $"a message of type {TypeName<T>()}", static _ => null);

    /// <summary>Expects the next message to equal <paramref name="expected"/>.</summary>
    public T ExpectMsg<T>(T expected, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(expected);
        return ExpectMsgWhere<T>(timeout, $"[{expected}]", m => Equals(m, expected) ? null : "it is not equal");
    }

    /// <summary>Expects the next message to be a <typeparamref name="T"/> for which <paramref name="isMessage"/> holds.</summary>
    public T ExpectMsg<T>(Predicate<T> isMessage, TimeSpan? timeout = null, string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(isMessage);
        return ExpectMsgWhere<T>(timeout, $"a message of type {TypeName<T>()} matching {hint ?? "the predicate"}",
            m => isMessage(m) ? null : "the predicate does not hold");
    }

    /// <summary>Expects the next message to be a <typeparamref name="T"/> that passes <paramref name="assert"/>.</summary>
    public T ExpectMsg<T>(Action<T> assert, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(assert);
        var start = Stopwatch.GetTimestamp();
        var message = ExpectMsg<T>(timeout);
        try
        {
            assert(message);
        }
        catch (Exception e)
        {
            throw new XunitException($"Message [{message}] (received after {Ms(Stopwatch.GetElapsedTime(start))}) failed the assertion: {e.Message}", e);
        }
        return message;
    }

    /// <summary>Expects that no message arrives for <paramref name="duration"/> (dilated).</summary>
    public void ExpectNoMsg(TimeSpan duration)
    {
        var max = Dilated(duration);
        var start = Stopwatch.GetTimestamp();
        if (TryTake(max, out var received))
            throw new XunitException($"Expected no message for {Ms(max)}, but received {received} after {Ms(Stopwatch.GetElapsedTime(start))}");
    }

    /// <summary>Expects the next <paramref name="expected"/>.Length messages to equal <paramref name="expected"/>, in any order.</summary>
    public IReadOnlyList<T> ExpectMsgAllOf<T>(params T[] expected) => ExpectMsgAllOf((TimeSpan?)null, expected);

    /// <summary>Expects the next messages, within <paramref name="timeout"/> in all, to equal <paramref name="expected"/>, in any order.</summary>
    public IReadOnlyList<T> ExpectMsgAllOf<T>(TimeSpan? timeout, params T[] expected)
    {
        ArgumentNullException.ThrowIfNull(expected);
        var received = ReceiveN(expected.Length, timeout);
        var missing = expected.Cast<object?>().ToList();
        var unexpected = new List<object>();
        foreach (var message in received)
        {
            int i = missing.FindIndex(m => Equals(m, message));
            if (i >= 0) missing.RemoveAt(i);
            else unexpected.Add(message);
        }
        if (missing.Count > 0)
            throw new XunitException($"Expected all of {List(expected.Cast<object>())} in any order, but {List(missing!)} did not arrive and {List(unexpected)} arrived instead");
        return received.Cast<T>().ToList();
    }

    /// <summary>Receives the next <paramref name="count"/> messages, within <paramref name="timeout"/> in all.</summary>
    public IReadOnlyList<object> ReceiveN(int count, TimeSpan? timeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var max = WaitFor(timeout);
        var start = Stopwatch.GetTimestamp();
        var received = new List<object>(count);
        while (received.Count < count)
        {
            var left = max - Stopwatch.GetElapsedTime(start);
            if (!TryTake(left < TimeSpan.Zero ? TimeSpan.Zero : left, out var next))
                throw new XunitException($"Expected {count} messages within {Ms(max)}, but received only {received.Count} {List(received)} (waited {Ms(Stopwatch.GetElapsedTime(start))})");
            received.Add(next.Message);
        }
        return received;
    }

    /// <summary>Skips messages until a <typeparamref name="T"/> for which <paramref name="isMessage"/> holds arrives.</summary>
    public T FishForMessage<T>(Predicate<T> isMessage, TimeSpan? timeout = null, string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(isMessage);
        var max = WaitFor(timeout);
        var start = Stopwatch.GetTimestamp();
        var skipped = new List<object>();
        while (true)
        {
            var left = max - Stopwatch.GetElapsedTime(start);
            if (!TryTake(left < TimeSpan.Zero ? TimeSpan.Zero : left, out var next))
                throw new XunitException($"Expected a message of type {TypeName<T>()} matching {hint ?? "the predicate"} within {Ms(max)}, but none arrived; skipped {List(skipped)} (waited {Ms(Stopwatch.GetElapsedTime(start))})");
            if (next.Message is T typed && isMessage(typed)) return typed;
            skipped.Add(next.Message);
        }
    }

    // ---- Death watch ------------------------------------------------------------------------

    /// <summary>Makes the test actor watch <paramref name="actor"/>; its Terminated will arrive as a message.</summary>
    public IActorRef Watch(IActorRef actor)
    {
        TestActor.Tell(new TestActor.Watch(actor), ActorRefs.NoSender);
        return actor;
    }

    /// <summary>Makes the test actor stop watching <paramref name="actor"/>.</summary>
    public IActorRef Unwatch(IActorRef actor)
    {
        TestActor.Tell(new TestActor.Unwatch(actor), ActorRefs.NoSender);
        return actor;
    }

    /// <summary>Expects the next message to be the <see cref="Terminated"/> of <paramref name="actor"/> (watch it first).</summary>
    public Terminated ExpectTerminated(IActorRef actor, TimeSpan? timeout = null) =>
        ExpectMsg<Terminated>(t => t.ActorRef.Equals(actor), timeout, $"Terminated of {actor}");

    // ---- Waiting for conditions ---------------------------------------------------------------

    /// <summary>Polls <paramref name="condition"/> until it holds, failing after <paramref name="timeout"/>.</summary>
    public void AwaitCondition(Func<bool> condition, TimeSpan? timeout = null, TimeSpan? interval = null, string? message = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var max = WaitFor(timeout);
        var start = Stopwatch.GetTimestamp();
        while (!condition())
        {
            var elapsed = Stopwatch.GetElapsedTime(start);
            if (elapsed >= max)
                throw new XunitException($"Condition {message ?? "(no description)"} did not hold within {Ms(max)} (waited {Ms(elapsed)})");
            Thread.Sleep(PollInterval(interval, max - elapsed));
        }
    }

    /// <summary>Retries <paramref name="assertion"/> until it passes, failing with its last failure after <paramref name="timeout"/>.</summary>
    public void AwaitAssert(Action assertion, TimeSpan? timeout = null, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(assertion);
        var max = WaitFor(timeout);
        var start = Stopwatch.GetTimestamp();
        while (true)
        {
            try
            {
                assertion();
                return;
            }
            catch (Exception e)
            {
                var elapsed = Stopwatch.GetElapsedTime(start);
                if (elapsed >= max)
                    throw new XunitException($"Assertion did not pass within {Ms(max)} (waited {Ms(elapsed)}); last failure: {e.Message}", e);
                Thread.Sleep(PollInterval(interval, max - elapsed));
            }
        }
    }

    /// <summary>Runs <paramref name="action"/>, which must finish within <paramref name="max"/> (dilated);
    /// expectations inside without a timeout wait at most for the time left.</summary>
    public void Within(TimeSpan max, Action action) => Within(TimeSpan.Zero, max, action);

    /// <summary>Runs <paramref name="action"/>, which must take between <paramref name="min"/> and <paramref name="max"/> (dilated).</summary>
    public void Within(TimeSpan min, TimeSpan max, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        Within(min, max, () =>
        {
            action();
            return true;
        });
    }

    /// <summary>Runs <paramref name="func"/>, which must finish within <paramref name="max"/> (dilated), and returns its result.</summary>
    public T Within<T>(TimeSpan max, Func<T> func) => Within(TimeSpan.Zero, max, func);

    private T Within<T>(TimeSpan min, TimeSpan max, Func<T> func)
    {
        var dilatedMax = Dilated(max);
        var start = Stopwatch.GetTimestamp();
        var outer = _withinDeadline;
        long deadline = start + (long)(dilatedMax.TotalSeconds * Stopwatch.Frequency);
        _withinDeadline = outer is { } o && o < deadline ? o : deadline;
        T result;
        try
        {
            result = func();
        }
        finally
        {
            _withinDeadline = outer;
        }
        var elapsed = Stopwatch.GetElapsedTime(start);
        if (elapsed > dilatedMax)
            throw new XunitException($"Within block took {Ms(elapsed)}, more than its maximum of {Ms(dilatedMax)}");
        if (elapsed < min)
            throw new XunitException($"Within block took {Ms(elapsed)}, less than its minimum of {Ms(min)}");
        return result;
    }

    // ---- Helpers ------------------------------------------------------------------------------

    private T ExpectMsgWhere<T>(TimeSpan? timeout, string expected, Func<T, string?> problemWith)
    {
        var max = WaitFor(timeout);
        var start = Stopwatch.GetTimestamp();
        if (!TryTake(max, out var received))
            throw new XunitException($"Expected {expected} within {Ms(max)}, but no message arrived (waited {Ms(Stopwatch.GetElapsedTime(start))})");
        string? problem = received.Message is T typed ? problemWith(typed) : $"it is a {received.Message.GetType().Name}";
        if (problem is not null)
            throw new XunitException($"Expected {expected} within {Ms(max)}, but received {received} after {Ms(Stopwatch.GetElapsedTime(start))}: {problem}");
        return (T)received.Message;
    }

    private bool TryTake(TimeSpan max, out ReceivedMessage received)
    {
        if (!_queue.TryTake(out received!, max)) return false;
        LastSender = received.Sender;
        LastMessage = received.Message;
        return true;
    }

    private TimeSpan WaitFor(TimeSpan? timeout) => timeout is { } t ? Dilated(t) : RemainingOrDefault;

    private static TimeSpan PollInterval(TimeSpan? interval, TimeSpan left)
    {
        var step = interval ?? TimeSpan.FromMilliseconds(10);
        return step < left ? step : left;
    }

    private static string Ms(TimeSpan t) => $"{t.TotalMilliseconds:0} ms";

    private static string TypeName<T>() => typeof(T).Name;

    private static string List(IEnumerable<object> messages) => "[" + string.Join(", ", messages.Select(m => $"[{m}]")) + "]";
}
