using System.Collections.Concurrent;
using Dpt.Actors;
using Xunit.Abstractions;

namespace Dpt.Shared.Tests.Actors;

public class ActorRefProviderSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private static readonly Address OtherNode = Address.Remote("trainer", "10.0.0.6", 4053);
    private static readonly Address ThisNode = Address.Remote("ActorRefProviderSpec", "10.0.0.5", 4053);

    private sealed class Idle : ReceiveActor
    {
        public Idle() => ReceiveAny(_ => { });
    }

    private sealed class Echo : ReceiveActor
    {
        public Echo() => ReceiveAny(m => Sender.Tell(m));
    }

    /// <summary>What a remote layer's ref does, minus the network: records what it is asked to send.</summary>
    private sealed class FakeRemoteRef(ActorPath path, ActorRefProvider provider, ConcurrentQueue<object> sent) : InternalActorRefBase
    {
        public override ActorPath Path { get; } = path;

        public override bool IsLocal => false;

        public override ActorRefProvider Provider { get; } = provider;

        public override void Tell(object message, IActorRef? sender = null) => sent.Enqueue((message, SenderOrImplicit(sender)));

        public override void SendSystemMessage(ISystemMessage message) => sent.Enqueue(message);
    }

    private sealed class FakeRemoting(ActorRefProvider provider) : IRemoteActorRefResolver
    {
        public ConcurrentQueue<object> Sent { get; } = new();

        public Address LocalAddress => ThisNode;

        public IInternalActorRef ResolveRemote(ActorPath path) => new FakeRemoteRef(path, provider, Sent);
    }

    /// <summary>Watches what it is sent (after telling it hello) and reports Terminated messages.</summary>
    private sealed class Watcher : ReceiveActor
    {
        public Watcher(IActorRef report)
        {
            Receive<IActorRef>(target =>
            {
                target.Tell("hello");
                Context.Watch(target);
                Sender.Tell("watching");
            });
            Receive<Terminated>(t => report.Tell(t));
        }
    }

    private (FakeRemoting Remoting, IInternalActorRef Remote, IActorRef Watcher) WatchRemoteActor()
    {
        var remoting = new FakeRemoting(Sys.Provider);
        Sys.Provider.UseRemoting(remoting);
        var remote = Sys.Provider.ResolveActorRef(ActorPath.Parse("dpt://trainer@10.0.0.6:4053/user/ps#7"));
        var watcher = Sys.ActorOf(Props.Create(() => new Watcher(TestActor)), "watcher");
        watcher.Tell(remote);
        ExpectMsg("watching");
        return (remoting, remote, watcher);
    }

    [Fact]
    public void ResolveActorRef_must_find_local_actors_by_path_with_or_without_uid()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Idle()), "worker");
        Assert.Same(actor, Sys.Provider.ResolveActorRef("dpt://ActorRefProviderSpec/user/worker"));
        Assert.Same(actor, Sys.Provider.ResolveActorRef(actor.Path.ToSerializationFormat()));
        Assert.Same(Sys.DeadLetters, Sys.Provider.ResolveActorRef("dpt://ActorRefProviderSpec/deadLetters"));
        Assert.Equal(TestActor, Sys.Provider.ResolveActorRef(TestActor.Path));
    }

    [Fact]
    public void ResolveActorRef_of_a_missing_actor_or_another_incarnation_must_give_a_dead_letter_ref()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(DeadLetter));
        var actor = Sys.ActorOf(Props.Create(() => new Idle()), "worker");
        var oldIncarnation = Sys.Provider.ResolveActorRef(actor.Path.WithUid(actor.Path.Uid + 1));
        var missing = Sys.Provider.ResolveActorRef("dpt://ActorRefProviderSpec/user/missing");
        oldIncarnation.Tell("for the old one");
        missing.Tell("for nobody");
        Assert.Equal(oldIncarnation, ExpectMsg<DeadLetter>().Recipient);
        Assert.Equal("dpt://ActorRefProviderSpec/user/missing", ExpectMsg<DeadLetter>().Recipient.Path.ToString());
    }

    [Fact]
    public void Paths_at_another_address_must_resolve_to_dead_letters_until_a_remote_layer_is_plugged_in()
    {
        var path = ActorPath.Parse("dpt://trainer@10.0.0.6:4053/user/ps");
        Assert.IsType<EmptyActorRef>(Sys.Provider.ResolveActorRef(path));
        Sys.Provider.UseRemoting(new FakeRemoting(Sys.Provider));
        Assert.IsType<FakeRemoteRef>(Sys.Provider.ResolveActorRef(path));
        Assert.Equal(ThisNode, Sys.Provider.DefaultAddress);
        Assert.Throws<InvalidOperationException>(() => Sys.Provider.UseRemoting(new FakeRemoting(Sys.Provider)));
    }

    [Fact]
    public void Paths_at_this_nodes_published_address_must_resolve_locally()
    {
        Sys.Provider.UseRemoting(new FakeRemoting(Sys.Provider));
        var actor = Sys.ActorOf(Props.Create(() => new Idle()), "ps");
        var published = actor.Path.WithAddress(Sys.Provider.DefaultAddress).ToSerializationFormat();
        Assert.Equal($"dpt://ActorRefProviderSpec@10.0.0.5:4053/user/ps#{actor.Path.Uid}", published);
        Assert.Same(actor, Sys.Provider.ResolveActorRef(published));
    }

    [Fact]
    public void A_remote_ref_must_receive_user_messages_with_their_sender_and_the_Watch()
    {
        var (remoting, remote, watcher) = WatchRemoteActor();
        var sent = remoting.Sent.ToList();
        Assert.Equal(("hello", (IActorRef?)watcher), Assert.IsType<(object, IActorRef?)>(sent[0]));
        var watch = Assert.IsType<SystemMessages.Watch>(sent[1]);
        Assert.Equal((remote, watcher), ((IActorRef)watch.Watchee, (IActorRef)watch.Watcher));
    }

    [Fact]
    public void When_the_remote_node_is_declared_down_watchers_must_receive_Terminated_with_AddressTerminated()
    {
        var (_, remote, _) = WatchRemoteActor();
        Sys.Provider.NotifyAddressTerminated(Address.Remote("trainer", "10.0.0.7", 4053)); // another node
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Sys.Provider.NotifyAddressTerminated(OtherNode);
        Assert.Equal(new Terminated(remote, ExistenceConfirmed: true, AddressTerminated: true), ExpectMsg<Terminated>());
    }

    [Fact]
    public void A_death_notification_from_the_remote_layer_must_reach_the_watcher_as_Terminated()
    {
        var (_, _, watcher) = WatchRemoteActor();
        // The remote layer resolves the dead actor's path again, to a new but equal ref.
        var resolvedAgain = Sys.Provider.ResolveActorRef("dpt://trainer@10.0.0.6:4053/user/ps#7");
        Sys.Provider.ResolveActorRef(watcher.Path).SendSystemMessage(new SystemMessages.DeathWatchNotification(resolvedAgain, true, false));
        Assert.Equal(new Terminated(resolvedAgain, ExistenceConfirmed: true, AddressTerminated: false), ExpectMsg<Terminated>());
    }

    private (FakeRemoting Remoting, IActorRef Local) LocalActorWatchedFromAnotherNode()
    {
        var remoting = new FakeRemoting(Sys.Provider);
        Sys.Provider.UseRemoting(remoting);
        var local = Watch(Sys.ActorOf(Props.Create(() => new Echo()), "local"));
        var remoteWatcher = Sys.Provider.ResolveActorRef("dpt://trainer@10.0.0.6:4053/user/coordinator#3");
        // As the remote layer would deliver a Watch that arrived over the network:
        ((IInternalActorRef)local).SendSystemMessage(new SystemMessages.Watch((IInternalActorRef)local, remoteWatcher));
        local.Tell("sync"); // answered only after the Watch (a system message) was processed
        ExpectMsg("sync");
        return (remoting, local);
    }

    [Fact]
    public void A_remote_watcher_of_a_local_actor_must_be_sent_its_death_notification()
    {
        var (remoting, local) = LocalActorWatchedFromAnotherNode();
        Sys.Stop(local);
        ExpectTerminated(local);
        AwaitAssert(() => Assert.Contains(remoting.Sent, m => m is SystemMessages.DeathWatchNotification n && n.Actor.Equals(local)));
    }

    [Fact]
    public void Watchers_at_a_node_declared_down_must_be_forgotten()
    {
        var (remoting, local) = LocalActorWatchedFromAnotherNode();
        Sys.Provider.NotifyAddressTerminated(OtherNode);
        Sys.Stop(local);
        ExpectTerminated(local);
        Assert.DoesNotContain(remoting.Sent, m => m is SystemMessages.DeathWatchNotification);
    }
}
