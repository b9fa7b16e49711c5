using Dpt.Actors;

namespace Dpt.Shared.Tests.Actors;

public class AddressSpec
{
    [Fact]
    public void Address_must_format_local_and_remote_forms()
    {
        Assert.Equal("dpt://trainer", Address.Local("trainer").ToString());
        Assert.Equal("dpt://trainer@10.0.0.5:4053", Address.Remote("trainer", "10.0.0.5", 4053).ToString());
        Assert.Equal("dpt://trainer@host", new Address("dpt", "trainer", "host").ToString());
        Assert.True(Address.Local("trainer").HasLocalScope);
        Assert.False(Address.Remote("trainer", "h", 1).HasLocalScope);
    }

    [Theory]
    [InlineData("dpt://trainer")]
    [InlineData("dpt://trainer@10.0.0.5:4053")]
    [InlineData("dpt://trainer@worker-3.cluster.local")]
    [InlineData("dpt://trainer@[::1]:4053")]
    [InlineData("tcp+dpt://a_b-1@h:0")]
    public void Address_must_parse_back_what_it_formats(string text)
    {
        var address = Address.Parse(text);
        Assert.Equal(text, address.ToString());
        Assert.Equal(address, Address.Parse(address.ToString()));
    }

    [Fact]
    public void Address_parse_must_split_the_parts()
    {
        var address = Address.Parse("dpt://trainer@[::1]:4053");
        Assert.Equal(("dpt", "trainer", "[::1]", (int?)4053), (address.Protocol, address.System, address.Host, address.Port));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("trainer", "protocol://")]
    [InlineData("dpt://", "actor system name")]
    [InlineData("dpt://bad name", "actor system name")]
    [InlineData("dpt://trainer@host:port", "port [port] is not a number")]
    [InlineData("dpt://trainer@host:70000", "65535")]
    [InlineData("dpt://trainer@:80", "host")]
    public void Address_parse_must_reject_malformed_text_saying_why(string text, string reason)
    {
        var error = Assert.Throws<FormatException>(() => Address.Parse(text));
        Assert.Contains(reason, error.Message);
        Assert.False(Address.TryParse(text, out _));
    }

    [Fact]
    public void Address_must_refuse_a_port_without_a_host()
    {
        var error = Assert.Throws<ArgumentException>(() => new Address("dpt", "trainer", null, 4053));
        Assert.Contains("without a host", error.Message);
    }

    [Fact]
    public void Addresses_must_be_equal_exactly_when_all_parts_are()
    {
        Assert.Equal(Address.Remote("t", "h", 1), Address.Remote("t", "h", 1));
        Assert.True(Address.Remote("t", "h", 1) == Address.Parse("dpt://t@h:1"));
        Assert.NotEqual(Address.Remote("t", "h", 1), Address.Remote("t", "h", 2));
        Assert.NotEqual(Address.Local("t"), Address.Remote("t", "h", 1));
        Assert.NotEqual(Address.Local("t"), Address.Local("u"));
        Assert.Equal(Address.Local("t").GetHashCode(), Address.Parse("dpt://t").GetHashCode());
    }
}
