// A listener actor that hands every training event to a channel, so plain async code (the command
// line, a benchmark, a test) can await the coordinator's reports in order.
using System.Threading.Channels;
using Dpt.Actors;

namespace Dpt.Coordinator.Local;

public sealed class ChannelListener : ReceiveActor
{
    public ChannelListener(ChannelWriter<object> events) => ReceiveAny(e => events.TryWrite(e));

    public static Props Props(ChannelWriter<object> events) => Actors.Props.Create(() => new ChannelListener(events));
}
