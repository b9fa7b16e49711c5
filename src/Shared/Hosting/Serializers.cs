// Every message type that crosses the network between a coordinator node and a worker node, in one
// registry: membership (ids 20-49), training (100-149), joining and data (150-179). Both programs build
// the same registry, so a node never receives a type its peer cannot send.
using Dpt.Cluster.Serialization;
using Dpt.Remoting.Serialization;
using Dpt.Training.Join;
using Dpt.Training.Wire;

namespace Dpt.Hosting;

public static class Serializers
{
    public static SerializerRegistry CreateRegistry()
    {
        var registry = new SerializerRegistry();
        foreach (var serializer in ClusterSerializers.All.Concat(TrainingSerializers.All).Concat(JoinSerializers.All))
            registry.Register(serializer);
        return registry;
    }
}
