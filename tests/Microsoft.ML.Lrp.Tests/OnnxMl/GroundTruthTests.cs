using Microsoft.ML;

namespace Microsoft.ML.Lrp.Tests.OnnxMl;

/// <summary>
/// On data whose labels depend on features 0 and 1 only, those two features get at least 90 % of the mean absolute
/// relevance for every trainer AutoML chooses between (L-BFGS regression in ML.NET is Poisson only: not listed).
/// </summary>
[TestClass]
public sealed class GroundTruthTests
{
    private static readonly MLContext Ml = new(seed: 1);

    public static IEnumerable<object[]> Cases() =>
        TabularTrainers.Names.SelectMany(t => new[] { "Binary", "Multiclass", "Regression" }.Where(task => !(t == "Lbfgs" && task == "Regression")).Select(task => new object[] { t, task }));

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void Trainer_LabelFromTwoFeatures_TheyGetNinetyPercentOfRelevance(string trainer, string task)
    {
        var train = Ml.Data.LoadFromEnumerable(TabularData.Rows(2000, 3));
        var test = Ml.Data.LoadFromEnumerable(TabularData.Rows(100, 4));
        var model = TabularTrainers.Fit(Ml, trainer, task, train);
        var explained = Ml.Transforms.ExplainWithLrp(model, train).Fit(model.Transform(train)).Transform(model.Transform(test));
        var relevance = TabularData.Vectors(explained, "Relevance");
        var meanAbs = new double[10];
        foreach (var row in relevance)
        {
            for (int i = 0; i < 10; i++)
            {
                meanAbs[i] += Math.Abs(row[i]) / relevance.Length;
            }
        }

        double share = (meanAbs[0] + meanAbs[1]) / meanAbs.Sum();
        Assert.IsTrue(share >= 0.9, $"{trainer} {task}: features 0 and 1 get {share:P1} of the mean |relevance| ({string.Join(", ", meanAbs.Select(v => v.ToString("F3")))})");
    }
}
