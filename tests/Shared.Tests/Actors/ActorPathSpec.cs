using Dpt.Actors;

namespace Dpt.Shared.Tests.Actors;

public class ActorPathSpec
{
    private static readonly Address Remote = Address.Remote("trainer", "host", 4053);

    [Fact]
    public void ActorPath_must_format_address_and_elements()
    {
        var root = ActorPath.RootOf(Remote);
        var worker = root / "user" / "worker-1";
        Assert.Equal("dpt://trainer@host:4053/", root.ToString());
        Assert.Equal("dpt://trainer@host:4053/user/worker-1", worker.ToString());
        Assert.Equal("/user/worker-1", worker.ToStringWithoutAddress());
        Assert.Equal("dpt://trainer/user/worker-1", (ActorPath.RootOf(Address.Local("trainer")) / "user" / "worker-1").ToString());
        Assert.Equal("worker-1", worker.Name);
        Assert.Equal("/", root.Name);
        Assert.Equal(["user", "worker-1"], worker.Elements);
    }

    [Fact]
    public void ActorPath_must_navigate_to_parent_and_root()
    {
        var worker = ActorPath.RootOf(Remote) / "user" / "worker-1";
        Assert.Equal(ActorPath.RootOf(Remote) / "user", worker.Parent);
        Assert.Equal(ActorPath.RootOf(Remote), worker.Root);
        Assert.Null(worker.Root.Parent);
    }

    [Theory]
    [InlineData("dpt://trainer@host:4053/user/worker-1")]
    [InlineData("dpt://trainer/user/$a/b")]
    [InlineData("dpt://trainer/")]
    [InlineData("dpt://trainer@[::1]:1/system/testActor")]
    public void ActorPath_must_parse_back_what_it_formats(string text)
    {
        var path = ActorPath.Parse(text);
        Assert.Equal(text, path.ToString());
        Assert.Equal(path, ActorPath.Parse(path.ToString()));
    }

    [Fact]
    public void ActorPath_must_carry_the_uid_in_the_serialization_format_but_not_in_equality()
    {
        var path = (ActorPath.RootOf(Remote) / "user" / "w").WithUid(42);
        Assert.Equal("dpt://trainer@host:4053/user/w#42", path.ToSerializationFormat());
        Assert.Equal("dpt://trainer@host:4053/user/w", path.ToString());
        var parsed = ActorPath.Parse("dpt://trainer@host:4053/user/w#42");
        Assert.Equal(42, parsed.Uid);
        Assert.Equal(path.WithUid(7), parsed);
        Assert.Equal(path.WithUid(7).GetHashCode(), parsed.GetHashCode());
    }

    [Fact]
    public void ActorPath_a_root_without_trailing_slash_must_parse_as_the_root()
    {
        var root = ActorPath.Parse("dpt://trainer");
        Assert.Empty(root.Elements);
        Assert.Equal("dpt://trainer/", root.ToString());
    }

    [Fact]
    public void ActorPath_must_compare_address_and_every_element()
    {
        var a = ActorPath.Parse("dpt://t@h:1/user/a");
        Assert.Equal(a, ActorPath.Parse("dpt://t@h:1/user/a"));
        Assert.True(a == ActorPath.Parse("dpt://t@h:1/user/a"));
        Assert.NotEqual(a, ActorPath.Parse("dpt://t@h:2/user/a"));
        Assert.NotEqual(a, ActorPath.Parse("dpt://t@h:1/user/b"));
        Assert.NotEqual(a, ActorPath.Parse("dpt://t@h:1/user/a/b"));
        Assert.NotEqual(a, ActorPath.Parse("dpt://t@h:1/user"));
    }

    [Fact]
    public void ActorPath_WithAddress_must_keep_elements_and_uid()
    {
        var local = (ActorPath.RootOf(Address.Local("trainer")) / "user" / "ps").WithUid(5);
        var published = local.WithAddress(Remote);
        Assert.Equal("dpt://trainer@host:4053/user/ps#5", published.ToSerializationFormat());
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("/user/a", "protocol://")]
    [InlineData("dpt://trainer/user//a", "empty path element")]
    [InlineData("dpt://trainer/user/a/", "empty path element")]
    [InlineData("dpt://trainer/user/a b", "contains ' '")]
    [InlineData("dpt://trainer/user/a#x", "uid [x] is not a number")]
    public void ActorPath_parse_must_reject_malformed_text_saying_why(string text, string reason)
    {
        var error = Assert.Throws<FormatException>(() => ActorPath.Parse(text));
        Assert.Contains(reason, error.Message);
        Assert.False(ActorPath.TryParse(text, out _));
    }

    [Fact]
    public void ActorPath_child_must_reject_names_that_would_not_parse_back()
    {
        var root = ActorPath.RootOf(Remote);
        Assert.Contains("'/'", Assert.Throws<InvalidActorNameException>(() => root / "a/b").Message);
        Assert.Throws<InvalidActorNameException>(() => root / "");
        Assert.Contains("'#'", Assert.Throws<InvalidActorNameException>(() => root / "a#1").Message);
    }
}
