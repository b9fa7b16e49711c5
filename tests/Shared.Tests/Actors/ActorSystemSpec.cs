using System.Collections.Concurrent;
using Dpt.Actors;
using Xunit.Abstractions;

namespace Dpt.Shared.Tests.Actors;

public class ActorSystemSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private sealed class Idle : ReceiveActor
    {
        public Idle() => ReceiveAny(_ => { });
    }

    /// <summary>Records its PostStop in a shared log and optionally creates children.</summary>
    private sealed class Recording : ReceiveActor
    {
        private readonly ConcurrentQueue<string> _log;

        public Recording(ConcurrentQueue<string> log, int children)
        {
            _log = log;
            for (int i = 0; i < children; i++)
                Context.ActorOf(Props.Create(() => new Recording(log, 0)), $"child-{i}");
            ReceiveAny(_ => { });
        }

        protected override void PostStop() => _log.Enqueue(Self.Path.ToStringWithoutAddress());
    }

    [Fact]
    public void ActorOf_must_create_top_level_actors_under_user_with_a_fresh_uid()
    {
        var worker = Sys.ActorOf(Props.Create(() => new Idle()), "worker-1");
        Assert.Equal("dpt://ActorSystemSpec/user/worker-1", worker.Path.ToString());
        Assert.NotEqual(0, worker.Path.Uid);
    }

    [Fact]
    public void ActorOf_must_generate_dollar_names_when_none_is_given()
    {
        var a = Sys.ActorOf(Props.Create(() => new Idle()));
        var b = Sys.ActorOf(Props.Create(() => new Idle()));
        Assert.Equal(("$a", "$b"), (a.Path.Name, b.Path.Name));
    }

    [Theory]
    [InlineData("", "must not be null or empty")]
    [InlineData("a/b", "'/'")]
    [InlineData("$reserved", "must not start with '$'")]
    [InlineData("has space", "whitespace")]
    [InlineData("a#1", "'#'")]
    public void ActorOf_must_reject_invalid_names_saying_what_is_wrong(string name, string reason)
    {
        var error = Assert.Throws<InvalidActorNameException>(() => Sys.ActorOf(Props.Create(() => new Idle()), name));
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void ActorOf_must_reject_a_name_already_taken_by_a_sibling()
    {
        Sys.ActorOf(Props.Create(() => new Idle()), "twin");
        var error = Assert.Throws<InvalidActorNameException>(() => Sys.ActorOf(Props.Create(() => new Idle()), "twin"));
        Assert.Contains("[twin] is not unique", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-leading-dash")]
    [InlineData("dotted.name")]
    [InlineData("with/slash")]
    public void Create_must_reject_invalid_system_names(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => ActorSystem.Create(name));
        Assert.Contains("actor system name", error.Message);
    }

    [Fact]
    public void Create_must_validate_the_settings_before_starting()
    {
        var error = Assert.Throws<ArgumentException>(() => ActorSystem.Create("bad", new ActorSystemSettings { Throughput = 0 }));
        Assert.Contains("Throughput is 0", error.Message);
    }

    [Fact]
    public async Task Terminate_must_stop_every_actor_children_first_and_complete_WhenTerminated()
    {
        var log = new ConcurrentQueue<string>();
        var system = ActorSystem.Create("terminating");
        system.ActorOf(Props.Create(() => new Recording(log, 2)), "parent");
        system.ActorOf(Props.Create(() => new Recording(log, 0)).WithDispatcher(Dispatchers.Pinned), "pinned");

        await system.Terminate().WaitAsync(DefaultTimeout);

        Assert.True(system.WhenTerminated.IsCompletedSuccessfully);
        var stopped = log.ToList();
        Assert.Equal(4, stopped.Count);
        Assert.Contains("/user/pinned", stopped);
        Assert.True(stopped.IndexOf("/user/parent") > stopped.IndexOf("/user/parent/child-0"));
        Assert.True(stopped.IndexOf("/user/parent") > stopped.IndexOf("/user/parent/child-1"));
        Assert.Same(system.WhenTerminated, system.Terminate());
        var error = Assert.Throws<InvalidOperationException>(() => system.ActorOf(Props.Create(() => new Idle())));
        Assert.Contains("stopping", error.Message);
    }

    [Fact]
    public async Task DisposeAsync_and_Dispose_must_terminate_the_system()
    {
        var first = ActorSystem.Create("disposed-async");
        await first.DisposeAsync();
        Assert.True(first.WhenTerminated.IsCompleted);

        var second = ActorSystem.Create("disposed");
        second.Dispose();
        Assert.True(second.WhenTerminated.IsCompleted);
    }

    [Fact]
    public void Stop_must_stop_a_top_level_actor_and_free_its_name()
    {
        var actor = Watch(Sys.ActorOf(Props.Create(() => new Idle()), "short-lived"));
        Sys.Stop(actor);
        ExpectTerminated(actor);
        AwaitAssert(() => Sys.ActorOf(Props.Create(() => new Idle()), "short-lived"));
    }

    [Fact]
    public void A_message_to_a_stopped_actor_must_be_published_as_a_dead_letter()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(DeadLetter));
        var actor = Watch(Sys.ActorOf(Props.Create(() => new Idle())));
        Sys.Stop(actor);
        ExpectTerminated(actor);
        actor.Tell("too late");
        var deadLetter = ExpectMsg<DeadLetter>();
        Assert.Equal(("too late", actor, TestActor), (deadLetter.Message, deadLetter.Recipient, deadLetter.Sender));
    }
}
