// The one exception every data reader throws for input it cannot use: a missing or unreadable
// file, a malformed one, or one whose contents contradict themselves. Its message is one line.
namespace Dpt.Data;

/// <summary>
/// Thrown when a data file cannot be opened or read, or does not hold what its format requires.
/// The message names the file, the place (1-based line and column, where the format has them)
/// and the problem, e.g. <c>iris.csv: line 7, column 2 ("sepal_width"): not a number: "abc"</c>.
/// I/O failures are wrapped, with the original exception as <see cref="Exception.InnerException"/>.
/// </summary>
public sealed class DataFormatException : Exception
{
    /// <summary>Creates the exception; <paramref name="problem"/> is the message without the location.</summary>
    public DataFormatException(
        string filePath, string problem, long? line = null, int? column = null, string? columnName = null,
        Exception? innerException = null)
        : base(Compose(filePath, problem, line, column, columnName), innerException)
    {
        FilePath = filePath;
        Problem = problem;
        Line = line;
        Column = column;
        ColumnName = columnName;
    }

    /// <summary>The file (or, for a missing data set, the directory) the problem is in.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong, without the location prefix.</summary>
    public string Problem { get; }

    /// <summary>1-based line of a text file, where the problem has one.</summary>
    public long? Line { get; }

    /// <summary>1-based column (field number) of a delimited text file, where the problem has one.</summary>
    public int? Column { get; }

    /// <summary>The column's header name, when the file has a header and the problem is in one column.</summary>
    public string? ColumnName { get; }

    /// <summary>Quotes a cell's text for a message: at most 40 characters, line breaks escaped, so the message stays one line.</summary>
    internal static string Quote(ReadOnlySpan<char> text)
    {
        const int max = 40;
        string shown = text.Length > max ? string.Concat(text[..max], "…") : text.ToString();
        return "\"" + shown.Replace("\r", "\\r").Replace("\n", "\\n") + "\"";
    }

    private static string Compose(string filePath, string problem, long? line, int? column, string? columnName)
    {
        var location = line is null ? "" : $"line {line}";
        if (column is not null)
        {
            location += (location.Length > 0 ? ", " : "") + $"column {column}";
            if (columnName is not null) location += $" ({Quote(columnName)})";
        }
        return location.Length == 0 ? $"{filePath}: {problem}" : $"{filePath}: {location}: {problem}";
    }
}
