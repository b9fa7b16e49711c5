// The per-worker buffers of a forward and backward pass, sized once for the largest batch so that
// training steps allocate nothing. Not thread-safe: one workspace per worker.
namespace Dpt.Model;

public sealed class MlpWorkspace
{
    public MlpWorkspace(MlpSpec spec, int maxBatch)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (maxBatch <= 0) throw new ArgumentOutOfRangeException(nameof(maxBatch), maxBatch, "must be positive");
        MaxBatch = maxBatch;
        Activations = new float[spec.LayerCount][];
        int widest = 0;
        for (int l = 0; l < spec.LayerCount; l++)
        {
            Activations[l] = new float[maxBatch * spec.LayerSizes[l + 1]];
            widest = Math.Max(widest, spec.LayerSizes[l + 1]);
        }
        Delta = new float[maxBatch * widest];
        DeltaBelow = new float[maxBatch * widest];
    }

    public int MaxBatch { get; }

    /// <summary>A of each layer (B, O_l); the last one holds the network's outputs.</summary>
    internal float[][] Activations { get; }

    /// <summary>dZ of the layer being back-propagated, and dA/dZ of the layer below it (swapped per layer).</summary>
    internal float[] Delta { get; set; }
    internal float[] DeltaBelow { get; set; }
}
