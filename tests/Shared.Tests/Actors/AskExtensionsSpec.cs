using Dpt.Actors;
using Xunit.Abstractions;

namespace Dpt.Shared.Tests.Actors;

public class AskExtensionsSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    private sealed class Responder : ReceiveActor
    {
        public Responder()
        {
            Receive<int>(i => Sender.Tell(i * 2));
            Receive<string>(s => s == "fail", _ => Sender.Tell(new Status.Failure(new InvalidOperationException("refused"))));
            Receive<string>(s => s == "twice", _ => { Sender.Tell("one"); Sender.Tell("two"); });
            Receive<string>(s => s == "silent", _ => { });
            Receive<string>(s => Sender.Tell(s.Length));
        }
    }

    private IActorRef NewResponder(string name = "responder") => Sys.ActorOf(Props.Create(() => new Responder()), name);

    [Fact]
    public async Task Ask_must_complete_with_the_reply()
    {
        Assert.Equal(42, await NewResponder().Ask<int>(21, Timeout));
        Assert.Equal(4, await NewResponder("other").Ask("four", Timeout));
    }

    [Fact]
    public async Task Ask_must_time_out_with_a_message_naming_the_target_and_the_timeout()
    {
        var error = await Assert.ThrowsAsync<AskTimeoutException>(() => NewResponder("quiet").Ask<int>("silent", TimeSpan.FromMilliseconds(100)));
        Assert.Contains("dpt://AskExtensionsSpec/user/quiet", error.Message);
        Assert.Contains("100 ms", error.Message);
        Assert.Contains("String", error.Message);
    }

    [Fact]
    public async Task Ask_must_throw_the_cause_of_a_Status_Failure_reply()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => NewResponder().Ask<int>("fail", Timeout));
        Assert.Equal("refused", error.Message);
    }

    [Fact]
    public async Task Ask_must_name_the_expected_and_actual_types_of_a_wrong_reply()
    {
        var error = await Assert.ThrowsAsync<InvalidCastException>(() => NewResponder().Ask<string>(21, Timeout));
        Assert.Contains("System.String", error.Message);
        Assert.Contains("System.Int32", error.Message);
        Assert.Contains("42", error.Message);
    }

    [Fact]
    public async Task Ask_must_honour_its_cancellation_token()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => NewResponder().Ask<int>("silent", Timeout, cancel.Token));
    }

    [Fact]
    public async Task A_reply_after_the_first_must_go_to_dead_letters()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(DeadLetter));
        Assert.Equal("one", await NewResponder().Ask<string>("twice", Timeout));
        var deadLetter = ExpectMsg<DeadLetter>();
        Assert.Equal("two", deadLetter.Message);
        Assert.StartsWith("dpt://AskExtensionsSpec/temp/", deadLetter.Recipient.Path.ToString());
    }

    [Fact]
    public async Task Ask_must_reject_a_non_positive_timeout()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => NewResponder().Ask<int>(1, TimeSpan.Zero));
    }

    private sealed class AskingActor : ReceiveActor
    {
        public AskingActor(IActorRef responder) =>
            ReceiveAsync<int>(async i => Sender.Tell(await responder.Ask<int>(i, Timeout) + 1));
    }

    [Fact]
    public void An_actor_must_be_able_to_ask_from_an_async_handler()
    {
        var asking = Sys.ActorOf(Props.Create(() => new AskingActor(NewResponder())));
        asking.Tell(10);
        ExpectMsg(21);
    }
}
