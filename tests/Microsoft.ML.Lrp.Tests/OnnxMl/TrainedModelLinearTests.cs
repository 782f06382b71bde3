using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace Microsoft.ML.Lrp.Tests.OnnxMl;

[TestClass]
public sealed class TrainedModelLinearTests
{
    private static readonly MLContext Ml = new(seed: 1);

    private static (IDataView Train, IDataView Test) Data()
        => (Ml.Data.LoadFromEnumerable(TabularData.Rows(300, 1)), Ml.Data.LoadFromEnumerable(TabularData.Rows(40, 2)));

    [TestMethod]
    public void SdcaLogistic_Binary_RelevanceIsWeightTimesFeatureAndFeatureContribution()
        => CheckBinary(Ml.BinaryClassification.Trainers.SdcaLogisticRegression("Binary"));

    [TestMethod]
    public void LbfgsLogistic_Binary_RelevanceIsWeightTimesFeatureAndFeatureContribution()
        => CheckBinary(Ml.BinaryClassification.Trainers.LbfgsLogisticRegression("Binary"));

    [TestMethod]
    public void Sdca_Regression_RelevanceIsWeightTimesFeatureAndFeatureContribution()
    {
        var (train, test) = Data();
        var model = Ml.Transforms.Concatenate("Features", "F").Append(Ml.Regression.Trainers.Sdca("Target")).Fit(train);
        var weights = model.LastTransformer.Model.Weights.ToArray();
        Compare(model, train, test, weights, Ml.Transforms.CalculateFeatureContribution(model.LastTransformer, normalize: false));
    }

    [TestMethod]
    public void LbfgsMaximumEntropy_EveryClass_RelevanceIsClassWeightTimesFeature()
    {
        var (train, test) = Data();
        var model = Ml.Transforms.Conversion.MapValueToKey("Label", "Class").Append(Ml.Transforms.Concatenate("Features", "F"))
            .Append(Ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy()).Fit(train);
        VBuffer<float>[] classWeights = default!;
        model.LastTransformer.Model.GetWeights(ref classWeights, out int classes);
        var trainFeatures = model.Transform(train);
        var testFeatures = model.Transform(test);
        var x = TabularData.Vectors(testFeatures, "Features");
        for (int k = 0; k < classes; k++)
        {
            var lrp = Ml.Transforms.ExplainWithLrp(model, train, options: new LrpOptions { Composite = LrpComposite.Epsilon, Target = LrpTarget.Class(k) }).Fit(trainFeatures);
            var relevance = TabularData.Vectors(lrp.Transform(testFeatures), "Relevance");
            var w = classWeights[k].DenseValues().ToArray();
            for (int row = 0; row < x.Length; row++)
            {
                for (int i = 0; i < w.Length; i++)
                {
                    Assert.AreEqual(w[i] * x[row][i], relevance[row][i], 1e-5, $"class {k} row {row} feature {i}");
                }
            }
        }
    }

    private static void CheckBinary(IEstimator<BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>>> trainer)
    {
        var (train, test) = Data();
        var model = Ml.Transforms.Concatenate("Features", "F").Append(trainer).Fit(train);
        var contributions = Ml.Transforms.CalculateFeatureContribution(model.LastTransformer, normalize: false);
        Compare(model, train, test, model.LastTransformer.Model.SubModel.Weights.ToArray(), contributions);
    }

    private static void Compare(ITransformer model, IDataView train, IDataView test, float[] weights, IEstimator<ITransformer> contributions)
    {
        var lrp = Ml.Transforms.ExplainWithLrp(model, train).Fit(model.Transform(train));
        var scored = model.Transform(test);
        var explained = lrp.Transform(scored);
        var x = TabularData.Vectors(explained, "Features");
        var relevance = TabularData.Vectors(explained, "Relevance");
        var fcc = TabularData.Vectors(contributions.Fit(scored).Transform(scored), "FeatureContributions");
        Assert.AreEqual(x.Length, relevance.Length);
        for (int row = 0; row < x.Length; row++)
        {
            for (int i = 0; i < weights.Length; i++)
            {
                Assert.AreEqual(weights[i] * x[row][i], relevance[row][i], 1e-5, $"w·x, row {row} feature {i}");
                Assert.AreEqual(fcc[row][i], relevance[row][i], 1e-5, $"FeatureContributions, row {row} feature {i}");
            }
        }
    }
}
