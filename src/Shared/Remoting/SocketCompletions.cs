// Socket completions on the event thread. On Linux, .NET hands every socket completion from its epoll thread to the
// thread pool: one more thread hop per message received, and on this project's 2-core VM each hop is a wake-up of
// 20-50 µs and CPU taken from the workers' compute. The transport's continuations never block (frames are decoded
// and handed to mailboxes; each connection's writer has a thread of its own), so a node runs them on the event
// thread. The runtime reads this switch from the environment once, when the first socket starts; a program sets it
// before anything else, and the worker processes it starts inherit it.
namespace Dpt.Remoting;

public static class SocketCompletions
{
    /// <summary>The runtime's switch (System.Net.Sockets on Unix): "1" runs socket continuations on the epoll thread.</summary>
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Turns inline socket completions on for this process, unless its environment already sets the switch
    /// (to "0", say, to measure without). Call it before the first socket is made.</summary>
    public static void PreferInline()
    {
        if (Environment.GetEnvironmentVariable(Variable) is null) Environment.SetEnvironmentVariable(Variable, "1");
    }
}
