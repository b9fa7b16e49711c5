// The switch that runs socket continuations on the runtime's event thread: a program turns it on unless its
// environment already decides, and the processes it starts inherit the choice.
using Dpt.Remoting;

namespace Dpt.Shared.Tests.Remoting;

public sealed class SocketCompletionsSpec
{
    [Fact]
    public void Must_turn_the_switch_on_where_the_environment_is_silent_and_leave_a_users_choice_alone()
    {
        string? saved = Environment.GetEnvironmentVariable(SocketCompletions.Variable);
        try
        {
            Environment.SetEnvironmentVariable(SocketCompletions.Variable, null);
            SocketCompletions.PreferInline();
            Assert.Equal("1", Environment.GetEnvironmentVariable(SocketCompletions.Variable));

            Environment.SetEnvironmentVariable(SocketCompletions.Variable, "0");
            SocketCompletions.PreferInline();
            Assert.Equal("0", Environment.GetEnvironmentVariable(SocketCompletions.Variable));
        }
        finally
        {
            Environment.SetEnvironmentVariable(SocketCompletions.Variable, saved);
        }
    }

    [Fact]
    public void Must_name_the_runtimes_own_switch() =>
        Assert.Equal("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", SocketCompletions.Variable);
}
