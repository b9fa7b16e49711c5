// Link rates and durations as the simulator's options take them, and the one-line error for anything else.
using Dpt.Coordinator.Experiments;
using Dpt.Training;

namespace Dpt.Coordinator.Tests.Experiments;

public sealed class UnitsSpec
{
    [Theory]
    [InlineData("10Gbit", 1.25e9)]
    [InlineData("1gbit", 1.25e8)]
    [InlineData("100mbit", 1.25e7)]
    [InlineData("10Gbit/s", 1.25e9)]
    [InlineData("25gbps", 25e9 / 8)]
    [InlineData("1.25GB/s", 1.25e9)]
    [InlineData(" 512kbit ", 64e3)]
    public void ParseBandwidth_must_read_bits_and_bytes_per_second(string text, double bytesPerSecond) =>
        Assert.Equal(bytesPerSecond, Units.ParseBandwidth("--bandwidth", text), 6);

    [Theory]
    [InlineData("50us", 50e-6)]
    [InlineData("50µs", 50e-6)]
    [InlineData("0.5ms", 0.5e-3)]
    [InlineData("2s", 2)]
    [InlineData("100ns", 100e-9)]
    [InlineData("0us", 0)]
    public void ParseDuration_must_read_seconds_and_their_fractions(string text, double seconds) =>
        Assert.Equal(seconds, Units.ParseDuration("--latency", text), 12);

    [Theory]
    [InlineData("10")]
    [InlineData("fast")]
    [InlineData("10Gbyte")]
    [InlineData("0gbit")]
    [InlineData("-1gbit")]
    [InlineData("")]
    public void ParseBandwidth_must_refuse_a_rate_without_a_known_unit_or_not_positive_naming_the_option_and_value(string text)
    {
        var e = Assert.Throws<InvalidOptionException>(() => Units.ParseBandwidth("--bandwidth", text));
        Assert.Equal($"--bandwidth: '{text}' is not valid; {Units.AcceptedBandwidth}", e.Message);
    }

    [Theory]
    [InlineData("50")]
    [InlineData("-1ms")]
    [InlineData("1 hour")]
    [InlineData("ms")]
    public void ParseDuration_must_refuse_a_duration_without_a_unit_or_negative(string text)
    {
        var e = Assert.Throws<InvalidOptionException>(() => Units.ParseDuration("--latency", text));
        Assert.StartsWith($"--latency: '{text}' is not valid; expected a duration >= 0 with a unit", e.Message);
    }

    [Fact]
    public void Format_must_write_what_a_person_would_type()
    {
        Assert.Equal("10 Gbit/s", Units.FormatBandwidth(1.25e9));
        Assert.Equal("50 us", Units.FormatDuration(50e-6));
        Assert.Equal("500 us", Units.FormatDuration(0.5e-3));
        Assert.Equal("1.5 ms", Units.FormatDuration(1.5e-3));
    }
}
