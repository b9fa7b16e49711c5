// The contents of one IDX file as IdxReader returns them: the sizes from its header and its bytes.
namespace Dpt.Data;

/// <summary>An IDX tensor of unsigned bytes: sizes outermost first, data row-major.</summary>
public sealed class IdxArray
{
    internal IdxArray(int[] dimensions, byte[] data)
    {
        Dimensions = dimensions;
        Data = data;
    }

    /// <summary>The sizes, outermost first: (N, rows, columns) for images, (N) for labels.</summary>
    public IReadOnlyList<int> Dimensions { get; }

    /// <summary>The elements in row-major order.</summary>
    public byte[] Data { get; }

    /// <summary>N, the size of the outermost dimension (the number of items).</summary>
    public int Count => Dimensions[0];

    /// <summary>Elements per item: the product of all but the outermost size (rows × columns for images, 1 for labels).</summary>
    public int ItemSize
    {
        get
        {
            int size = 1;
            for (int d = 1; d < Dimensions.Count; d++) size *= Dimensions[d];
            return size;
        }
    }

    public override string ToString() => $"IDX unsigned byte [{string.Join(" × ", Dimensions)}]";
}
