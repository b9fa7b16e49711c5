// The top of every actor tree: the root guardian "/" with the user guardian "/user" (parent of
// ActorSystem.ActorOf actors) and the system guardian "/system" (runtime and TestKit actors), and
// above the root a pseudo-ref that completes the system's termination when the root stops.
using Microsoft.Extensions.Logging;

namespace Dpt.Actors;

/// <summary>The root guardian: stops itself (and so the system) once the user guardian has stopped,
/// and stops a guardian that fails.</summary>
internal sealed class RootGuardianActor : ActorBase
{
    protected override void PreStart() => Context.Watch(Context.Child("user"));

    protected override bool Receive(object message)
    {
        if (message is not Terminated) return false;
        Context.Stop(Self);
        return true;
    }

    protected override SupervisorStrategy SupervisorStrategy() => Actors.SupervisorStrategy.StoppingStrategy;
}

/// <summary>The user or system guardian: supervises the top-level actors with <paramref name="strategy"/>.</summary>
internal sealed class GuardianActor(SupervisorStrategy strategy) : ActorBase
{
    protected override bool Receive(object message) => false;

    protected override SupervisorStrategy SupervisorStrategy() => strategy;
}

/// <summary>The parent of the root guardian: completes the system's termination when the root
/// stops, and stops the root if it fails.</summary>
internal sealed class RootParentRef(ActorSystem system, ActorPath path) : InternalActorRefBase
{
    public override ActorPath Path { get; } = path;

    public override bool IsLocal => true;

    public override ActorRefProvider Provider => system.Provider;

    public override void Tell(object message, IActorRef? sender = null) =>
        system.PublishDeadLetter(message, SenderOrImplicit(sender), this);

    public override void SendSystemMessage(ISystemMessage message)
    {
        switch (message)
        {
            case SystemMessages.Failed failed:
                system.Log.LogCritical(failed.Cause, "The root guardian of {System} failed; terminating the system", system.Name);
                failed.Child.SendSystemMessage(SystemMessages.Terminate.Instance);
                break;
            case SystemMessages.DeathWatchNotification:
                system.RootTerminated();
                break;
        }
    }
}
