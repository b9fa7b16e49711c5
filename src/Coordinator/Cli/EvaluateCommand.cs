// `dpt evaluate MODEL`: accuracy, loss and the confusion matrix of a saved model on a data set,
// scaled with the model's own scaler (fitted on its training data, never refitted here).
using Dpt.CommandLine;
using System.CommandLine;
using System.Text.Json;
using Dpt.Data;
using Dpt.Model;
using Dpt.Training;
using Spectre.Console;

namespace Dpt.Coordinator.Cli;

internal static class EvaluateCommand
{
    private static readonly TrainingOptions Defaults = new();

    private static readonly Argument<string> Model = new("MODEL") { Description = "A model file written by dpt train (run folder/model.dpt)" };
    private static readonly Option<string?> Dataset = CliOptions.OptionalString("--dataset",
        $"Data set: {string.Join(", ", TrainingOptionsValidator.Datasets)} [default: the one the model was trained on]");
    private static readonly Option<string?> Data = CliOptions.OptionalString("--data",
        $"Directory of the IDX files, or the CSV file to score [default: {MnistFormat.FashionMnistDirectory} for fashion-mnist; mnist and csv need it]");
    private static readonly Option<string?> LabelColumn = CliOptions.OptionalString("--label-column",
        "CSV only: label column name or 0-based index [default: last column]");
    private static readonly Option<string> Split = CliOptions.String("--split", "test", "Which part to score: test or train (for CSV, --data is scored)");
    private static readonly string[] Splits = ["test", "train"];
    private static readonly Option<int?> Samples = CliOptions.OptionalInt("--samples",
        $"Synthetic sets only: the training sample count the data was drawn with [default: the model's, {Defaults.SyntheticCount} for a model that does not record it]",
        TrainingOptionsValidator.Accepted.Samples);
    private static readonly Option<ulong?> Seed = CliOptions.OptionalULong("--seed",
        $"Synthetic sets only: the seed the data was drawn with [default: the model's, {Defaults.Seed} for a model that does not record it]");
    private static readonly Option<bool> Json = CliOptions.Flag("--json", "Print one JSON object instead of tables");

    public static Command Create()
    {
        var command = new Command("evaluate", "Score a trained model: accuracy, mean loss and the confusion matrix.");
        command.Arguments.Add(Model);
        foreach (var option in new Option[] { Dataset, Data, LabelColumn, Split, Samples, Seed, Json }) command.Options.Add(option);
        command.SetAction((r, _) => CliProgram.Run(() => Task.FromResult(Run(r))));
        return command;
    }

    private static int Run(ParseResult r)
    {
        string path = r.GetValue(Model)!;
        string split = r.GetValue(Split)!;
        if (!Splits.Contains(split)) throw new InvalidOptionException("--split", split, $"expected {string.Join(" or ", Splits)}");
        if (r.GetValue(Samples) is { } samples && samples is < 10 or > 10_000_000)
            throw new InvalidOptionException("--samples", samples.ToString(), $"expected {TrainingOptionsValidator.Accepted.Samples}");
        var model = ModelFile.Load(path);
        var options = new TrainingOptions
        {
            Dataset = r.GetValue(Dataset) ?? model.Dataset,
            DataPath = r.GetValue(Data),
            SyntheticCount = r.GetValue(Samples) ?? model.SyntheticCount ?? Defaults.SyntheticCount,
            Seed = r.GetValue(Seed) ?? model.Seed ?? Defaults.Seed,
        };
        if (!TrainingOptionsValidator.Datasets.Contains(options.Dataset))
            throw new InvalidOptionException("--dataset", options.Dataset, $"expected {TrainingOptionsValidator.Accepted.Dataset}");
        var data = options.Dataset == "csv" ? LoadCsv(model, options.DataPath, r.GetValue(LabelColumn)) : Load(options, split);
        CheckFits(model, path, data, options.DataPath ?? $"the {options.Dataset} data set");
        model.Scaler.Apply(data);
        var mlp = new Mlp(model.Spec);
        var result = ModelEvaluation.Run(mlp, model.Parameters, data);
        var names = model.ClassNames ?? data.ClassNames ?? Enumerable.Range(0, result.Confusion.GetLength(0)).Select(i => i.ToString()).ToArray();

        if (r.GetValue(Json))
        {
            int k = result.Confusion.GetLength(0);
            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["model"] = path,
                ["dataset"] = options.Dataset,
                ["split"] = split,
                ["samples"] = result.Metrics.Count,
                ["accuracy"] = result.Metrics.Accuracy,
                ["loss"] = result.Metrics.MeanLoss,
                ["classes"] = names,
                ["confusion"] = Enumerable.Range(0, k).Select(i => Enumerable.Range(0, k).Select(j => result.Confusion[i, j]).ToArray()).ToArray(),
            }));
            return CliProgram.Ok;
        }
        var console = Terminal.Console;
        console.WriteLine($"{path}: {model.Spec} on {options.Dataset} ({split}, {result.Metrics.Count:N0} samples)");
        console.WriteLine($"accuracy {Terminal.Percent(result.Metrics.Accuracy)}, mean loss {result.Metrics.MeanLoss:F4}");
        console.WriteLine();
        console.WriteLine("confusion matrix (rows: true class, columns: predicted)");
        var table = new Table().Border(TableBorder.Simple);
        table.AddColumn("");
        for (int j = 0; j < names.Count; j++) table.AddColumn(new TableColumn(j.ToString()).RightAligned());
        table.AddColumn(new TableColumn("recall").RightAligned());
        for (int i = 0; i < names.Count; i++)
        {
            int rowTotal = 0;
            var cells = new List<string> { Markup.Escape($"{i} {names[i]}") };
            for (int j = 0; j < names.Count; j++)
            {
                rowTotal += result.Confusion[i, j];
                cells.Add(i == j ? $"[bold]{result.Confusion[i, j]}[/]" : result.Confusion[i, j].ToString());
            }
            cells.Add(rowTotal == 0 ? "-" : Terminal.Percent((double)result.Confusion[i, i] / rowTotal, 1));
            table.AddRow(cells.ToArray());
        }
        console.Write(table);
        return CliProgram.Ok;
    }

    /// <summary>The training or test part of a data set the options name (drawn again, for a synthetic one).</summary>
    private static Dataset Load(TrainingOptions options, string split)
    {
        var (train, test) = TrainingData.LoadRaw(options);
        return split == "train" ? train : test ?? throw new InvalidOptionException("--split", split, "this data set has no test part");
    }

    /// <summary>A CSV file to score, its class labels numbered as the model numbers them (a file may hold only some of the classes).</summary>
    private static Dataset LoadCsv(ModelFile model, string? path, string? labelColumn)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new InvalidOptionException("--data", "", "the csv data set needs --data PATH naming the CSV file to score");
        var options = new CsvOptions
        {
            ClassNames = model.ClassNames,
            ClassCount = model.ClassNames is null ? Math.Max(2, model.Spec.Outputs) : null,
        };
        if (labelColumn is not null)
            options = int.TryParse(labelColumn, out int index) ? options with { LabelColumnIndex = index } : options with { LabelColumnName = labelColumn };
        return CsvDataset.Load(path, options);
    }

    /// <summary>Refuses data the model cannot score: regression targets, another number of features, more classes than outputs.</summary>
    private static void CheckFits(ModelFile model, string modelPath, Dataset data, string source)
    {
        var spec = model.Spec;
        string problem =
            data.Task != DatasetTask.Classification ? "has regression targets; evaluate scores classifiers against class labels"
            : data.FeatureCount != spec.Inputs ? $"has {data.FeatureCount} features per sample, but the model {modelPath} takes {spec.Inputs}"
            : spec.Outputs > 1 && data.ClassCount > spec.Outputs ? $"has {data.ClassCount} classes, but the model {modelPath} tells {spec.Outputs} apart"
            : "";
        if (problem.Length > 0) throw new InvalidDataException($"{source} {problem} (was the model trained on this data?)");
    }
}
