using Dpt.Remoting;

namespace Dpt.Shared.Tests.Remoting;

public class RemoteSettingsSpec
{
    private static readonly byte[] Secret = [.. Enumerable.Range(0, 32).Select(i => (byte)(200 + i % 50))];

    [Fact]
    public void RemoteSettings_must_accept_the_defaults_with_a_secret() => new RemoteSettings { Secret = Secret }.Validate();

    [Theory]
    [InlineData("Secret", "8 bytes", "at least 16 bytes")]
    [InlineData("MaxFrameBytes", "100", "[1024, 1073741824] bytes")]
    [InlineData("SendQueueLimitBytes", "10", "[65536, 4294967296] bytes")]
    [InlineData("FragmentBytes", "0", "[1024, 16777216] bytes")]
    [InlineData("SharedMemoryBytes", "4096", "0 (off) or [65536, 1073741824] bytes")]
    [InlineData("SharedMemoryDirectory", "[dev/shm]", "an absolute path without '.', '..', repeated or trailing '/'")]
    [InlineData("SharedMemoryDirectory", "[/dev/shm/]", "an absolute path")]
    [InlineData("SharedMemoryDirectory", "[/dev/shm/../etc]", "an absolute path")]
    [InlineData("ListenPort", "70000", "[0, 65535]")]
    [InlineData("HandshakeTimeout", "00:00:00", "[00:00:00.1000000, 00:05:00]")]
    [InlineData("SendDelay", "00:01:00", "[00:00:00, 00:00:10]")]
    [InlineData("TlsCertificate", "null", "a certificate with its private key")]
    [InlineData("PublicHostName", "null", "required when ListenHost is the wildcard 0.0.0.0")]
    public void RemoteSettings_must_name_the_setting_its_value_and_the_valid_range(string setting, string value, string range)
    {
        var settings = setting switch
        {
            "Secret" => new RemoteSettings { Secret = new byte[8] },
            "MaxFrameBytes" => new RemoteSettings { Secret = Secret, MaxFrameBytes = 100 },
            "SendQueueLimitBytes" => new RemoteSettings { Secret = Secret, SendQueueLimitBytes = 10 },
            "FragmentBytes" => new RemoteSettings { Secret = Secret, FragmentBytes = 0 },
            "SharedMemoryBytes" => new RemoteSettings { Secret = Secret, SharedMemoryBytes = 4096 },
            "SharedMemoryDirectory" => new RemoteSettings { Secret = Secret, SharedMemoryDirectory = value[1..^1] },
            "ListenPort" => new RemoteSettings { Secret = Secret, ListenPort = 70000 },
            "HandshakeTimeout" => new RemoteSettings { Secret = Secret, HandshakeTimeout = TimeSpan.Zero },
            "SendDelay" => new RemoteSettings { Secret = Secret, SendDelay = TimeSpan.FromMinutes(1) },
            "TlsCertificate" => new RemoteSettings { Secret = Secret, UseTls = true },
            _ => new RemoteSettings { Secret = Secret, ListenHost = "0.0.0.0" },
        };
        var e = Assert.Throws<ArgumentException>(settings.Validate);
        Assert.Contains($"RemoteSettings.{setting} is {value}", e.Message, StringComparison.Ordinal);
        Assert.Contains(range, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RemoteSettings_must_keep_the_secret_out_of_ToString_and_errors()
    {
        var settings = new RemoteSettings { Secret = Secret, MaxFrameBytes = 1 };
        string hex = Convert.ToHexString(Secret);
        Assert.DoesNotContain(hex, settings.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("32 bytes, hidden", settings.ToString(), StringComparison.Ordinal);
        var e = Assert.Throws<ArgumentException>(settings.Validate);
        Assert.DoesNotContain(hex, e.Message, StringComparison.OrdinalIgnoreCase);
    }
}
