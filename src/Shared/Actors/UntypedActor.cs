// An actor with one OnReceive method, as in Akka.NET; it calls Unhandled itself for messages it
// does not understand.

namespace Dpt.Actors;

/// <summary>A behaviour of an <see cref="UntypedActor"/>; it handles every message (calling
/// <c>Unhandled</c> for those it does not understand).</summary>
public delegate void UntypedReceive(object message);

/// <summary>An actor whose behaviour is <see cref="OnReceive"/>.</summary>
public abstract class UntypedActor : ActorBase
{
    protected sealed override bool Receive(object message)
    {
        OnReceive(message);
        return true;
    }

    /// <summary>Processes one message; call <c>Unhandled(message)</c> for messages not understood.</summary>
    protected abstract void OnReceive(object message);

    /// <summary>Replaces the behaviour.</summary>
    protected void Become(UntypedReceive receive) => Context.Become(Handled(receive));

    /// <summary>Pushes a behaviour; <see cref="UnbecomeStacked"/> pops it.</summary>
    protected void BecomeStacked(UntypedReceive receive) => Context.BecomeStacked(Handled(receive));

    /// <summary>Returns to the behaviour before the last <see cref="BecomeStacked"/>.</summary>
    protected void UnbecomeStacked() => Context.UnbecomeStacked();

    private static Receive Handled(UntypedReceive receive)
    {
        ArgumentNullException.ThrowIfNull(receive);
        return message =>
        {
            receive(message);
            return true;
        };
    }
}
