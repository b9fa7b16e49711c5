using Dpt.Actors;

namespace Dpt.Shared.Tests.Actors;

public class ActorSystemSettingsSpec
{
    [Fact]
    public void Default_settings_must_be_valid()
    {
        ActorSystemSettings.Default.Validate();
    }

    public static TheoryData<ActorSystemSettings, string> InvalidSettings => new()
    {
        { new ActorSystemSettings { Throughput = 0 }, "Throughput is 0; it must be in [1, 10000]" },
        { new ActorSystemSettings { Throughput = 10_001 }, "Throughput is 10001" },
        { new ActorSystemSettings { PinnedSpinDuration = TimeSpan.FromMilliseconds(-1) }, "PinnedSpinDuration is -1000 µs" },
        { new ActorSystemSettings { PinnedSpinDuration = TimeSpan.FromMilliseconds(11) }, "PinnedSpinDuration is 11000 µs; it must be in [0, 10000] µs" },
        { new ActorSystemSettings { ThreadSpinDuration = TimeSpan.FromMicroseconds(-1) }, "ThreadSpinDuration is -1 µs" },
        { new ActorSystemSettings { ThreadSpinDuration = TimeSpan.FromMilliseconds(10.5) }, "ThreadSpinDuration is 10500 µs; it must be in [0, 10000] µs" },
        { new ActorSystemSettings { TerminationTimeout = TimeSpan.Zero }, "TerminationTimeout is 00:00:00" },
        { new ActorSystemSettings { LoggerFactory = null! }, "LoggerFactory must not be null" },
        { new ActorSystemSettings { GuardianSupervisorStrategy = null! }, "GuardianSupervisorStrategy must not be null" },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void Validate_must_name_the_option_its_value_and_the_valid_range(ActorSystemSettings settings, string expected)
    {
        var error = Assert.Throws<ArgumentException>(settings.Validate);
        Assert.Contains(expected, error.Message);
    }
}
