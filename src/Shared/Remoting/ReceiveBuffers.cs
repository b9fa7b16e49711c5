// The arrays received tensors land in, reused from step to step. A 470 KB gradient or parameter range
// in a new float[] each time was a large-object allocation per message on the receive path: zeroed,
// and on fresh pages (page faults), about 5% of all CPU time in a 2-worker cluster run (perf). The
// actor that consumes such a tensor hands its array back once nothing reads it any more; an array that
// is never returned is simply collected. Only arrays this pool leased are taken back, once each, so a
// Return of any other array (a local worker's gradient buffer, a parameter server's own buffer) or a
// second Return does nothing.
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Dpt.Remoting;

/// <summary>A process-wide pool of exact-length float arrays for received tensors. Thread-safe.</summary>
public static class ReceiveBuffers
{
    /// <summary>Tensors shorter than this are allocated as usual: small arrays are cheap, and pooling every
    /// length seen would only hold memory.</summary>
    public const int MinPooledLength = 16 << 10;

    /// <summary>Free arrays kept per length: a step's ranges in flight, with room for a few steps' overlap.</summary>
    public const int KeptPerLength = 8;

    private static readonly ConcurrentDictionary<int, ConcurrentBag<float[]>> Free = new();
    // Leased arrays, weakly: a lease that is never returned does not keep its array alive.
    private static readonly ConditionalWeakTable<float[], object> Leased = new();
    private static readonly object Lease = new();

    /// <summary>An array of exactly <paramref name="length"/> floats with unspecified contents, which the caller
    /// overwrites entirely before anyone reads it.</summary>
    public static float[] Rent(int length)
    {
        if (length < MinPooledLength) return new float[length];
        if (!Free.TryGetValue(length, out var bag) || !bag.TryTake(out var array))
            array = GC.AllocateUninitializedArray<float>(length);
        Leased.AddOrUpdate(array, Lease);
        return array;
    }

    /// <summary>Whether <paramref name="array"/> is leased now (for specs).</summary>
    internal static bool IsLeased(float[] array) => Leased.TryGetValue(array, out _);

    /// <summary>Takes back the array behind <paramref name="memory"/> if this pool leased it and it was not returned
    /// yet; the caller must not read it afterwards. Returns whether it was taken.</summary>
    public static bool Return(ReadOnlyMemory<float> memory)
    {
        if (!MemoryMarshal.TryGetArray(memory, out var segment) || segment.Array is not { } array) return false;
        if (!Leased.Remove(array)) return false;
        var bag = Free.GetOrAdd(array.Length, _ => new ConcurrentBag<float[]>());
        if (bag.Count < KeptPerLength) bag.Add(array);
        return true;
    }
}
