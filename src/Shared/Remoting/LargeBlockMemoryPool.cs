// The memory pool of the listener's connections: blocks of 64 KiB from the shared ArrayPool instead of
// Kestrel's 4 KiB pinned blocks, so that a socket read can take 64 KiB at once (a 940 KB gradient was
// 230 reads and pipe wake-ups; now 15). Not a general-purpose pool: it never trims, ArrayPool does.
using System.Buffers;
using Microsoft.AspNetCore.Connections;

namespace Dpt.Remoting;

/// <summary>Hands out pooled arrays of at least <see cref="BlockBytes"/>.</summary>
internal sealed class LargeBlockMemoryPool : MemoryPool<byte>
{
    public const int BlockBytes = 64 << 10;

    public override int MaxBufferSize => int.MaxValue;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1) => new Block(ArrayPool<byte>.Shared.Rent(Math.Max(minBufferSize, BlockBytes)));

    protected override void Dispose(bool disposing)
    {
        // Blocks go back to the shared ArrayPool one by one; there is nothing to release here.
    }

    private sealed class Block(byte[] array) : IMemoryOwner<byte>
    {
        private byte[]? _array = array;

        public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(Block));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _array, null) is { } returned) ArrayPool<byte>.Shared.Return(returned);
        }
    }

    /// <summary>What Kestrel's socket transport asks for its pools (registered in the listener's services).</summary>
    public sealed class Factory : IMemoryPoolFactory<byte>
    {
        public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new LargeBlockMemoryPool();
    }
}
