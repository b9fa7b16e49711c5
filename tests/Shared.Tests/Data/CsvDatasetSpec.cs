using System.Text;
using Dpt.Data;

namespace Dpt.Shared.Tests.Data;

public sealed class CsvDatasetSpec : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private Dataset Load(string text, CsvOptions? options = null, string file = "data.csv") =>
        CsvDataset.Load(_dir.WriteText(file, text), options);

    private DataFormatException Reject(string text, CsvOptions? options = null, string file = "bad.csv") =>
        Assert.Throws<DataFormatException>(() => Load(text, options, file));

    [Fact]
    public void A_file_with_a_header_must_be_detected_and_its_last_column_used_as_the_label()
    {
        Dataset data = Load("x,y,label\n1,2,0\n3,4,2\n");

        Assert.Equal(("data", 2, 2, 3), (data.Name, data.Count, data.FeatureCount, data.ClassCount));
        Assert.Equal([1f, 2, 3, 4], data.Features);
        Assert.Equal([0, 2], data.Labels);
        Assert.Null(data.ClassNames);
    }

    [Fact]
    public void A_file_without_a_header_must_be_detected_and_its_first_row_kept_as_data()
    {
        Dataset data = Load("1,2,1\n3,4,0\n");

        Assert.Equal(2, data.Count);
        Assert.Equal([1f, 2, 3, 4], data.Features);
        Assert.Equal([1, 0], data.Labels);
    }

    [Fact]
    public void Auto_detection_must_not_mistake_a_first_row_with_a_class_name_for_a_header()
    {
        Dataset data = Load("5.1,3.5,setosa\n6.2,2.9,versicolor\n");

        Assert.Equal(2, data.Count);
        Assert.Equal(["setosa", "versicolor"], data.ClassNames!);
    }

    [Fact]
    public void HasHeader_must_override_detection_both_ways()
    {
        Assert.Equal(1, Load("1,2,3\n4,5,6\n", new CsvOptions { HasHeader = true }).Count);

        var e = Reject("x,y,label\n1,2,0\n", new CsvOptions { HasHeader = false });
        Assert.Contains("line 1, column 1: not a number: \"x\"", e.Message);
    }

    [Fact]
    public void Numbers_must_be_read_in_the_invariant_culture_with_exponents_signs_and_spaces()
    {
        Dataset data = Load("1e-3,-0.5,+2, 3.25 ,0\n.5,1E3,-7,0,1\n");

        Assert.Equal([1e-3f, -0.5f, 2, 3.25f, 0.5f, 1000, -7, 0], data.Features);
    }

    [Fact]
    public void Integer_cells_must_parse_to_exactly_what_float_Parse_gives_including_negative_zero()
    {
        string[] cells = ["0", "-0", "7", "0000123", "-9999999", "16777217", "123456789", "-"];
        string text = string.Join(",", cells[..^1]) + ",0\n";

        Dataset data = Load(text);

        float[] expected = cells[..^1].Select(c => float.Parse(c, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), data.Features.Select(BitConverter.SingleToInt32Bits));
        Assert.Contains("not a number: \"-\"", Reject("1,-,0\n", new CsvOptions { HasHeader = false }).Message);
    }

    [Fact]
    public void Quoted_fields_must_be_unquoted_before_parsing()
    {
        Dataset data = Load("\"a, first\",b,class\n\"1.5\",2,\"red, dark\"\n3,\"4\",blue\n");

        Assert.Equal([1.5f, 2, 3, 4], data.Features);
        Assert.Equal(["blue", "red, dark"], data.ClassNames!);
        Assert.Equal([1, 0], data.Labels);
    }

    [Fact]
    public void String_labels_must_be_numbered_in_sorted_order_of_the_distinct_names()
    {
        Dataset data = Load("f,species\n1,virginica\n2,setosa\n3,versicolor\n4,setosa\n5, virginica \n");

        Assert.Equal(["setosa", "versicolor", "virginica"], data.ClassNames!);
        Assert.Equal([2, 0, 1, 0, 2], data.Labels);
        Assert.Equal(3, data.ClassCount);
    }

    [Fact]
    public void Labels_that_are_not_all_class_indices_must_all_be_names()
    {
        Dataset data = Load("1,-1\n2,1\n3,1\n");

        Assert.Equal(["-1", "1"], data.ClassNames!);
        Assert.Equal([0, 1, 1], data.Labels);
    }

    [Fact]
    public void ClassNames_must_fix_the_numbering_so_separate_files_agree()
    {
        var options = new CsvOptions { ClassNames = ["cat", "dog", "emu"] };

        Dataset data = Load("1,emu\n2,cat\n", options);

        Assert.Equal([2, 0], data.Labels);
        Assert.Equal(3, data.ClassCount);
        Assert.Equal(["cat", "dog", "emu"], data.ClassNames!);
        var e = Reject("1,cat\n2,\"ox\"\n", options);
        Assert.Contains("line 2, column 2: label \"ox\" is not one of the class names [cat, dog, emu]", e.Message);
    }

    [Fact]
    public void ClassCount_must_fix_the_number_of_classes_and_reject_labels_beyond_it()
    {
        Assert.Equal(10, Load("1,3\n2,4\n", new CsvOptions { ClassCount = 10 }).ClassCount);

        var e = Reject("a,digit\n1,3\n2,12\n", new CsvOptions { ClassCount = 10 });
        Assert.Equal("line 3, column 2 (\"digit\"): label 12 is out of range for 10 classes (0..9)", e.Message[(e.FilePath.Length + 2)..]);

        e = Reject("1,3\n2,seven\n", new CsvOptions { ClassCount = 10 });
        Assert.Contains("line 2, column 2: label \"seven\" is not a class index; with ClassCount 10 set, labels must be integers 0..9", e.Message);
    }

    [Fact]
    public void Regression_must_read_the_label_column_as_a_real_valued_target()
    {
        Dataset data = Load("x,y,price\n1,2,10.5\n3,4,-2e2\n", new CsvOptions { Task = DatasetTask.Regression });

        Assert.Equal(DatasetTask.Regression, data.Task);
        Assert.Equal(1, data.TargetCount);
        Assert.Equal([10.5f, -200f], data.Targets!);
        Assert.Equal([1f, 2, 3, 4], data.Features);
    }

    [Fact]
    public void The_label_column_must_be_selectable_by_name_or_by_index()
    {
        Dataset byName = Load("id,label,x\n1,0,5\n2,1,6\n", new CsvOptions { LabelColumnName = "label" });
        Assert.Equal([1f, 5, 2, 6], byName.Features);
        Assert.Equal([0, 1], byName.Labels);

        Dataset byIndex = Load("1,5,7\n0,6,8\n", new CsvOptions { LabelColumnIndex = 0 });
        Assert.Equal([5f, 7, 6, 8], byIndex.Features);
        Assert.Equal([1, 0], byIndex.Labels);
    }

    [Fact]
    public void The_delimiter_must_be_configurable()
    {
        Dataset data = Load("a;b;c\n1.5;2;x\n", new CsvOptions { Delimiter = ';' });
        Assert.Equal([1.5f, 2], data.Features);
        Assert.Contains("not a number: \"1,5\"", Reject("a;b;c\n1,5;2;x\n", new CsvOptions { Delimiter = ';' }).Message);

        Dataset tabs = Load("1\t2\t0\n", new CsvOptions { Delimiter = '\t' });
        Assert.Equal([1f, 2], tabs.Features);
    }

    [Fact]
    public void Blank_lines_CRLF_and_a_byte_order_mark_must_be_accepted()
    {
        string path = _dir.File("bom.csv");
        File.WriteAllText(path, "\r\nx,y\r\n\r\n1,0\r\n   \r\n2,1\r\n\r\n", new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        Dataset data = CsvDataset.Load(path);

        Assert.Equal([1f, 2], data.Features);
        Assert.Equal([0, 1], data.Labels);
    }

    [Fact]
    public void A_gzip_compressed_file_must_be_read_like_the_plain_one()
    {
        string path = _dir.Write("data.csv.gz", IdxBytes.Gzip(Encoding.UTF8.GetBytes("x,label\n1,a\n2,b\n")));

        Dataset data = CsvDataset.Load(path);

        Assert.Equal("data", data.Name);
        Assert.Equal([1f, 2], data.Features);
    }

    [Fact]
    public void A_large_file_must_stream_through_and_arrive_complete()
    {
        var text = new StringBuilder("a,b,c,label\n");
        for (int i = 0; i < 50_000; i++) text.Append(i).Append(",0.25,").Append(-i).Append(',').Append(i % 3).Append('\n');

        Dataset data = Load(text.ToString(), new CsvOptions { Name = "big" });

        Assert.Equal(("big", 50_000, 3, 3), (data.Name, data.Count, data.FeatureCount, data.ClassCount));
        Assert.Equal([49_999f, 0.25f, -49_999f], data.FeatureRow(49_999).ToArray());
        Assert.Equal(49_999 % 3, data.Labels[^1]);
    }

    [Fact]
    public void A_non_numeric_cell_must_name_the_file_line_column_column_name_and_the_cell_text()
    {
        var e = Reject("x,y,label\n1,2,0\n3,abc,1\n");

        Assert.Equal(_dir.File("bad.csv"), e.FilePath);
        Assert.Equal((3L, 2, "y"), (e.Line, e.Column, e.ColumnName));
        Assert.Equal($"{_dir.File("bad.csv")}: line 3, column 2 (\"y\"): not a number: \"abc\"", e.Message);
    }

    [Fact]
    public void A_line_with_the_wrong_number_of_columns_must_be_rejected_with_both_counts()
    {
        var e = Reject("x,y,label\n1,2,0\n\n1,2\n");
        Assert.Equal(4L, e.Line);
        Assert.Contains("line 4: has 2 columns but the header (line 1) has 3", e.Message);

        e = Reject("1,2,0\n1,2,0,9\n");
        Assert.Contains("line 2: has 4 columns but the first line (line 1) has 3", e.Message);
    }

    [Fact]
    public void An_empty_or_blank_file_must_be_rejected()
    {
        Assert.EndsWith("empty.csv: file is empty: no lines with data", Reject("", file: "empty.csv").Message);
        Assert.EndsWith("file is empty: no lines with data", Reject("\n  \n\r\n").Message);
    }

    [Fact]
    public void A_header_without_data_rows_must_be_rejected()
    {
        Assert.EndsWith("has a header (line 1) but no data rows", Reject("x,y,label\n\n").Message);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("1e39")]
    public void NaN_infinities_and_floats_out_of_range_must_be_rejected(string cell)
    {
        var e = Reject($"x,y,label\n1,{cell},0\n");
        Assert.Contains($"line 2, column 2 (\"y\"): \"{cell}\" is not a finite number", e.Message);

        e = Reject($"x,target\n1,{cell}\n", new CsvOptions { Task = DatasetTask.Regression });
        Assert.Contains($"line 2, column 2 (\"target\"): \"{cell}\" is not a finite number", e.Message);
    }

    [Fact]
    public void An_empty_cell_must_be_reported_as_a_missing_value()
    {
        var e = Reject("x,y,label\n1,,0\n");
        Assert.Contains("line 2, column 2 (\"y\"): empty cell; missing values are not supported", e.Message);

        e = Reject("x,y,label\n1,2,\n");
        Assert.Contains("line 2, column 3 (\"label\"): empty label", e.Message);
    }

    [Fact]
    public void A_label_column_name_not_in_the_header_must_list_the_available_names()
    {
        var e = Reject("x,y,class\n1,2,0\n", new CsvOptions { LabelColumnName = "species" });
        Assert.Contains("line 1: no column named \"species\" in the header; the columns are \"x\", \"y\", \"class\"", e.Message);
    }

    [Fact]
    public void A_label_column_index_beyond_the_columns_must_be_rejected()
    {
        var e = Reject("1,2,0\n", new CsvOptions { LabelColumnIndex = 3 });
        Assert.Contains("label column index 3 is out of range: the line has 3 columns (0-based indices 0..2)", e.Message);
    }

    [Fact]
    public void A_single_column_must_be_rejected_with_a_hint_about_the_delimiter()
    {
        var e = Reject("1;2;0\n3;4;1\n");
        Assert.Contains("has 1 column; a data set needs at least one feature column and the label column (is the delimiter ',' right?)", e.Message);
    }

    [Fact]
    public void An_unterminated_quote_must_be_rejected_with_its_line()
    {
        var e = Reject("x,y,label\n1,\"2,0\n3,4,1\n");
        Assert.Contains("line 2, column 2: unterminated quoted field", e.Message);
    }

    [Fact]
    public void A_missing_file_or_a_directory_must_be_reported_with_the_path()
    {
        string absent = _dir.File("absent.csv");
        Assert.Equal($"{absent}: file not found", Assert.Throws<DataFormatException>(() => CsvDataset.Load(absent)).Message);
        Assert.Equal($"{_dir.Path}: is a directory, not a file", Assert.Throws<DataFormatException>(() => CsvDataset.Load(_dir.Path)).Message);
    }

    [UnreadableFileFact]
    public void An_unreadable_file_must_be_reported_as_permission_denied()
    {
        string path = UnreadableFileFactAttribute.MakeUnreadable(_dir);
        Assert.Equal($"{path}: permission denied", Assert.Throws<DataFormatException>(() => CsvDataset.Load(path)).Message);
    }

    [Fact]
    public void Invalid_options_must_be_rejected_before_the_file_is_read()
    {
        var e = Assert.Throws<ArgumentException>(() => CsvDataset.Load(_dir.File("absent.csv"), new CsvOptions { LabelColumnIndex = -1 }));
        Assert.Contains("CsvOptions.LabelColumnIndex -1 must be 0 or more", e.Message);
    }
}
