using Microsoft.ML;

namespace Microsoft.ML.Lrp.Tests.OnnxMl;

/// <summary>
/// Tree ensembles (FastTree, FastForest, LightGbm) explained by path decomposition: per row and class,
/// <c>Σ relevance + base = raw score</c> with one base per class for all rows, the raw score equal to ML.NET's.
/// </summary>
[TestClass]
public sealed class TrainedModelTreeTests
{
    private static readonly MLContext Ml = new(seed: 1);

    public static IEnumerable<object[]> Trainers() =>
    [
        ["FastTree", "Binary"], ["FastTree", "Multiclass"], ["FastTree", "Regression"],
        ["FastForest", "Binary"], ["FastForest", "Multiclass"], ["FastForest", "Regression"],
        ["LightGbm", "Binary"], ["LightGbm", "Multiclass"], ["LightGbm", "Regression"],
    ];

    [TestMethod]
    [DynamicData(nameof(Trainers))]
    public void TreeEnsemble_EveryTask_RelevancePlusBaseEqualsRawScore(string trainer, string task)
    {
        var train = Ml.Data.LoadFromEnumerable(TabularData.Rows(300, 1));
        var test = Ml.Data.LoadFromEnumerable(TabularData.Rows(40, 2));
        var model = TabularTrainers.Fit(Ml, trainer, task, train);
        var trainFeatures = model.Transform(train);
        var testFeatures = model.Transform(test);
        int classes = task == "Multiclass" ? 3 : 1;
        for (int k = 0; k < classes; k++)
        {
            var options = new LrpOptions { Composite = LrpComposite.Epsilon, Target = LrpTarget.Class(k) };
            var explained = Ml.Transforms.ExplainWithLrp(model, train, options: options).Fit(trainFeatures).Transform(testFeatures);
            var relevance = TabularData.Vectors(explained, "Relevance");
            var raw = TabularData.Vectors(explained, "RawScore");
            var score = TabularData.Floats(explained, "LrpScore");
            Assert.AreEqual(40, relevance.Length);
            double baseValue = raw[0][k] - relevance[0].Sum(v => (double)v);
            for (int row = 0; row < relevance.Length; row++)
            {
                Assert.AreEqual(raw[row][k], score[row], 0f, "LrpScore is the explained raw score");
                double sum = relevance[row].Sum(v => (double)v);
                Assert.AreEqual(raw[row][k], sum + baseValue, 1e-5 * (1 + Math.Abs(raw[row][k])), $"{trainer} {task} class {k} row {row}");
            }

            if (task != "Multiclass")
            {
                var mlnetScore = TabularData.Floats(testFeatures, "Score");
                for (int row = 0; row < raw.Length; row++)
                {
                    Assert.AreEqual(mlnetScore[row], raw[row][0], 1e-4 * (1 + Math.Abs(mlnetScore[row])), $"raw score = ML.NET Score, row {row}");
                }
            }
        }
    }
}
