// The base class of actor tests under xunit (after Akka.TestKit.Xunit2): a fresh actor system per
// test named after the test class, a test actor with expectations, test probes, the system's log
// in the test output, and a shutdown on Dispose that fails the test if actors do not stop.
using System.Text;
using Dpt.Actors;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Dpt.TestKit;

/// <summary>Derive a test class from it; xunit creates one instance (and so one system) per test.
/// A <c>Tell</c> without sender from the test thread has <see cref="TestKitBase.TestActor"/> as sender.</summary>
public abstract class TestKit : TestKitBase, IDisposable
{
    private readonly IActorRef? _previousImplicitSender;
    private bool _disposed;

    /// <summary>Creates the system (named <paramref name="systemName"/> or after the test class) with
    /// <paramref name="settings"/>, logging to <paramref name="output"/> when given.</summary>
    protected TestKit(ITestOutputHelper? output = null, ActorSystemSettings? settings = null, string? systemName = null)
        : base(kit => CreateSystem(kit.GetType(), output, settings, systemName), "testActor")
    {
        Output = output;
        _previousImplicitSender = ActorRefs.ImplicitSenderOutsideActors;
        ActorRefs.ImplicitSenderOutsideActors = TestActor;
    }

    /// <summary>The test's output, if given.</summary>
    protected ITestOutputHelper? Output { get; }

    /// <summary>Creates a probe; <paramref name="name"/> must be unique in the system (default: generated).</summary>
    public TestProbe CreateTestProbe(string? name = null) => new(Sys, name);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Terminates the system, failing if it does not terminate within its
    /// <see cref="ActorSystemSettings.TerminationTimeout"/> (dilated).</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (!disposing || _disposed) return;
        _disposed = true;
        if (Equals(ActorRefs.ImplicitSenderOutsideActors, TestActor)) ActorRefs.ImplicitSenderOutsideActors = _previousImplicitSender;
        var max = Dilated(Sys.Settings.TerminationTimeout);
        if (!Sys.Terminate().Wait(max))
            throw new XunitException($"Actor system [{Sys.Name}] did not terminate within {max.TotalMilliseconds:0} ms: is an actor blocked in a handler?");
    }

    private static ActorSystem CreateSystem(Type testClass, ITestOutputHelper? output, ActorSystemSettings? settings, string? systemName)
    {
        settings ??= ActorSystemSettings.Default;
        if (output is not null) settings = settings with { LoggerFactory = new TestOutputLoggerFactory(output) };
        return ActorSystem.Create(systemName ?? SystemNameFor(testClass), settings);
    }

    /// <summary>The class name with characters a system name cannot have replaced by '-'.</summary>
    private static string SystemNameFor(Type testClass)
    {
        var name = new StringBuilder();
        foreach (char c in testClass.Name) name.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-');
        if (name.Length == 0 || !char.IsAsciiLetterOrDigit(name[0])) name.Insert(0, 'T');
        return name.ToString();
    }
}
