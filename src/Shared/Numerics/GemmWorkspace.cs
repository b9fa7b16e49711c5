// Per-thread scratch buffers for GEMM packing. Pinned and grown on demand, so steady-state
// training steps allocate nothing and kernels can use raw pointers without fixed blocks.
using System.Runtime.CompilerServices;

namespace Dpt.Numerics;

internal static unsafe class GemmWorkspace
{
    [ThreadStatic] private static float[]? s_packedA;
    [ThreadStatic] private static float[]? s_packedB;

    /// <summary>A pinned per-thread buffer of at least <paramref name="length"/> floats for packed A panels.</summary>
    public static float* PackedA(int length) => Get(ref s_packedA, length);

    /// <summary>A pinned per-thread buffer of at least <paramref name="length"/> floats for packed B panels.</summary>
    public static float* PackedB(int length) => Get(ref s_packedB, length);

    private static float* Get(ref float[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length)
            buffer = GC.AllocateUninitializedArray<float>(Math.Max(length, 4096) + 16, pinned: true);
        // Align to 64 bytes so every packed panel row starts a cache line and vector loads never split one.
        nint address = (nint)Unsafe.AsPointer(ref buffer[0]);
        return (float*)((address + 63) & ~(nint)63);
    }
}
