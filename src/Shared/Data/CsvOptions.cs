// How to read a CSV file into a Dataset: the delimiter, whether there is a header, which column
// holds the label, and whether that label is a class or a real-valued regression target.
namespace Dpt.Data;

/// <summary>Options for <see cref="CsvDataset.Load"/>; <see cref="Validate"/> runs before the file is opened.</summary>
public sealed record CsvOptions
{
    /// <summary>The field separator. Default ','. Must not be a double quote, CR or LF.</summary>
    public char Delimiter { get; init; } = ',';

    /// <summary>
    /// Whether the first non-blank line is a header: true, false, or null (the default) to detect it —
    /// a header if any of its feature cells is not a number. The label cell is not considered, since
    /// class labels may be names. Must not be false when <see cref="LabelColumnName"/> is set.
    /// </summary>
    public bool? HasHeader { get; init; }

    /// <summary>The label column by header name (exact, case-sensitive). Default null. Excludes <see cref="LabelColumnIndex"/>.</summary>
    public string? LabelColumnName { get; init; }

    /// <summary>The label column by 0-based index. Default null; with neither option set, the last column is the label.</summary>
    public int? LabelColumnIndex { get; init; }

    /// <summary>
    /// Classification (default): labels are non-negative integers (class indices) or, if any is not, names,
    /// numbered in ordinal sort order of the distinct names. Regression: the label column is one real-valued target.
    /// </summary>
    public DatasetTask Task { get; init; } = DatasetTask.Classification;

    /// <summary>
    /// For classification, the classes by name, fixing the label numbering (index in this list), so that
    /// separately loaded training and test files agree. Default null: numbering from the file itself.
    /// </summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>
    /// For classification with integer labels, the number of classes: every label must be below it.
    /// Default null: one more than the largest label in the file.
    /// </summary>
    public int? ClassCount { get; init; }

    /// <summary>The data set's name. Default null: the file name without its extensions.</summary>
    public string? Name { get; init; }

    /// <summary>Throws one <see cref="ArgumentException"/> naming the first invalid option, its value and what is allowed.</summary>
    public void Validate()
    {
        if (Delimiter is '"' or '\r' or '\n')
            throw new ArgumentException($"CsvOptions.Delimiter {Printable(Delimiter)} is not allowed: it must not be a double quote, CR or LF");
        if (LabelColumnName is not null && LabelColumnIndex is not null)
            throw new ArgumentException($"CsvOptions.LabelColumnName \"{LabelColumnName}\" and LabelColumnIndex {LabelColumnIndex} are both set; set at most one");
        if (LabelColumnName is not null && LabelColumnName.Length == 0)
            throw new ArgumentException("CsvOptions.LabelColumnName is empty; give a column name or leave it null");
        if (LabelColumnName is not null && HasHeader == false)
            throw new ArgumentException($"CsvOptions.LabelColumnName \"{LabelColumnName}\" needs a header, but HasHeader is false");
        if (LabelColumnIndex is < 0)
            throw new ArgumentException($"CsvOptions.LabelColumnIndex {LabelColumnIndex} must be 0 or more (0-based)");
        if (!Enum.IsDefined(Task))
            throw new ArgumentException($"CsvOptions.Task {(int)Task} is not a DatasetTask");
        if (Task == DatasetTask.Regression && (ClassNames is not null || ClassCount is not null))
            throw new ArgumentException("CsvOptions.ClassNames and ClassCount apply to classification, but Task is Regression");
        if (ClassNames is not null && ClassCount is not null)
            throw new ArgumentException($"CsvOptions.ClassNames ({ClassNames.Count} names) and ClassCount {ClassCount} are both set; set at most one");
        if (ClassNames is { Count: 0 })
            throw new ArgumentException("CsvOptions.ClassNames is empty; give at least one class name or leave it null");
        if (ClassNames is not null && ClassNames.Distinct(StringComparer.Ordinal).Count() != ClassNames.Count)
            throw new ArgumentException($"CsvOptions.ClassNames [{string.Join(", ", ClassNames)}] contains a name twice");
        if (ClassCount is <= 0)
            throw new ArgumentException($"CsvOptions.ClassCount {ClassCount} must be positive");
        if (Name is not null && string.IsNullOrWhiteSpace(Name))
            throw new ArgumentException("CsvOptions.Name is blank; give a name or leave it null");
    }

    private static string Printable(char c) => c switch { '\r' => "'\\r'", '\n' => "'\\n'", _ => $"'{c}'" };
}
