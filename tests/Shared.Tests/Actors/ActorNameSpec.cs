using Dpt.Actors;

namespace Dpt.Shared.Tests.Actors;

public class ActorNameSpec
{
    [Theory]
    [InlineData(0, "$a")]
    [InlineData(1, "$b")]
    [InlineData(25, "$z")]
    [InlineData(26, "$ba")]
    [InlineData(27 * 26, "$bba")]
    public void Generated_names_must_count_in_base_26_after_a_dollar(long n, string expected)
    {
        Assert.Equal(expected, ActorName.Generated(n));
    }

    [Fact]
    public void Generated_names_must_be_distinct_and_valid_path_elements()
    {
        var names = Enumerable.Range(0, 2_000).Select(i => ActorName.Generated(i)).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.All(names, name => ActorName.ValidateCharacters(name));
    }

    [Theory]
    [InlineData("worker-1")]
    [InlineData("ps_0")]
    [InlineData("a:b@c")]
    public void Valid_user_names_must_pass(string name)
    {
        ActorName.ValidateUserName(name);
    }

    [Theory]
    [InlineData("trainer")]
    [InlineData("node-1_a")]
    [InlineData("9lives")]
    public void Valid_system_names_must_pass(string name)
    {
        ActorName.ValidateSystemName(name, "name");
    }
}
