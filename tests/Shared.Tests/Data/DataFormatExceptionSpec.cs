using Dpt.Data;

namespace Dpt.Shared.Tests.Data;

public class DataFormatExceptionSpec
{
    [Fact]
    public void Message_must_name_the_file_then_line_column_and_column_name_then_the_problem()
    {
        var e = new DataFormatException("/data/iris.csv", "not a number: \"abc\"", line: 7, column: 2, columnName: "sepal_width");

        Assert.Equal("/data/iris.csv: line 7, column 2 (\"sepal_width\"): not a number: \"abc\"", e.Message);
        Assert.Equal("/data/iris.csv", e.FilePath);
        Assert.Equal(7, e.Line);
        Assert.Equal(2, e.Column);
        Assert.Equal("sepal_width", e.ColumnName);
        Assert.Equal("not a number: \"abc\"", e.Problem);
    }

    [Fact]
    public void Message_must_leave_out_the_parts_of_the_location_that_are_unknown()
    {
        Assert.Equal("f.idx: truncated", new DataFormatException("f.idx", "truncated").Message);
        Assert.Equal("f.csv: line 3: too many columns", new DataFormatException("f.csv", "too many columns", line: 3).Message);
    }

    [Fact]
    public void Quote_must_keep_a_message_on_one_line_and_short()
    {
        Assert.Equal("\"a\\nb\\r\"", DataFormatException.Quote("a\nb\r"));
        string quoted = DataFormatException.Quote(new string('x', 100));
        Assert.Equal(1 + 40 + 1 + 1, quoted.Length);
        Assert.EndsWith("…\"", quoted);
    }

    [Fact]
    public void Inner_exception_must_be_kept()
    {
        var io = new IOException("disk on fire");
        Assert.Same(io, new DataFormatException("f", "read failed", innerException: io).InnerException);
    }
}
