// Assembles the parameter buffer a worker computes with from the ranges the parameter-server shards
// publish, and knows when a version is complete. In one process every shard publishes a range of the
// same buffer, which the worker then reads in place: nothing is copied per step. Ranges that arrived over
// the network are copied into a second buffer of the worker's own, which becomes the current one only when
// the version is complete (double buffering): work for the current version never sees a half-written buffer.
// A received range goes back to the receive pool (ReceiveBuffers) as soon as nothing here reads it: once
// copied, refused, superseded, or, read in place, when a newer version replaces it.
using System.Runtime.InteropServices;
using Dpt.Remoting;
using static Dpt.Training.ParameterServerProtocol;

namespace Dpt.Worker;

internal sealed class ParameterAssembly(int length, int shards)
{
    private ReadOnlyMemory<float> _values;
    // The worker's own buffers: the one _values reads (null while it reads a publisher's buffer in place), the
    // one the pending version is copied into (never the current one), and a free one. Two at most ever exist.
    private float[]? _current, _pending, _spare;
    private long _pendingVersion = -1;
    private int _pendingCovered;
    private bool _pendingCopied;
    // Offsets of the shards whose range of the pending version arrived: a range that comes twice (a
    // restarted worker pulls again) must not stand in for another shard's.
    private readonly HashSet<int> _pendingOffsets = new();
    // Ranges of the pending version that lie in a publisher's whole buffer, to read in place.
    private readonly List<ParametersPublished> _pendingInPlace = new();

    /// <summary>The latest version for which every shard's range has arrived; -1 before the first.</summary>
    public long Version { get; private set; } = -1;

    /// <summary>The whole parameter buffer at <see cref="Version"/>; unchanged by ranges of later versions until one is complete.</summary>
    public ReadOnlyMemory<float> Values => _values;

    /// <summary>True when <paramref name="published"/> is a non-empty range inside the parameter buffer.</summary>
    public bool Fits(ParametersPublished published) =>
        published.Offset >= 0 && published.Parameters.Length > 0 && published.Parameters.Length <= length - published.Offset;

    /// <summary>Takes one shard's range; returns true when it completes a newer version.</summary>
    public bool Add(ParametersPublished published)
    {
        if (!Fits(published)) throw new ArgumentException($"{published} lies outside the {length} parameters", nameof(published));
        // Each shard publishes in order, but shards are not in step with each other: one can answer a pull
        // with version v + 1 while another answers with v and publishes v + 1 next. A range older than the
        // version being assembled is superseded, and must not discard the newer ranges.
        if (published.Version <= Version || published.Version < _pendingVersion) return Refuse(published);
        if (published.Version > _pendingVersion)
        {
            // A newer version supersedes a half-assembled one (whose own buffer, if any, it reuses).
            _pendingVersion = published.Version;
            _pendingOffsets.Clear();
            foreach (var superseded in _pendingInPlace) ReceiveBuffers.Return(superseded.Parameters);
            _pendingInPlace.Clear();
            _pendingCovered = 0;
            _pendingCopied = false;
        }
        if (!_pendingOffsets.Add(published.Offset)) return Refuse(published);
        _pendingCovered += published.Parameters.Length;
        if (InPlace(published)) _pendingInPlace.Add(published);
        else
        {
            published.Parameters.Span.CopyTo(PendingBuffer().AsSpan(published.Offset));
            ReceiveBuffers.Return(published.Parameters);
            _pendingCopied = true;
        }
        if (_pendingOffsets.Count < shards || _pendingCovered != length) return false;
        Complete();
        return true;
    }

    private static bool Refuse(ParametersPublished published)
    {
        ReceiveBuffers.Return(published.Parameters);
        return false;
    }

    /// <summary>A range that lies at its own offset in a buffer of the whole length: in one process, the
    /// parameter server's buffer; over the network, only the whole buffer of a single shard (a fresh array).</summary>
    private bool InPlace(ParametersPublished published) =>
        MemoryMarshal.TryGetArray(published.Parameters, out var segment) && segment.Array is { } array
        && array.Length == length && segment.Offset == published.Offset;

    private float[] PendingBuffer()
    {
        if (_pending is null)
        {
            _pending = _spare ?? new float[length];
            _spare = null;
        }
        return _pending;
    }

    /// <summary>The buffer every in-place range of the pending version lies in, or null if they lie in several.</summary>
    private float[]? OneBuffer()
    {
        float[]? shared = null;
        foreach (var p in _pendingInPlace)
        {
            MemoryMarshal.TryGetArray(p.Parameters, out var segment);
            if (shared is not null && segment.Array != shared) return null;
            shared = segment.Array;
        }
        return shared;
    }

    private static bool Same(ReadOnlyMemory<float> values, float[] array) =>
        MemoryMarshal.TryGetArray(values, out var segment) && segment.Array == array;

    private void Complete()
    {
        Version = _pendingVersion;
        // The version being replaced, if read in place from a received array, is read no more.
        var replaced = _values;
        if (!_pendingCopied && OneBuffer() is { } shared)
        {
            if (!Same(replaced, shared)) ReceiveBuffers.Return(replaced);
            _values = shared;
            if (_current is not null) (_spare, _current) = (_current, null);
        }
        else
        {
            // Mixed in-place and copied ranges (publishers in and out of this process): gather them all.
            var buffer = PendingBuffer();
            foreach (var p in _pendingInPlace)
            {
                p.Parameters.Span.CopyTo(buffer.AsSpan(p.Offset));
                ReceiveBuffers.Return(p.Parameters);
            }
            ReceiveBuffers.Return(replaced);
            if (_current is not null) _spare = _current;
            (_current, _pending) = (buffer, null);
            _values = buffer;
        }
        _pendingOffsets.Clear();
        _pendingInPlace.Clear();
        _pendingCovered = 0;
        _pendingCopied = false;
    }
}
