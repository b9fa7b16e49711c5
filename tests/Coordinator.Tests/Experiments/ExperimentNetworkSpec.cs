using Dpt.Coordinator.Experiments;

namespace Dpt.Coordinator.Tests.Experiments;

public sealed class ExperimentNetworkSpec
{
    private static readonly LinkEmulation Link = LinkEmulation.Parse("rate=1gbit,delay=0.5ms");

    [Fact]
    public void Without_a_link_the_network_must_be_loopback_and_say_nothing()
    {
        var notices = new List<string>();
        using var network = ExperimentNetwork.Create(null, 2, notices.Add, () => throw new InvalidOperationException("not asked"),
            () => throw new InvalidOperationException("not made"));

        Assert.Empty(notices);
        Assert.Null(network.Namespaces);
        Assert.Equal("127.0.0.1", network.CoordinatorListen.Host);
        Assert.Equal(TimeSpan.Zero, network.SendDelay);
        Assert.Equal("none: loopback (127.0.0.1)", network.Description);
        var launch = network.Launch(1, "127.0.0.1:4053", "secret");
        Assert.Equal(("127.0.0.1:4053", "127.0.0.1:0", TimeSpan.Zero, null), (launch.Join, launch.Listen, launch.SendDelay, launch.Prefix));
    }

    [Fact]
    public void Where_namespaces_cannot_be_made_the_network_must_say_why_in_one_line_and_keep_the_delay_on_loopback()
    {
        var notices = new List<string>();
        using var network = ExperimentNetwork.Create(Link, 2, notices.Add, () => "creating network namespaces needs root, and this process runs as uid 1000",
            () => throw new InvalidOperationException("not made"));

        Assert.Equal(
            "--link: cannot create network namespaces (creating network namespaces needs root, and this process runs as uid 1000); "
            + "running on loopback with 0.5ms added to each message each way by the transport; rate=1gbit is not applied",
            Assert.Single(notices));
        Assert.Null(network.Namespaces);
        Assert.Equal("127.0.0.1", network.CoordinatorListen.Host);
        var launch = network.Launch(2, "127.0.0.1:4053", "secret");
        Assert.Equal(("127.0.0.1:0", TimeSpan.FromMilliseconds(0.5), null), (launch.Listen, launch.SendDelay, launch.Prefix));
        Assert.Equal(TimeSpan.FromMilliseconds(0.5), network.SendDelay);
        Assert.Contains("the rate 1gbit was NOT applied", network.Description);
        Assert.StartsWith("cluster: every worker a dpt-worker process on this machine, joined over loopback", network.Mode);
    }

    [Fact]
    public void When_making_the_namespaces_fails_the_network_must_fall_back_to_loopback_naming_the_command()
    {
        var notices = new List<string>();
        using var network = ExperimentNetwork.Create(LinkEmulation.Parse("rate=10mbit"), 1, notices.Add, () => null,
            () => throw new InvalidOperationException("tc qdisc add dev dpt1234h1 root tbf rate 10000000bit burst 32768 latency 100ms failed (2): Error: Specified qdisc kind is unknown."));

        Assert.Equal("--link: cannot create network namespaces (tc qdisc add dev dpt1234h1 root tbf rate 10000000bit burst 32768 latency 100ms failed (2): "
                     + "Error: Specified qdisc kind is unknown.); running on loopback; rate=10mbit is not applied", Assert.Single(notices));
        Assert.Equal(TimeSpan.Zero, network.SendDelay);
    }
}
