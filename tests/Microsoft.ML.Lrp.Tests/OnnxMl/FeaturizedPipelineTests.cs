using Microsoft.ML;
using Microsoft.ML.Data;

namespace Microsoft.ML.Lrp.Tests.OnnxMl;

/// <summary>
/// AutoML-style featurizers before the trainer (ReplaceMissingValues, ConvertType, OneHotEncoding,
/// OneHotHashEncoding, NormalizeMeanVariance/MinMax, Concatenate): the explained boundary is the trainer's Features
/// column, its slot names are kept, and relevance conserves the raw score.
/// </summary>
[TestClass]
public sealed class FeaturizedPipelineTests
{
    [TestMethod]
    [DataRow("Sdca")]
    [DataRow("LightGbm")]
    public void Featurizers_BeforeTrainer_SlotNamesKeptAndScoreConserved(string trainer)
    {
        var ml = new MLContext(seed: 1);
        string[] colors = ["Red", "Green", "Blue"];
        var random = new Random(5);
        var rows = Enumerable.Range(0, 300).Select(i => new MixedRow
        {
            Size = i % 17 == 0 ? float.NaN : (float)random.NextDouble(),
            Count = random.Next(10),
            Color = colors[i % 3],
            Shop = $"shop{i % 5}",
            Target = (float)random.NextDouble(),
        }).ToList();
        foreach (var row in rows)
        {
            row.Target = (2 * (float.IsNaN(row.Size) ? 0 : row.Size)) + (row.Color == "Red" ? 1 : 0);
        }

        var data = ml.Data.LoadFromEnumerable(rows);
        var featurize = ml.Transforms.ReplaceMissingValues("Size")
            .Append(ml.Transforms.Conversion.ConvertType("CountF", "Count", DataKind.Single))
            .Append(ml.Transforms.NormalizeMeanVariance("CountF"))
            .Append(ml.Transforms.Categorical.OneHotEncoding("Color"))
            .Append(ml.Transforms.Categorical.OneHotHashEncoding("Shop", numberOfBits: 3))
            .Append(ml.Transforms.Concatenate("Features", "Size", "CountF", "Color", "Shop"))
            .Append(ml.Transforms.NormalizeMinMax("Features"));
        IEstimator<ITransformer> estimator = trainer == "Sdca"
            ? featurize.Append(ml.Regression.Trainers.Sdca("Target"))
            : featurize.Append(ml.Regression.Trainers.LightGbm("Target", numberOfLeaves: 8, numberOfIterations: 20));
        var model = estimator.Fit(data);
        var featured = model.Transform(data);
        var explained = ml.Transforms.ExplainWithLrp(model, data).Fit(featured).Transform(featured);

        VBuffer<ReadOnlyMemory<char>> names = default;
        explained.Schema["Relevance"].GetSlotNames(ref names);
        var slots = names.DenseValues().Select(n => n.ToString()).ToList();
        CollectionAssert.Contains(slots, "Color.Red");
        Assert.AreEqual(1 + 1 + 3 + 8, slots.Count);

        var relevance = TabularData.Vectors(explained, "Relevance");
        var raw = TabularData.Vectors(explained, "RawScore");
        var score = TabularData.Floats(explained, "Score");
        double baseValue = raw[0][0] - relevance[0].Sum(v => (double)v);
        for (int row = 0; row < relevance.Length; row++)
        {
            Assert.AreEqual(score[row], raw[row][0], 1e-4 * (1 + Math.Abs(score[row])), "the raw score is ML.NET's");
            Assert.AreEqual(raw[row][0], relevance[row].Sum(v => (double)v) + baseValue, 1e-4 * (1 + Math.Abs(raw[row][0])), $"row {row}");
        }
    }

    public sealed class MixedRow
    {
        public float Size { get; set; }

        public int Count { get; set; }

        public string Color { get; set; } = "";

        public string Shop { get; set; } = "";

        public float Target { get; set; }
    }
}
