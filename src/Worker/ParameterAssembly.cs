// Assembles the parameter buffer a worker computes with from the ranges the parameter-server shards
// publish, and knows when a version is complete. In one process every shard publishes a range of the
// same buffer, which the worker then reads in place: nothing is copied per step. Ranges that arrived over
// the network are copied into a buffer of the worker's own.
using System.Runtime.InteropServices;
using static Dpt.Training.ParameterServerProtocol;

namespace Dpt.Worker;

internal sealed class ParameterAssembly(int length, int shards)
{
    private float[]? _own;
    private ReadOnlyMemory<float> _values;
    private long _pendingVersion = -1;
    // Offsets of the shards whose range of the pending version arrived: a range that comes twice (a
    // restarted worker pulls again) must not stand in for another shard's.
    private readonly HashSet<int> _pendingOffsets = new();

    /// <summary>The latest version for which every shard's range has arrived; -1 before the first.</summary>
    public long Version { get; private set; } = -1;

    /// <summary>The whole parameter buffer at <see cref="Version"/>.</summary>
    public ReadOnlyMemory<float> Values => _values;

    /// <summary>Takes one shard's range; returns true when it completes a newer version.</summary>
    public bool Add(ParametersPublished published)
    {
        // Each shard publishes in order, but shards are not in step with each other: one can answer a pull
        // with version v + 1 while another answers with v and publishes v + 1 next. A range older than the
        // version being assembled is superseded, and must not discard the newer ranges.
        if (published.Version <= Version || published.Version < _pendingVersion) return false;
        if (published.Version > _pendingVersion)
        {
            // A newer version supersedes a half-assembled one.
            _pendingVersion = published.Version;
            _pendingOffsets.Clear();
        }
        if (MemoryMarshal.TryGetArray(published.Parameters, out var segment) && segment.Array is { } shared && shared.Length == length)
            _values = shared;
        else
        {
            _own ??= new float[length];
            published.Parameters.Span.CopyTo(_own.AsSpan(published.Offset));
            _values = _own;
        }
        if (!_pendingOffsets.Add(published.Offset) || _pendingOffsets.Count < shards) return false;
        Version = _pendingVersion;
        return true;
    }
}
