using Dpt.Cluster;

namespace Dpt.Shared.Tests.Cluster;

public class ClusterOptionsSpec
{
    [Fact]
    public void The_defaults_must_be_valid() => ClusterOptions.Default.Validate();

    [Theory]
    [InlineData(nameof(ClusterOptions.HeartbeatInterval), "0 ms", "[1 ms, 1 min]")]
    [InlineData(nameof(ClusterOptions.FailureDetectorThreshold), "0.5", "[1, 100]")]
    [InlineData(nameof(ClusterOptions.MaxSampleSize), "1", "[2, 100000]")]
    [InlineData(nameof(ClusterOptions.AutoDownUnreachableAfter), "-1 ms", "[0, 1 h]")]
    [InlineData(nameof(ClusterOptions.JoinTimeout), "0 ms", "[1 ms, 1 day]")]
    [InlineData(nameof(ClusterOptions.ProtocolVersion), "0", "[1, ")]
    public void An_option_out_of_range_must_be_named_with_its_value_and_range(string option, string value, string range)
    {
        var options = option switch
        {
            nameof(ClusterOptions.HeartbeatInterval) => ClusterOptions.Default with { HeartbeatInterval = TimeSpan.Zero },
            nameof(ClusterOptions.FailureDetectorThreshold) => ClusterOptions.Default with { FailureDetectorThreshold = 0.5 },
            nameof(ClusterOptions.MaxSampleSize) => ClusterOptions.Default with { MaxSampleSize = 1 },
            nameof(ClusterOptions.AutoDownUnreachableAfter) => ClusterOptions.Default with { AutoDownUnreachableAfter = TimeSpan.FromMilliseconds(-1) },
            nameof(ClusterOptions.JoinTimeout) => ClusterOptions.Default with { JoinTimeout = TimeSpan.Zero },
            _ => ClusterOptions.Default with { ProtocolVersion = 0 },
        };
        var e = Assert.Throws<ArgumentException>(options.Validate);
        Assert.StartsWith($"{option} is {value}; it must be in {range}", e.Message);
    }

    [Fact]
    public void A_NaN_threshold_must_be_rejected() =>
        Assert.Throws<ArgumentException>((ClusterOptions.Default with { FailureDetectorThreshold = double.NaN }).Validate);
}
