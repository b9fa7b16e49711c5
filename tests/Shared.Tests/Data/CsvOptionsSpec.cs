using Dpt.Data;

namespace Dpt.Shared.Tests.Data;

public class CsvOptionsSpec
{
    [Fact]
    public void The_defaults_must_be_valid_comma_auto_header_last_column_classification()
    {
        var options = new CsvOptions();
        options.Validate();
        Assert.Equal((',', null, null, null, DatasetTask.Classification),
            (options.Delimiter, options.HasHeader, options.LabelColumnName, options.LabelColumnIndex, options.Task));
    }

    public static TheoryData<CsvOptions, string> InvalidOptions => new()
    {
        { new CsvOptions { Delimiter = '"' }, "CsvOptions.Delimiter '\"' is not allowed" },
        { new CsvOptions { Delimiter = '\n' }, "CsvOptions.Delimiter '\\n' is not allowed" },
        { new CsvOptions { LabelColumnName = "y", LabelColumnIndex = 1 }, "LabelColumnName \"y\" and LabelColumnIndex 1 are both set" },
        { new CsvOptions { LabelColumnName = "" }, "CsvOptions.LabelColumnName is empty" },
        { new CsvOptions { LabelColumnName = "y", HasHeader = false }, "LabelColumnName \"y\" needs a header, but HasHeader is false" },
        { new CsvOptions { LabelColumnIndex = -2 }, "CsvOptions.LabelColumnIndex -2 must be 0 or more" },
        { new CsvOptions { Task = (DatasetTask)7 }, "CsvOptions.Task 7 is not a DatasetTask" },
        { new CsvOptions { Task = DatasetTask.Regression, ClassCount = 3 }, "apply to classification, but Task is Regression" },
        { new CsvOptions { ClassNames = ["a"], ClassCount = 1 }, "ClassNames (1 names) and ClassCount 1 are both set" },
        { new CsvOptions { ClassNames = [] }, "CsvOptions.ClassNames is empty" },
        { new CsvOptions { ClassNames = ["a", "b", "a"] }, "CsvOptions.ClassNames [a, b, a] contains a name twice" },
        { new CsvOptions { ClassCount = 0 }, "CsvOptions.ClassCount 0 must be positive" },
        { new CsvOptions { Name = " " }, "CsvOptions.Name is blank" },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Validate_must_name_the_option_and_the_value(CsvOptions options, string expected)
    {
        var e = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains(expected, e.Message);
    }
}
