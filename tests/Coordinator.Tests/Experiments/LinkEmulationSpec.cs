using Dpt.Coordinator.Experiments;
using Dpt.Training;

namespace Dpt.Coordinator.Tests.Experiments;

public sealed class LinkEmulationSpec
{
    [Theory]
    [InlineData("rate=1gbit", 1e9, null, "rate=1gbit")]
    [InlineData("delay=0.5ms", null, 500.0, "delay=0.5ms")]
    [InlineData("rate=1gbit,delay=0.5ms", 1e9, 500.0, "rate=1gbit,delay=0.5ms")]
    [InlineData("delay=2ms, rate=100Mbit", 100e6, 2000.0, "rate=100mbit,delay=2ms")]
    [InlineData("rate=1.5kbit,delay=250us", 1.5e3, 250.0, "rate=1.5kbit,delay=0.25ms")]
    [InlineData("delay=0us", null, 0.0, "delay=0ms")]
    [InlineData("rate=100gbit,delay=10000ms", 100e9, 10e6, "rate=100gbit,delay=10000ms")]
    public void Link_must_parse_a_rate_a_delay_or_both(string text, double? bitsPerSecond, double? delayMicroseconds, string shown)
    {
        var link = LinkEmulation.Parse(text);

        Assert.Equal(bitsPerSecond, link.BitsPerSecond);
        Assert.Equal(delayMicroseconds is { } us ? TimeSpan.FromMicroseconds(us) : null, link.Delay);
        Assert.Equal(shown, link.ToString());
        Assert.Equal(link, LinkEmulation.Parse(link.ToString()));
    }

    [Theory]
    [InlineData("", "an empty part")]
    [InlineData("rate=1gbit,", "an empty part")]
    [InlineData("rate", "'rate' is not KEY=NUMBER followed by a unit")]
    [InlineData("rate=1", "'rate=1' is not KEY=NUMBER followed by a unit")]
    [InlineData("rate=fast", "'rate=fast' is not KEY=NUMBER")]
    [InlineData("rate=-1gbit", "'rate=-1gbit' is not KEY=NUMBER")]
    [InlineData("rate=1e3kbit", "'rate=1e3kbit' is not KEY=NUMBER")]
    [InlineData("delay=1,5ms", "'delay=1' is not KEY=NUMBER")]
    [InlineData("rate=1gb", "'gb' is not a rate unit (kbit, mbit or gbit)")]
    [InlineData("rate=10gbps", "'gbps' is not a rate unit")]
    [InlineData("delay=1s", "'s' is not a delay unit (us or ms)")]
    [InlineData("rate=0gbit", "rate 0gbit is out of range")]
    [InlineData("rate=101gbit", "rate 101gbit is out of range")]
    [InlineData("delay=10001ms", "delay 10001ms is out of range")]
    [InlineData("rate=1gbit,rate=2gbit", "rate is given twice")]
    [InlineData("delay=1ms,rate=1gbit,delay=2ms", "delay is given twice")]
    [InlineData("loss=1pct", "'loss' is neither rate nor delay")]
    public void Link_must_refuse_anything_else_naming_the_option_the_value_and_what_is_accepted(string text, string reason)
    {
        var e = Assert.Throws<InvalidOptionException>(() => LinkEmulation.Parse(text));

        Assert.Equal("--link", e.Option);
        Assert.Equal(text, e.Value);
        Assert.StartsWith($"--link: '{text}' is not valid; expected rate=<n>kbit|mbit|gbit, delay=<n>us|ms or both", e.Message);
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void Link_must_not_be_constructed_without_a_rate_or_a_delay_or_out_of_range()
    {
        Assert.Throws<ArgumentException>(() => new LinkEmulation(null, null));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinkEmulation(0, null));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinkEmulation(null, TimeSpan.FromSeconds(11)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinkEmulation(null, TimeSpan.FromTicks(-1)));
    }
}
