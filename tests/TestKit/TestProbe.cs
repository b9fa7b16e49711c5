// A stand-in actor for tests: hand its Ref to the actor under test in place of a collaborator,
// then assert on what the actor sends it, and reply or forward on its behalf.
using Dpt.Actors;

namespace Dpt.TestKit;

/// <summary>An extra test actor with its own message queue and expectations, in the system of the
/// TestKit that created it (<see cref="TestKit.CreateTestProbe"/>).</summary>
public sealed class TestProbe : TestKitBase
{
    internal TestProbe(ActorSystem system, string? name)
        : base(_ => system, name) { }

    /// <summary>The probe's ref, to hand to the actors under test.</summary>
    public IActorRef Ref => TestActor;

    /// <summary>Sends <paramref name="message"/> to the probe itself (as if from <paramref name="sender"/>).</summary>
    public void Tell(object message, IActorRef? sender = null) => Ref.Tell(message, sender);

    public override string ToString() => $"TestProbe({Ref.Path})";
}
