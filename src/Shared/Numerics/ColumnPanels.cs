// How a dense layer's weight matrix (rows = inputs, columns = outputs) is stored: in column panels of 32,
// the layout the matrix kernels read. Panel q holds columns [32q, 32q + w) of every row, row after row,
// with w = 32 except in a narrower last panel; panels follow one another. The forward product then reads
// the weights in place, where a row-major matrix had to be copied into panels by every worker at every
// step (about a fifth of the first layer's forward product, measured). The optimizer, clipping and the
// wire walk the flat buffer element by element and do not care.
namespace Dpt.Numerics;

public static class ColumnPanels
{
    /// <summary>Columns per panel. The kernels' tile widths (32, 16, 8) divide it.</summary>
    public const int Width = 32;

    /// <summary>Offset of element (<paramref name="row"/>, <paramref name="column"/>) of a (rows, columns) matrix stored in column panels.</summary>
    public static int Index(int rows, int columns, int row, int column)
    {
        int q = column / Width;
        int width = Math.Min(Width, columns - q * Width);
        return q * Width * rows + row * width + (column - q * Width);
    }

    /// <summary>Writes a row-major (rows, columns) matrix into <paramref name="panels"/> in column-panel order.</summary>
    public static void FromRowMajor(ReadOnlySpan<float> rowMajor, int rows, int columns, Span<float> panels)
    {
        Check(rowMajor.Length, panels.Length, rows, columns);
        for (int q = 0; q * Width < columns; q++)
        {
            int width = Math.Min(Width, columns - q * Width);
            for (int r = 0; r < rows; r++)
                rowMajor.Slice(r * columns + q * Width, width).CopyTo(panels.Slice(q * Width * rows + r * width, width));
        }
    }

    /// <summary>Writes a matrix stored in column panels into <paramref name="rowMajor"/> in row-major order.</summary>
    public static void ToRowMajor(ReadOnlySpan<float> panels, int rows, int columns, Span<float> rowMajor)
    {
        Check(rowMajor.Length, panels.Length, rows, columns);
        for (int q = 0; q * Width < columns; q++)
        {
            int width = Math.Min(Width, columns - q * Width);
            for (int r = 0; r < rows; r++)
                panels.Slice(q * Width * rows + r * width, width).CopyTo(rowMajor.Slice(r * columns + q * Width, width));
        }
    }

    private static void Check(int rowMajorLength, int panelsLength, int rows, int columns)
    {
        long length = (long)rows * columns;
        if (rows < 0 || columns < 0) throw new ArgumentOutOfRangeException(nameof(rows), $"shape ({rows}, {columns}) must be non-negative");
        if (rowMajorLength < length || panelsLength < length)
            throw new ArgumentException($"a ({rows}, {columns}) matrix needs {length} elements; got {rowMajorLength} and {panelsLength}");
    }
}
