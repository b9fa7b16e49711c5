// Gradient buffers a worker pushes by reference (in one process the parameter server reads the worker's
// own array). A buffer is reused only after the server has published a version past the buffer's step,
// which it does only after reading every gradient of that step.
namespace Dpt.Worker;

internal sealed class GradientPool(int length)
{
    private readonly List<(float[] Buffer, long Step)> _buffers = new();

    /// <summary>A buffer free for <paramref name="step"/>; normally the same one every step, a second one only
    /// when a shard of the same step is reassigned to this worker.</summary>
    public float[] Rent(long step)
    {
        for (int i = 0; i < _buffers.Count; i++)
            if (_buffers[i].Step < 0)
            {
                _buffers[i] = (_buffers[i].Buffer, step);
                return _buffers[i].Buffer;
            }
        var buffer = new float[length];
        _buffers.Add((buffer, step));
        return buffer;
    }

    /// <summary>Frees the buffers of steps before <paramref name="version"/>: the server has applied them.</summary>
    public void ReleaseBefore(long version)
    {
        for (int i = 0; i < _buffers.Count; i++)
            if (_buffers[i].Step >= 0 && _buffers[i].Step < version)
                _buffers[i] = (_buffers[i].Buffer, -1);
    }

    public int Count => _buffers.Count;
}
