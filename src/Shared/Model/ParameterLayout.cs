// The layout of a model's single flat float32 parameter buffer: named tensors at fixed offsets.
// Gradients and optimizer state use the same layout, so averaging, clipping, the optimizer and
// the wire each walk one array.
using Dpt.Numerics;

namespace Dpt.Model;

/// <summary>What a tensor holds; weight decay applies to weights only.</summary>
public enum ParameterKind { Weight, Bias }

/// <summary>
/// A named (Rows, Columns) view into the flat parameter buffer. Weights (inputs by outputs) are stored in
/// column panels of 32 (<see cref="ColumnPanels"/>), the layout the matrix kernels read; biases row by row.
/// </summary>
public readonly record struct ParameterTensor(string Name, ParameterKind Kind, int Offset, int Rows, int Columns)
{
    public int Length => Rows * Columns;

    /// <summary>How the tensor's elements are ordered within its range of the buffer.</summary>
    public MatrixStorage Storage => Kind == ParameterKind.Weight ? MatrixStorage.ColumnPanels : MatrixStorage.RowMajor;

    /// <summary>Position of element (<paramref name="row"/>, <paramref name="column"/>) within the tensor's range.</summary>
    public int IndexOf(int row, int column)
    {
        if ((uint)row >= (uint)Rows || (uint)column >= (uint)Columns)
            throw new ArgumentOutOfRangeException(nameof(row), $"({row}, {column}) is outside {Name} ({Rows}x{Columns})");
        return Storage == MatrixStorage.ColumnPanels ? ColumnPanels.Index(Rows, Columns, row, column) : row * Columns + column;
    }

    public Span<float> Of(float[] buffer) => buffer.AsSpan(Offset, Length);

    public Span<float> Of(Span<float> buffer) => buffer.Slice(Offset, Length);

    public ReadOnlySpan<float> Of(ReadOnlySpan<float> buffer) => buffer.Slice(Offset, Length);

    public override string ToString() => $"{Name} ({Rows}x{Columns}) at {Offset}";
}

/// <summary>An ordered list of tensors packed end to end into one buffer of <see cref="Length"/> floats.</summary>
public sealed class ParameterLayout
{
    private readonly ParameterTensor[] _tensors;

    public ParameterLayout(IEnumerable<(string Name, ParameterKind Kind, int Rows, int Columns)> tensors)
    {
        var list = new List<ParameterTensor>();
        long offset = 0;
        foreach (var (name, kind, rows, columns) in tensors)
        {
            if (rows <= 0 || columns <= 0)
                throw new ArgumentException($"tensor '{name}' has shape ({rows}x{columns}); both dimensions must be positive");
            if (list.Exists(t => t.Name == name))
                throw new ArgumentException($"tensor name '{name}' is used twice");
            list.Add(new ParameterTensor(name, kind, (int)offset, rows, columns));
            offset += (long)rows * columns;
            if (offset > Array.MaxLength)
                throw new ArgumentException($"the model has more than {Array.MaxLength} parameters");
        }
        if (list.Count == 0) throw new ArgumentException("a layout needs at least one tensor");
        _tensors = list.ToArray();
        Length = (int)offset;
    }

    public IReadOnlyList<ParameterTensor> Tensors => _tensors;

    /// <summary>Total number of floats in the buffer.</summary>
    public int Length { get; }

    public ParameterTensor this[string name] =>
        Array.Find(_tensors, t => t.Name == name) is { Name: not null } t
            ? t
            : throw new KeyNotFoundException($"no tensor named '{name}'; the layout has {string.Join(", ", _tensors.Select(x => x.Name))}");

    public float[] Allocate() => new float[Length];
}
