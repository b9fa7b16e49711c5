// Loads a CSV file of numeric feature columns and one label column into a Dataset, streaming it
// (raw or gzip) and rejecting, with file, line, column and column name, any cell it cannot use.
using System.Globalization;
using System.Text;

namespace Dpt.Data;

/// <summary>Reads CSV files into <see cref="Dataset"/>s; see <see cref="CsvOptions"/> for the choices.</summary>
public static class CsvDataset
{
    /// <summary>
    /// Loads <paramref name="path"/>: every column but the label column is a feature (an invariant-culture
    /// number such as "1e-3" or "-0.5"); the label column holds class labels or, for
    /// <see cref="DatasetTask.Regression"/>, a real-valued target. Blank lines are skipped.
    /// </summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    /// <exception cref="DataFormatException">The file cannot be read or any cell, line or label is unusable.</exception>
    public static Dataset Load(string path, CsvOptions? options = null)
    {
        options ??= new CsvOptions();
        options.Validate();
        using Stream stream = DataFile.OpenRead(path, out _);
        using var text = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: DataFile.BufferSize);
        try
        {
            return Parse(new CsvReader(text, options.Delimiter, path), path, options);
        }
        catch (IOException e)
        {
            throw DataFile.ReadFailed(path, e);
        }
    }

    private static Dataset Parse(CsvReader csv, string path, CsvOptions options)
    {
        if (!csv.ReadRecord())
            throw new DataFormatException(path, "file is empty: no lines with data");

        long firstLine = csv.RecordLine;
        int columns = csv.FieldCount;
        int labelColumn = FindLabelColumn(csv, path, options);
        bool hasHeader = options.HasHeader ?? (options.LabelColumnName is not null || LooksLikeHeader(csv, labelColumn));
        string[]? names = null;
        if (hasHeader)
        {
            names = new string[columns];
            for (int c = 0; c < columns; c++) names[c] = csv[c].Trim().ToString();
            if (!csv.ReadRecord())
                throw new DataFormatException(path, $"has a header (line {firstLine}) but no data rows");
        }

        int featureCount = columns - 1;
        var features = new List<float>();
        var targets = options.Task == DatasetTask.Regression ? new List<float>() : null;
        var labels = targets is null ? new LabelCollector() : null;
        do
        {
            if (csv.FieldCount != columns)
                throw new DataFormatException(path,
                    $"has {csv.FieldCount} columns but {(hasHeader ? "the header" : "the first line")} (line {firstLine}) has {columns}", csv.RecordLine);
            for (int c = 0; c < columns; c++)
            {
                if (c != labelColumn)
                    features.Add(ParseNumber(csv, c, path, names));
                else if (targets is not null)
                    targets.Add(ParseNumber(csv, c, path, names));
                else
                    labels!.Add(csv[c].Trim(), csv.RecordLine);
            }
        }
        while (csv.ReadRecord());

        string name = options.Name ?? DefaultName(path);
        if (targets is not null)
            return Dataset.ForRegression(name, [.. features], featureCount, [.. targets], 1);

        var (labelValues, classCount, classNames) = labels!.Resolve(options, fail: (problem, line) =>
            new DataFormatException(path, problem, line, labelColumn + 1, names?[labelColumn]));
        return Dataset.ForClassification(name, [.. features], featureCount, labelValues, classCount, classNames);
    }

    private static int FindLabelColumn(CsvReader first, string path, CsvOptions options)
    {
        int columns = first.FieldCount;
        if (columns < 2)
            throw new DataFormatException(path,
                $"has {columns} column; a data set needs at least one feature column and the label column (is the delimiter '{options.Delimiter}' right?)",
                first.RecordLine);
        if (options.LabelColumnName is string wanted)
        {
            for (int c = 0; c < columns; c++)
                if (first[c].Trim().SequenceEqual(wanted))
                    return c;
            var available = new StringBuilder();
            for (int c = 0; c < columns; c++)
                available.Append(c == 0 ? "" : ", ").Append(DataFormatException.Quote(first[c].Trim()));
            throw new DataFormatException(path,
                $"no column named {DataFormatException.Quote(wanted)} in the header; the columns are {available}", first.RecordLine);
        }
        if (options.LabelColumnIndex is int index)
        {
            if (index >= columns)
                throw new DataFormatException(path,
                    $"label column index {index} is out of range: the line has {columns} columns (0-based indices 0..{columns - 1})", first.RecordLine);
            return index;
        }
        return columns - 1;
    }

    // A header has a feature cell that is neither empty nor a number. Empty cells are no evidence
    // (a header may leave an index column unnamed), and the label cell is none either (labels may be names).
    private static bool LooksLikeHeader(CsvReader first, int labelColumn)
    {
        for (int c = 0; c < first.FieldCount; c++)
        {
            ReadOnlySpan<char> cell = first[c];
            if (c != labelColumn && !cell.IsWhiteSpace() && !float.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                return true;
        }
        return false;
    }

    private static float ParseNumber(CsvReader csv, int column, string path, string[]? names)
    {
        ReadOnlySpan<char> cell = csv[column];
        if (TryParseShortInteger(cell, out float value)
            || (float.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && float.IsFinite(value)))
            return value;
        string problem = cell.IsWhiteSpace()
            ? "empty cell; missing values are not supported"
            : float.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
                ? $"{DataFormatException.Quote(cell)} is not a finite number (NaN, infinities and magnitudes beyond 3.4e38 are rejected)"
                : $"not a number: {DataFormatException.Quote(cell)}";
        throw new DataFormatException(path, problem, csv.RecordLine, column + 1, names?[column]);
    }

    // A fast path for the commonest cell, a short integer such as a pixel value: float.TryParse costs
    // several times the rest of the per-cell work. Up to 7 digits the value is exact in a float, so
    // the result is the same as float.TryParse's (including -0 for "-0"); anything else falls through.
    private static bool TryParseShortInteger(ReadOnlySpan<char> cell, out float value)
    {
        bool negative = cell.Length > 1 && cell[0] == '-';
        ReadOnlySpan<char> digits = negative ? cell[1..] : cell;
        value = 0;
        if (digits.Length is 0 or > 7)
            return false;
        int n = 0;
        foreach (char c in digits)
        {
            uint d = (uint)(c - '0');
            if (d > 9)
                return false;
            n = n * 10 + (int)d;
        }
        value = negative ? -(float)n : n;
        return true;
    }

    private static string DefaultName(string path)
    {
        string file = Path.GetFileName(path);
        if (file.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) file = file[..^3];
        string name = Path.GetFileNameWithoutExtension(file);
        return string.IsNullOrWhiteSpace(name) ? file : name;
    }

    /// <summary>
    /// Collects class labels as text while the file streams by, then numbers them once all are seen:
    /// whether they are class indices or names can only be told from all of them.
    /// </summary>
    private sealed class LabelCollector
    {
        private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
        private readonly List<string> _distinct = [];
        private readonly List<long> _firstLine = [];
        private readonly List<int> _labelIds = [];

        public void Add(ReadOnlySpan<char> label, long line)
        {
            var lookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
            if (!lookup.TryGetValue(label, out int id))
            {
                id = _distinct.Count;
                string text = label.ToString();
                _ids.Add(text, id);
                _distinct.Add(text);
                _firstLine.Add(line);
            }
            _labelIds.Add(id);
        }

        /// <summary>
        /// Numbers the labels: by position in options.ClassNames if given; otherwise as class indices if
        /// every label is a non-negative integer; otherwise as names in ordinal sort order.
        /// </summary>
        public (int[] Labels, int ClassCount, IReadOnlyList<string>? ClassNames) Resolve(
            CsvOptions options, Func<string, long, DataFormatException> fail)
        {
            int[] classOf = new int[_distinct.Count];
            int classCount;
            IReadOnlyList<string>? classNames = null;
            for (int id = 0; id < _distinct.Count; id++)
                if (_distinct[id].Length == 0)
                    throw fail("empty label", _firstLine[id]);

            if (options.ClassNames is IReadOnlyList<string> given)
            {
                for (int id = 0; id < _distinct.Count; id++)
                {
                    classOf[id] = IndexOf(given, _distinct[id]);
                    if (classOf[id] < 0)
                        throw fail($"label {DataFormatException.Quote(_distinct[id])} is not one of the class names [{string.Join(", ", given)}]", _firstLine[id]);
                }
                classCount = given.Count;
                classNames = given;
            }
            else if (AllClassIndices(classOf))
            {
                classCount = classOf.Length == 0 ? 0 : classOf.Max() + 1;
                if (options.ClassCount is int limit)
                {
                    for (int id = 0; id < classOf.Length; id++)
                        if (classOf[id] >= limit)
                            throw fail($"label {classOf[id]} is out of range for {limit} classes (0..{limit - 1})", _firstLine[id]);
                    classCount = limit;
                }
            }
            else if (options.ClassCount is int limit)
            {
                int id = Enumerable.Range(0, _distinct.Count).First(i => !IsClassIndex(_distinct[i], out _));
                throw fail($"label {DataFormatException.Quote(_distinct[id])} is not a class index; with ClassCount {limit} set, labels must be integers 0..{limit - 1}", _firstLine[id]);
            }
            else
            {
                string[] sorted = [.. _distinct];
                Array.Sort(sorted, StringComparer.Ordinal);
                for (int id = 0; id < _distinct.Count; id++)
                    classOf[id] = Array.BinarySearch(sorted, _distinct[id], StringComparer.Ordinal);
                classCount = sorted.Length;
                classNames = sorted;
            }

            var labels = new int[_labelIds.Count];
            for (int i = 0; i < labels.Length; i++)
                labels[i] = classOf[_labelIds[i]];
            return (labels, classCount, classNames);
        }

        private bool AllClassIndices(int[] classOf)
        {
            for (int id = 0; id < _distinct.Count; id++)
                if (!IsClassIndex(_distinct[id], out classOf[id]))
                    return false;
            return true;
        }

        // Digits only, and small enough that the class count (largest index + 1) is still an int.
        private static bool IsClassIndex(string label, out int index) =>
            int.TryParse(label, NumberStyles.None, CultureInfo.InvariantCulture, out index) && index < int.MaxValue;

        private static int IndexOf(IReadOnlyList<string> names, string name)
        {
            for (int i = 0; i < names.Count; i++)
                if (string.Equals(names[i], name, StringComparison.Ordinal))
                    return i;
            return -1;
        }
    }
}
