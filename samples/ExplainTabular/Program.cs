// Explains the trainers AutoML chooses between (SDCA, L-BFGS, FastTree, FastForest, LightGbm) on data with a known
// ground truth: the label depends on Income and Debt only. For each trainer and task it prints the top features of
// a few test rows, the mean absolute relevance per input column (LrpOptions.RelevanceByColumnName: one-hot slots
// such as Color.Red summed back to Color), and, where ML.NET supports it (binary, regression), the mean
// |CalculateFeatureContribution| next to it, summed over the same groups.
using System.Globalization;
using ExplainTabular;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Lrp;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var ml = new MLContext(seed: 1);
var train = ml.Data.LoadFromEnumerable(TabularRow.Generate(2000, 1));
var test = ml.Data.LoadFromEnumerable(TabularRow.Generate(200, 2));
var featurize = ml.Transforms.Categorical.OneHotEncoding("Color")
    .Append(ml.Transforms.Concatenate("Features", [.. TabularRow.NumericColumns, "Color"]))
    .Append(ml.Transforms.NormalizeMinMax("Features"));

foreach (string task in new[] { "Binary", "Multiclass", "Regression" })
{
    foreach (string trainer in new[] { "Sdca", "Lbfgs", "FastTree", "FastForest", "LightGbm" })
    {
        var estimator = Trainers.For(ml, task, trainer, featurize);
        if (estimator is null)
        {
            continue;
        }

        var model = estimator.Fit(train);
        var scored = model.Transform(test);
        // One line: export the trained model, keep its predictor, explain its raw score over the Features slots, and
        // sum the slots back to the input columns they were made from (traced through the exported graph).
        var options = new LrpOptions { Composite = LrpComposite.Epsilon, RelevanceByColumnName = "RelevanceByColumn" };
        var explain = ml.Transforms.ExplainWithLrp(model, train, options: options);
        var explained = explain.Fit(model.Transform(train)).Transform(scored);

        VBuffer<ReadOnlyMemory<char>> slotNames = default;
        explained.Schema["Relevance"].GetSlotNames(ref slotNames);
        string[] slots = slotNames.DenseValues().Select(s => s.ToString()).ToArray();
        var relevance = explained.GetColumn<VBuffer<float>>("Relevance").Select(v => v.DenseValues().ToArray()).ToArray();
        var targets = explained.GetColumn<int>("LrpTarget").ToArray();

        Console.WriteLine($"== {trainer} {task}");
        for (int row = 0; row < 3; row++)
        {
            var top = relevance[row].Select((r, i) => (Slot: slots[i], R: r)).OrderByDescending(p => Math.Abs(p.R)).Take(3);
            Console.WriteLine($"   row {row}{(task == "Multiclass" ? $" (class {targets[row]})" : "")}: {string.Join(", ", top.Select(p => $"{p.Slot} {p.R:+0.000;-0.000}"))}");
        }

        VBuffer<ReadOnlyMemory<char>> columnNames = default;
        explained.Schema["RelevanceByColumn"].GetSlotNames(ref columnNames);
        var byColumn = SlotGroups.MeanAbsolute(explained.GetColumn<VBuffer<float>>("RelevanceByColumn").Select(v => v.DenseValues().ToArray()).ToArray(), columnNames.DenseValues().Select(s => s.ToString()).ToArray());
        Console.WriteLine($"   mean |relevance| by column: {Format(byColumn)}");
        double share = (byColumn["Income"] + byColumn["Debt"]) / byColumn.Values.Sum();
        Console.WriteLine($"   Income + Debt: {share:P1} of the mean |relevance| (ground truth: all of it)");

        if (task != "Multiclass" && Trainers.FeatureContributions(ml, model) is { } contributions)
        {
            var fcc = contributions.Fit(scored).Transform(scored).GetColumn<VBuffer<float>>("FeatureContributions").Select(v => v.DenseValues().ToArray()).ToArray();
            double maxDifference = relevance.Zip(fcc).Max(p => p.First.Zip(p.Second).Max(q => Math.Abs(q.First - q.Second)));
            Console.WriteLine($"   CalculateFeatureContribution(normalize: false) mean |.| by column: {Format(SlotGroups.MeanAbsoluteByGroup(fcc, explain.Options.RelevanceColumnGroups!))}");
            Console.WriteLine($"   largest |LRP − FeatureContribution| over the test rows: {maxDifference:G3}{(trainer is "Sdca" or "Lbfgs" ? " (linear: both are w_i·x_i)" : " (trees: ML.NET uses its own node values)")}");
        }
    }
}

static string Format(IReadOnlyDictionary<string, double> values)
    => string.Join(", ", values.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value:0.000}"));
