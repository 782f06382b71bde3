using Microsoft.ML;
using Microsoft.ML.Data;

namespace Microsoft.ML.Lrp.Tests.OnnxMl;

/// <summary>Tree covers are learnt at Fit from its rows, survive LrpModel.Save/Load, and are uniform when Fit sees no rows.</summary>
[TestClass]
public sealed class TreeCalibrationTests
{
    private static readonly MLContext Ml = new(seed: 1);

    [TestMethod]
    public void FastTree_SaveAndLoad_KeepsCoversAndRelevance()
    {
        var train = Ml.Data.LoadFromEnumerable(TabularData.Rows(300, 1));
        var test = Ml.Data.LoadFromEnumerable(TabularData.Rows(20, 2));
        var model = TabularTrainers.Fit(Ml, "FastTree", "Regression", train);
        var lrp = Ml.Transforms.ExplainWithLrp(model, train).Fit(model.Transform(train));
        var chain = ((TransformerChain<ITransformer>)model).Append(lrp);
        var before = TabularData.Vectors(chain.Transform(test), "Relevance");

        string path = Path.Combine(Path.GetTempPath(), $"lrp-tree-{Guid.NewGuid():N}.zip");
        try
        {
            LrpModel.Save(Ml, chain, train.Schema, path);
            var loaded = LrpModel.Load(Ml, path, out _);
            var after = TabularData.Vectors(loaded.Transform(test), "Relevance");
            for (int row = 0; row < before.Length; row++)
            {
                for (int i = 0; i < before[row].Length; i++)
                {
                    Assert.AreEqual(before[row][i], after[row][i], 0f, $"row {row} feature {i}");
                }
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void FastTree_FitOnNoRows_UsesUniformCoversAndStillConserves()
    {
        var train = Ml.Data.LoadFromEnumerable(TabularData.Rows(300, 1));
        var test = Ml.Data.LoadFromEnumerable(TabularData.Rows(20, 2));
        var model = TabularTrainers.Fit(Ml, "FastTree", "Regression", train);
        var empty = Ml.Data.FilterRowsByColumn(model.Transform(train), "Target", lowerBound: 1e9, upperBound: 2e9);
        var uniform = Ml.Transforms.ExplainWithLrp(model, train).Fit(empty).Transform(model.Transform(test));
        var calibrated = Ml.Transforms.ExplainWithLrp(model, train).Fit(model.Transform(train)).Transform(model.Transform(test));
        var ru = TabularData.Vectors(uniform, "Relevance");
        var rc = TabularData.Vectors(calibrated, "Relevance");
        var raw = TabularData.Vectors(uniform, "RawScore");
        double baseUniform = raw[0][0] - ru[0].Sum(v => (double)v);
        double difference = 0;
        for (int row = 0; row < ru.Length; row++)
        {
            Assert.AreEqual(raw[row][0], ru[row].Sum(v => (double)v) + baseUniform, 1e-5 * (1 + Math.Abs(raw[row][0])));
            difference += ru[row].Zip(rc[row]).Sum(p => Math.Abs(p.First - p.Second));
        }

        Assert.IsTrue(difference > 1e-3, $"uniform and data covers give the same relevance ({difference})");
    }
}
