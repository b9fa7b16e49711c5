using System.Text;
using Dpt.Data;

namespace Dpt.Shared.Tests.Data;

public class CsvReaderSpec
{
    /// <summary>Every record of <paramref name="text"/> as (start line, fields).</summary>
    private static List<(long Line, string[] Fields)> Records(string text, char delimiter = ',')
    {
        var csv = new CsvReader(new StringReader(text), delimiter, "test.csv");
        var records = new List<(long, string[])>();
        while (csv.ReadRecord())
        {
            var fields = new string[csv.FieldCount];
            for (int i = 0; i < fields.Length; i++) fields[i] = csv[i].ToString();
            records.Add((csv.RecordLine, fields));
        }
        return records;
    }

    [Theory]
    [InlineData("a,b\n1,2\n")]
    [InlineData("a,b\r\n1,2\r\n")]
    [InlineData("a,b\r1,2")]
    [InlineData("a,b\n1,2")]
    public void Records_must_end_at_LF_CRLF_CR_or_the_end_of_input(string text)
    {
        var records = Records(text);
        Assert.Equal(2, records.Count);
        Assert.Equal(["a", "b"], records[0].Fields);
        Assert.Equal(["1", "2"], records[1].Fields);
        Assert.Equal([1L, 2L], records.Select(r => r.Line));
    }

    [Fact]
    public void Quoted_fields_must_hold_delimiters_doubled_quotes_and_line_breaks()
    {
        var records = Records("\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\n\"\",plain\"quote\nlast,1\n");

        Assert.Equal(["x, y", "say \"hi\"", "two\nlines"], records[0].Fields);
        Assert.Equal(["", "plain\"quote"], records[1].Fields);
        Assert.Equal([1L, 3L, 4L], records.Select(r => r.Line)); // the embedded line break counts
    }

    [Fact]
    public void Blank_and_whitespace_only_lines_must_be_skipped_but_counted()
    {
        var records = Records("\n1,2\n\n   \r\n3,4\n\n");

        Assert.Equal(2, records.Count);
        Assert.Equal([2L, 5L], records.Select(r => r.Line));
    }

    [Fact]
    public void Empty_fields_must_be_kept_including_a_trailing_one()
    {
        Assert.Equal(["1", "", "3", ""], Records("1,,3,").Single().Fields);
    }

    [Theory]
    [InlineData(';')]
    [InlineData('\t')]
    [InlineData('|')]
    public void The_delimiter_must_be_configurable(char delimiter)
    {
        var records = Records($"a{delimiter}\"b{delimiter}c\"{delimiter}d,e\n", delimiter);
        Assert.Equal(["a", $"b{delimiter}c", "d,e"], records.Single().Fields);
    }

    [Fact]
    public void An_unterminated_quote_must_name_the_line_and_column_where_it_opened()
    {
        var e = Assert.Throws<DataFormatException>(() => Records("a,b\n1,\"2\n3,4\n"));

        Assert.Equal((2L, 2), (e.Line, e.Column));
        Assert.Equal("test.csv: line 2, column 2: unterminated quoted field: the quote opened on line 2 is never closed", e.Message);
    }

    [Fact]
    public void Text_after_a_closing_quote_must_be_rejected()
    {
        var e = Assert.Throws<DataFormatException>(() => Records("1,\"2\"x,3\n"));
        Assert.Equal((1L, 2), (e.Line, e.Column));
        Assert.Contains("unexpected character \"x\" after the closing quote", e.Message);
    }

    [Fact]
    public void Records_must_survive_the_buffer_boundary_at_any_offset()
    {
        // ~600 KB of text, far beyond the 64 KB buffer, with quoted and unquoted fields of varying length.
        var text = new StringBuilder();
        var expected = new List<string[]>();
        for (int i = 0; i < 20_000; i++)
        {
            string[] fields = [i.ToString(), new string('x', i % 23), $"q{i},\"{i % 7}\"", (i * 0.5).ToString(System.Globalization.CultureInfo.InvariantCulture)];
            expected.Add(fields);
            text.Append(fields[0]).Append(',').Append(fields[1]).Append(",\"").Append(fields[2].Replace("\"", "\"\"")).Append("\",").Append(fields[3]);
            text.Append(i % 2 == 0 ? "\n" : "\r\n");
        }

        var records = Records(text.ToString());

        Assert.Equal(expected.Count, records.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i], records[i].Fields);
            Assert.Equal(i + 1, records[i].Line);
        }
    }
}
