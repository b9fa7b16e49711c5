// Per-thread scratch buffers for GEMM packing. Pinned and grown on demand, so steady-state
// training steps allocate nothing and kernels can use raw pointers without fixed blocks.
namespace Dpt.Numerics;

internal static unsafe class GemmWorkspace
{
    [ThreadStatic] private static float[]? s_packedA;
    [ThreadStatic] private static float[]? s_edgeB;

    /// <summary>A pinned per-thread buffer of at least <paramref name="length"/> floats for packed A panels.</summary>
    public static float* PackedA(int length) => Get(ref s_packedA, length);

    /// <summary>A pinned per-thread buffer of at least <paramref name="length"/> floats for a padded B edge panel.</summary>
    public static float* EdgeB(int length) => Get(ref s_edgeB, length);

    private static float* Get(ref float[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length)
            buffer = GC.AllocateUninitializedArray<float>(Math.Max(length, 4096), pinned: true);
        return (float*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref buffer[0]);
    }
}
