// Splits CSV text into records and fields per RFC 4180, streaming through a fixed buffer so large
// files are never held as one string. It knows nothing about numbers or labels (see CsvDataset).
namespace Dpt.Data;

/// <summary>
/// Reads one record at a time: fields are separated by the delimiter, records end at CRLF, LF or CR,
/// a field starting with a double quote is quoted (it may hold delimiters, line breaks and "" for a
/// quote), and blank lines are skipped. A quote inside an unquoted field is an ordinary character.
/// </summary>
internal sealed class CsvReader
{
    private const int BufferSize = 64 * 1024;
    private const int EndOfInput = -1;

    private readonly TextReader _reader;
    private readonly char _delimiter;
    private readonly string _path;
    private readonly char[] _buffer = new char[BufferSize];
    private int _position;
    private int _length;

    // The current record: its fields' characters end to end, and where each field ends.
    private char[] _text = new char[1024];
    private int _textLength;
    private int[] _fieldEnds = new int[16];
    private bool _recordHasQuotedField;
    private long _line = 1;

    public CsvReader(TextReader reader, char delimiter, string path)
    {
        _reader = reader;
        _delimiter = delimiter;
        _path = path;
    }

    /// <summary>The number of fields in the current record.</summary>
    public int FieldCount { get; private set; }

    /// <summary>The 1-based line on which the current record starts.</summary>
    public long RecordLine { get; private set; }

    /// <summary>The text of field <paramref name="index"/> of the current record, unquoted.</summary>
    public ReadOnlySpan<char> this[int index]
    {
        get
        {
            int start = index == 0 ? 0 : _fieldEnds[index - 1];
            return _text.AsSpan(start, _fieldEnds[index] - start);
        }
    }

    /// <summary>Moves to the next non-blank record; false at the end of the input.</summary>
    /// <exception cref="DataFormatException">A quoted field is not terminated, or text follows its closing quote.</exception>
    public bool ReadRecord()
    {
        while (ReadAnyRecord())
        {
            if (!IsBlank())
                return true;
        }
        return false;
    }

    private bool IsBlank() => FieldCount == 1 && !_recordHasQuotedField && this[0].IsWhiteSpace();

    private bool ReadAnyRecord()
    {
        if (Peek() == EndOfInput)
            return false;
        RecordLine = _line;
        FieldCount = 0;
        _textLength = 0;
        _recordHasQuotedField = false;
        while (true)
        {
            if (Peek() == '"')
            {
                _recordHasQuotedField = true;
                ReadQuotedField();
            }
            else
            {
                ReadUnquotedField();
            }
            EndField();

            int next = Peek();
            if (next == _delimiter)
            {
                _position++;
                continue;
            }
            ConsumeLineBreak();
            return true;
        }
    }

    // Copies characters up to the next delimiter or line break in bulk: most fields are unquoted numbers.
    private void ReadUnquotedField()
    {
        while (Peek() != EndOfInput)
        {
            ReadOnlySpan<char> pending = _buffer.AsSpan(_position, _length - _position);
            int stop = pending.IndexOfAny(_delimiter, '\r', '\n');
            Append(stop < 0 ? pending : pending[..stop]);
            _position += stop < 0 ? pending.Length : stop;
            if (stop >= 0)
                return;
        }
    }

    private void ReadQuotedField()
    {
        long startLine = _line;
        int column = FieldCount + 1;
        _position++; // the opening quote
        while (true)
        {
            int c = Next();
            if (c == EndOfInput)
                throw new DataFormatException(_path, $"unterminated quoted field: the quote opened on line {startLine} is never closed", startLine, column);
            if (c == '"')
            {
                if (Peek() != '"')
                    break;
                _position++; // "" stands for one quote
            }
            else if (c == '\n' || (c == '\r' && Peek() != '\n'))
            {
                _line++;
            }
            Append((char)c);
        }

        int after = Peek();
        if (after != EndOfInput && after != _delimiter && after != '\r' && after != '\n')
            throw new DataFormatException(_path,
                $"unexpected character {DataFormatException.Quote([(char)after])} after the closing quote of a quoted field; a quote inside a quoted field is written \"\"",
                _line, column);
    }

    private void ConsumeLineBreak()
    {
        int c = Next();
        if (c == EndOfInput)
            return;
        if (c == '\r' && Peek() == '\n')
            _position++;
        _line++;
    }

    private void EndField()
    {
        if (FieldCount == _fieldEnds.Length)
            Array.Resize(ref _fieldEnds, _fieldEnds.Length * 2);
        _fieldEnds[FieldCount++] = _textLength;
    }

    private void Append(ReadOnlySpan<char> chars)
    {
        if (_textLength + chars.Length > _text.Length)
            Array.Resize(ref _text, Math.Max(_text.Length * 2, _textLength + chars.Length));
        chars.CopyTo(_text.AsSpan(_textLength));
        _textLength += chars.Length;
    }

    private void Append(char c) => Append([c]);

    private int Peek()
    {
        if (_position == _length && !Fill())
            return EndOfInput;
        return _buffer[_position];
    }

    private int Next()
    {
        int c = Peek();
        if (c != EndOfInput)
            _position++;
        return c;
    }

    private bool Fill()
    {
        _length = _reader.Read(_buffer, 0, _buffer.Length);
        _position = 0;
        return _length > 0;
    }
}
