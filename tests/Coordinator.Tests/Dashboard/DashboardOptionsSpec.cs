// --dashboard's value: PORT on the loopback or HOST:PORT, port 0 for a free one; anything else is the one-line
// option error naming the option, the value and what is accepted.
using System.Net;
using Dpt.Coordinator.Dashboard;
using Dpt.Training;

namespace Dpt.Coordinator.Tests.Dashboard;

public sealed class DashboardOptionsSpec
{
    [Theory]
    [InlineData("8080", "127.0.0.1", 8080)]
    [InlineData("0", "127.0.0.1", 0)]
    [InlineData("127.0.0.1:0", "127.0.0.1", 0)]
    [InlineData("localhost:9000", "localhost", 9000)]
    [InlineData("0.0.0.0:8080", "0.0.0.0", 8080)]
    [InlineData("[::1]:8080", "::1", 8080)]
    public void A_port_or_host_and_port_must_parse(string text, string host, int port)
    {
        var options = DashboardOptions.Parse(text);

        Assert.Equal((host, port), (options.Host, options.Port));
    }

    [Theory]
    [InlineData("", "it is empty")]
    [InlineData("70000", "port '70000' is not a number from 0 to 65535")]
    [InlineData("localhost", "the port is missing")]
    [InlineData("127.0.0.1:http", "port 'http' is not a number from 0 to 65535")]
    [InlineData("::1:80", "in brackets")]
    public void A_bad_value_must_name_the_option_the_value_and_what_is_accepted(string text, string problem)
    {
        var e = Assert.Throws<InvalidOptionException>(() => DashboardOptions.Parse(text));

        Assert.Equal("--dashboard", e.Option);
        Assert.Equal(text, e.Value);
        Assert.StartsWith($"--dashboard: '{text}' is not valid; expected PORT or HOST:PORT", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Theory]
    [InlineData("8080", "127.0.0.1", false)]
    [InlineData("localhost:1", "127.0.0.1", false)]
    [InlineData("0.0.0.0:1", "0.0.0.0", true)]
    [InlineData("[::]:1", "::", true)]
    public void The_address_must_be_the_loopback_unless_another_is_given(string text, string address, bool everyInterface)
    {
        var options = DashboardOptions.Parse(text);

        Assert.Equal(IPAddress.Parse(address), options.Address());
        Assert.Equal(everyInterface, options.EveryInterface);
    }
}
