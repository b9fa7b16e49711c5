// Local mode: the coordinator, the parameter server and N worker actors in one process, each on a
// thread of its own. Workers share the loaded data sets (read-only) and read the parameter server's
// buffer in place, so nothing is copied per step.
using Dpt.Actors;
using Dpt.Coordinator.ParameterServer;
using Dpt.Coordinator.Training;
using Dpt.Worker;
using static Dpt.Coordinator.Training.CoordinatorProtocol;

namespace Dpt.Coordinator.Local;

public static class LocalTraining
{
    /// <summary>Starts training in <paramref name="system"/>; progress goes to <paramref name="listener"/>. Returns the coordinator.</summary>
    public static IActorRef Start(ActorSystem system, TrainingSetup setup, IActorRef listener)
    {
        var parameterServer = system.ActorOf(ParameterServerActor.Props(setup.CreateParameterServerState()), "parameter-server");
        var coordinator = system.ActorOf(CoordinatorActor.Props(new CoordinatorState(setup.Plan), parameterServer, listener), "coordinator");
        for (int i = 1; i <= setup.Options.Workers; i++)
        {
            string name = $"worker-{i}";
            var computer = new ShardComputer(setup.Model, setup.Data.Train, setup.Data.Test, setup.Data.Validation,
                setup.Options.Seed, chunk: setup.Options.BatchSize);
            var worker = system.ActorOf(WorkerActor.Props(name, computer, parameterServer), name);
            coordinator.Tell(new RegisterWorker(name, worker));
        }
        return coordinator;
    }
}
