using Dpt.Actors;
using Xunit.Abstractions;

namespace Dpt.Shared.Tests.Actors;

public class EventStreamSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private record Event(int Id);

    private sealed record SpecialEvent(int Id) : Event(Id);

    [Fact]
    public void Subscribers_must_receive_events_assignable_to_their_channel_once()
    {
        var all = CreateTestProbe();
        var special = CreateTestProbe();
        Assert.True(Sys.EventStream.Subscribe(all.Ref, typeof(Event)));
        Assert.True(Sys.EventStream.Subscribe(all.Ref, typeof(object)));
        Assert.False(Sys.EventStream.Subscribe(all.Ref, typeof(Event)));
        Sys.EventStream.Subscribe(special.Ref, typeof(SpecialEvent));

        Sys.EventStream.Publish(new Event(1));
        Sys.EventStream.Publish(new SpecialEvent(2));

        all.ExpectMsg(new Event(1));
        all.ExpectMsg<Event>(new SpecialEvent(2));
        all.ExpectNoMsg(TimeSpan.FromMilliseconds(50)); // once, though two subscriptions match
        special.ExpectMsg(new SpecialEvent(2));
    }

    [Fact]
    public void Unsubscribe_must_stop_delivery_per_channel_or_entirely()
    {
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe(probe.Ref, typeof(Event));
        Sys.EventStream.Subscribe(probe.Ref, typeof(string));
        Assert.True(Sys.EventStream.Unsubscribe(probe.Ref, typeof(Event)));
        Assert.False(Sys.EventStream.Unsubscribe(probe.Ref, typeof(Event)));
        Sys.EventStream.Publish(new Event(1));
        Sys.EventStream.Publish("still subscribed");
        probe.ExpectMsg("still subscribed");
        Assert.True(Sys.EventStream.Unsubscribe(probe.Ref));
        Sys.EventStream.Publish("gone");
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void A_subscriber_must_be_unsubscribed_when_it_stops()
    {
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe(probe.Ref, typeof(Event));
        Watch(probe.Ref);
        Sys.Stop(probe.Ref);
        ExpectTerminated(probe.Ref);
        Assert.False(Sys.EventStream.Unsubscribe(probe.Ref));
    }
}
