using Dpt.Actors;
using Dpt.TestKit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Dpt.Shared.Tests.Actors;

/// <summary>The TestKit's own behaviour: what its expectations accept and how they report failure.</summary>
public class TestKitSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(100);

    /// <summary>How failure messages print <see cref="Short"/> after dilation (DPT_TEST_TIMEOUT_FACTOR).</summary>
    private static string ShortMs => Ms(Short);

    private static string Ms(TimeSpan duration) => $"{Dilated(duration).TotalMilliseconds:0} ms";

    private sealed class Echo : ReceiveActor
    {
        public Echo() => ReceiveAny(m => Sender.Tell(m));
    }

    [Fact]
    public void The_system_must_be_named_after_the_test_class()
    {
        Assert.Equal("TestKitSpec", Sys.Name);
        Assert.Equal("dpt://TestKitSpec/system/testActor", TestActor.Path.ToString());
    }

    [Fact]
    public async Task Tell_from_an_async_test_must_carry_the_TestActor_as_implicit_sender()
    {
        var echo = Sys.ActorOf(Props.Create(() => new Echo()));
        await Task.Yield(); // continue on another thread: the implicit sender flows with the test
        echo.Tell("after an await");
        ExpectMsg("after an await");
    }

    [Fact]
    public void ExpectMsg_of_the_wrong_type_must_say_what_was_expected_what_arrived_and_when()
    {
        TestActor.Tell("hello");
        var error = Assert.Throws<XunitException>(() => ExpectMsg<int>(Short));
        Assert.Matches($@"^Expected a message of type Int32 within {ShortMs}, but received \[hello\] from .* after \d+ ms: it is a String$", error.Message);
    }

    [Fact]
    public void ExpectMsg_without_any_message_must_say_how_long_it_waited()
    {
        var error = Assert.Throws<XunitException>(() => ExpectMsg<int>(Short));
        Assert.Matches($@"^Expected a message of type Int32 within {ShortMs}, but no message arrived \(waited \d+ ms\)$", error.Message);
    }

    [Fact]
    public void ExpectMsg_must_compare_values_and_apply_predicates_and_assertions()
    {
        TestActor.Tell(1);
        TestActor.Tell(2);
        TestActor.Tell(3);
        TestActor.Tell(4);
        Assert.Equal(1, ExpectMsg(1));
        Assert.Equal(2, ExpectMsg<int>(i => i % 2 == 0));
        Assert.Equal(3, ExpectMsg<int>(i => Assert.Equal(3, i)));
        Assert.Contains("matching an even number", Assert.Throws<XunitException>(() => ExpectMsg<int>(i => i % 2 == 1, Short, "an even number")).Message);
        TestActor.Tell(5);
        var failed = Assert.Throws<XunitException>(() => ExpectMsg<int>(i => Assert.Equal(6, i)));
        Assert.StartsWith("Message [5] (received after", failed.Message);
        Assert.IsType<Xunit.Sdk.EqualException>(failed.InnerException);
    }

    [Fact]
    public void ExpectNoMsg_must_fail_naming_the_message_that_arrived()
    {
        ExpectNoMsg(TimeSpan.FromMilliseconds(20));
        TestActor.Tell("unexpected");
        var error = Assert.Throws<XunitException>(() => ExpectNoMsg(Short));
        Assert.Matches($@"^Expected no message for {ShortMs}, but received \[unexpected\] from .* after \d+ ms$", error.Message);
    }

    [Fact]
    public void ExpectMsgAllOf_must_accept_any_order_and_name_what_is_missing()
    {
        TestActor.Tell("b");
        TestActor.Tell("a");
        Assert.Equal(["b", "a"], ExpectMsgAllOf("a", "b"));
        TestActor.Tell("a");
        TestActor.Tell("c");
        var error = Assert.Throws<XunitException>(() => ExpectMsgAllOf("a", "b"));
        Assert.Equal("Expected all of [[a], [b]] in any order, but [[b]] did not arrive and [[c]] arrived instead", error.Message);
    }

    [Fact]
    public void ReceiveN_must_return_messages_in_order_or_say_how_many_came()
    {
        TestActor.Tell(1);
        TestActor.Tell(2);
        Assert.Equal([1, 2], ReceiveN(2));
        TestActor.Tell(3);
        var error = Assert.Throws<XunitException>(() => ReceiveN(2, Short));
        Assert.StartsWith($"Expected 2 messages within {ShortMs}, but received only 1 [[3]]", error.Message);
    }

    [Fact]
    public void FishForMessage_must_skip_until_a_match_and_list_what_it_skipped()
    {
        TestActor.Tell("noise");
        TestActor.Tell(1);
        TestActor.Tell(42);
        Assert.Equal(42, FishForMessage<int>(i => i > 10));
        TestActor.Tell("more noise");
        // A second, not 100 ms: the test actor forwards on the thread pool, which a busy machine can delay.
        var window = TimeSpan.FromSeconds(1);
        var error = Assert.Throws<XunitException>(() => FishForMessage<int>(_ => true, window, "any int"));
        Assert.Contains($"matching any int within {Ms(window)}, but none arrived; skipped [[more noise]]", error.Message);
    }

    [Fact]
    public void AwaitCondition_and_AwaitAssert_must_retry_until_success_or_report_the_last_failure()
    {
        int calls = 0;
        AwaitCondition(() => ++calls >= 3, interval: TimeSpan.FromMilliseconds(1));
        Assert.Equal(3, calls);
        var condition = Assert.Throws<XunitException>(() => AwaitCondition(() => false, Short, message: "never true"));
        Assert.StartsWith($"Condition never true did not hold within {ShortMs}", condition.Message);

        int attempts = 0;
        AwaitAssert(() => Assert.True(++attempts >= 3), interval: TimeSpan.FromMilliseconds(1));
        var assertion = Assert.Throws<XunitException>(() => AwaitAssert(() => Assert.Equal(1, 2), Short));
        Assert.StartsWith($"Assertion did not pass within {ShortMs}", assertion.Message);
        Assert.Contains("last failure: Assert.Equal() Failure", assertion.Message);
    }

    [Fact]
    public void Within_must_bound_the_block_and_the_waits_inside_it()
    {
        Within(TimeSpan.FromSeconds(1), () => Assert.True(Remaining <= Dilated(TimeSpan.FromSeconds(1))));
        var started = DateTime.UtcNow;
        // Without a timeout, the ExpectMsg inside may only wait for what is left of the 150 ms.
        var error = Assert.Throws<XunitException>(() => Within(TimeSpan.FromMilliseconds(150), () => ExpectMsg<int>()));
        Assert.Contains("no message arrived", error.Message);
        Assert.True(DateTime.UtcNow - started < Dilated(TimeSpan.FromSeconds(1)));
        var tooSlow = Assert.Throws<XunitException>(() => Within(TimeSpan.FromMilliseconds(10), () => Thread.Sleep(Dilated(TimeSpan.FromMilliseconds(50)))));
        Assert.Matches($@"^Within block took \d+ ms, more than its maximum of {Ms(TimeSpan.FromMilliseconds(10))}$", tooSlow.Message);
        Assert.Throws<InvalidOperationException>(() => Remaining);
    }

    [Fact]
    public async Task A_probe_must_reply_to_and_forward_for_the_last_sender()
    {
        var probe = CreateTestProbe("server");
        Assert.Equal("dpt://TestKitSpec/system/server", probe.Ref.Path.ToString());
        var asked = probe.Ref.Ask<string>("question", DefaultTimeout);
        probe.ExpectMsg("question");
        probe.Reply("answer");
        Assert.Equal("answer", await asked);

        var forwarded = probe.Ref.Ask<string>("echo me", DefaultTimeout);
        probe.ExpectMsg("echo me");
        probe.Forward(Sys.ActorOf(Props.Create(() => new Echo())));
        Assert.Equal("echo me", await forwarded);
    }

    [Fact]
    public void A_probe_must_send_as_itself_and_watch_on_its_own()
    {
        var probe = CreateTestProbe();
        var echo = Sys.ActorOf(Props.Create(() => new Echo()));
        probe.Send(echo, "ping");
        probe.ExpectMsg("ping");
        Assert.Equal(echo, probe.LastSender);
        probe.Tell("to the probe");
        probe.ExpectMsg("to the probe");
        probe.Watch(echo);
        Sys.Stop(echo);
        probe.ExpectTerminated(echo);
        ExpectNoMsg(TimeSpan.FromMilliseconds(20)); // the kit's own test actor saw none of it
    }

    [Theory]
    [InlineData(null, 1.0)]
    [InlineData("", 1.0)]
    [InlineData("2.5", 2.5)]
    public void The_timeout_factor_must_come_from_the_environment_variable(string? value, double expected)
    {
        Assert.Equal(expected, TestKitTimeouts.ParseFactor(value));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("fast")]
    public void An_invalid_timeout_factor_must_be_refused_naming_the_variable(string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => TestKitTimeouts.ParseFactor(value));
        Assert.Equal($"DPT_TEST_TIMEOUT_FACTOR is [{value}]; it must be a positive number such as 1 or 2.5", error.Message);
    }

    private sealed class InnerKit(ITestOutputHelper output, ActorSystemSettings? settings = null) : TestKit.TestKit(output, settings);

    private sealed class Failing : ReceiveActor
    {
        public Failing() => Receive<string>(s => throw new InvalidOperationException(s));
    }

    [Fact]
    public void A_kit_given_an_output_must_write_the_systems_log_there()
    {
        var lines = new CollectingOutput();
        using (var kit = new InnerKit(lines))
        {
            kit.Sys.ActorOf(Props.Create(() => new Failing()), "failing").Tell("visible in the output");
            kit.AwaitCondition(() => lines.Lines.Any(l => l.Contains("[Error] Dpt.Actors") && l.Contains("visible in the output")));
        }
    }

    private sealed class Stuck(ManualResetEventSlim blocked, ManualResetEventSlim gate) : ReceiveActor
    {
        protected override void PreStart() => Context.Become(_ =>
        {
            blocked.Set();
            gate.Wait(TimeSpan.FromSeconds(10));
            return true;
        });
    }

    [Fact]
    public async Task Dispose_must_fail_when_an_actor_keeps_the_system_from_terminating()
    {
        using var blocked = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        var kit = new InnerKit(new CollectingOutput(), new ActorSystemSettings { TerminationTimeout = TimeSpan.FromMilliseconds(100) });
        kit.Sys.ActorOf(Props.Create(() => new Stuck(blocked, gate)).WithDispatcher(Dispatchers.Pinned)).Tell("block");
        Assert.True(blocked.Wait(DefaultTimeout));
        var error = Assert.Throws<XunitException>(kit.Dispose);
        Assert.Contains($"did not terminate within {Ms(TimeSpan.FromMilliseconds(100))}", error.Message);
        gate.Set();
        await kit.Sys.WhenTerminated.WaitAsync(DefaultTimeout);
    }
}
