// The recipe for an actor: how to construct it (again, on every restart), on which dispatcher it
// runs and, optionally, how it supervises its children.
using System.Linq.Expressions;
using System.Runtime.CompilerServices;

namespace Dpt.Actors;

/// <summary>Immutable recipe for creating an actor, as given to <c>ActorOf</c>.</summary>
public sealed class Props
{
    private readonly Func<ActorBase> _factory;

    private Props(Type actorType, Func<ActorBase> factory, string dispatcher, SupervisorStrategy? supervisorStrategy)
    {
        ActorType = actorType;
        _factory = factory;
        Dispatcher = dispatcher;
        SupervisorStrategy = supervisorStrategy;
    }

    /// <summary>Props whose actors are made by <paramref name="factory"/>, called once per start and
    /// restart: <c>Props.Create(() => new Worker(rank, parameterServer))</c>. The factory must
    /// return a new instance each time.</summary>
    [OverloadResolutionPriority(1)] // a lambda binds here, not to the Expression overload, so nothing is compiled
    public static Props Create<TActor>(Func<TActor> factory) where TActor : ActorBase
    {
        ArgumentNullException.ThrowIfNull(factory);
        return new Props(typeof(TActor), factory, Dispatchers.Default, null);
    }

    /// <summary>Props from a factory expression (Akka's signature), compiled once.</summary>
    public static Props Create<TActor>(Expression<Func<TActor>> factory) where TActor : ActorBase
    {
        ArgumentNullException.ThrowIfNull(factory);
        return Create(factory.Compile());
    }

    /// <summary>Props for an actor with a parameterless constructor.</summary>
    public static Props Create<TActor>() where TActor : ActorBase, new() => Create(static () => new TActor());

    /// <summary>The type of actor these props create.</summary>
    public Type ActorType { get; }

    /// <summary>The dispatcher id (<see cref="Dispatchers"/>); default <see cref="Dispatchers.Default"/>.</summary>
    public string Dispatcher { get; }

    /// <summary>The strategy the actor applies to its children; when null the actor's own
    /// <c>SupervisorStrategy()</c> override decides (by default <see cref="Actors.SupervisorStrategy.DefaultStrategy"/>).</summary>
    public SupervisorStrategy? SupervisorStrategy { get; }

    /// <summary>These props on another dispatcher ("default" or "pinned").</summary>
    public Props WithDispatcher(string dispatcher)
    {
        ArgumentNullException.ThrowIfNull(dispatcher);
        if (!Dispatchers.IsKnown(dispatcher))
            throw new ArgumentException($"unknown dispatcher [{dispatcher}]; known: {Dispatchers.Default}, {Dispatchers.Pinned}, thread:<name>", nameof(dispatcher));
        return new Props(ActorType, _factory, dispatcher, SupervisorStrategy);
    }

    /// <summary>These props with a strategy for the actor's children, overriding the actor's own.</summary>
    public Props WithSupervisorStrategy(SupervisorStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        return new Props(ActorType, _factory, Dispatcher, strategy);
    }

    /// <summary>Runs the factory; the cell has announced itself to <see cref="ActorBase"/>'s constructor.</summary>
    internal ActorBase NewActor() =>
        _factory() ?? throw new InvalidOperationException($"the factory of Props for {ActorType.Name} returned null");

    public override string ToString() => $"Props({ActorType.Name}, dispatcher: {Dispatcher})";
}
