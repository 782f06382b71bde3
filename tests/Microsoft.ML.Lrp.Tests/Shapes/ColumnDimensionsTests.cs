using Microsoft.ML.Data;
using Microsoft.ML.Lrp.Tests.MLNet;

namespace Microsoft.ML.Lrp.Tests.Shapes;

/// <summary>
/// In ML.NET, inputs with variable dimensions take their shapes from their columns'
/// <c>VectorDataViewType.Dimensions</c> when no option gives them; a state <c>[2, batch, 4]</c> and a scalar are
/// read from their columns like any other input.
/// </summary>
[TestClass]
public sealed class ColumnDimensionsTests
{
    [TestMethod]
    public void ExplainWithLrp_CacheShapesFromColumnDimensions_MatchesExplainerWithGivenShapes()
    {
        var random = new Random(4);
        float Next() => (float)((random.NextDouble() * 2) - 1);
        var rows = Enumerable.Range(0, 3).Select(r => new CacheRow
        {
            InputIds = [r + 1, 2 * r, 9 - r],
            Key = Enumerable.Range(0, 8).Select(_ => Next()).ToArray(),
            Value = Enumerable.Range(0, 8).Select(_ => Next()).ToArray(),
            Mask = [1, 1, 1, 1, r == 1 ? 0 : 1],
        }).ToArray();
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(rows);
        var options = new LrpOptions { ModelBytes = ShapeTestModels.CacheDecoder(), Composite = LrpComposite.AttnLrp, BatchSize = 2 };

        using var transformer = (LrpTransformer)mlContext.Transforms.ExplainWithLrp(options).Fit(data);
        var relevance = LrpTestData.ReadVectors(transformer.Transform(data), "Relevance");
        using var explainer = new LrpExplainer(options with
        {
            InputRowShape = [3],
            InputRowShapes = new Dictionary<string, int[]> { ["past_key_values.0.key"] = [1, 2, 4], ["attention_mask"] = [5] },
        });
        var expected = explainer.ExplainTokens(
            rows.SelectMany(r => r.InputIds).ToArray(),
            rows.Length,
            additionalInputs: new Dictionary<string, Array>
            {
                ["past_key_values.0.key"] = rows.SelectMany(r => r.Key).ToArray(),
                ["past_key_values.0.value"] = rows.SelectMany(r => r.Value).ToArray(),
                ["attention_mask"] = rows.SelectMany(r => r.Mask).ToArray(),
            });

        Assert.HasCount(rows.Length, relevance);
        for (int r = 0; r < rows.Length; r++)
        {
            CollectionAssert.AreEqual(expected.RelevanceOf(r).ToArray(), relevance[r], $"row {r}");
        }

        Assert.IsGreaterThan(0.0, expected.Relevance.Sum(v => (double)Math.Abs(v)));
    }

    [TestMethod]
    public void LrpModel_SaveAndLoad_KeepsShapesFromColumnsAndInputRowShapes()
    {
        var rows = Enumerable.Range(0, 2).Select(r => new CacheRow
        {
            InputIds = [r + 1, 3, 5],
            Key = Enumerable.Range(0, 8).Select(i => (float)Math.Sin(i + r)).ToArray(),
            Value = Enumerable.Range(0, 8).Select(i => (float)Math.Cos(i - r)).ToArray(),
            Mask = [1, 1, 1, 1, 1],
        }).ToArray();
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(rows);
        // The key's shape comes from its column; the mask's from the option.
        var options = new LrpOptions
        {
            ModelBytes = ShapeTestModels.CacheDecoder(),
            Composite = LrpComposite.AttnLrp,
            InputRowShapes = new Dictionary<string, int[]> { ["attention_mask"] = [5] },
        };
        using var transformer = (LrpTransformer)mlContext.Transforms.ExplainWithLrp(options).Fit(data);
        string path = Path.Combine(Path.GetTempPath(), "lrp-shapes-model-" + Guid.NewGuid().ToString("N") + ".zip");
        try
        {
            LrpModel.Save(mlContext, transformer, data.Schema, path);
            var loaded = LrpModel.Load(mlContext, path, out _);
            var expected = LrpTestData.ReadVectors(transformer.Transform(data), "Relevance");
            var actual = LrpTestData.ReadVectors(loaded.Transform(data), "Relevance");
            (loaded as IDisposable)?.Dispose();

            Assert.HasCount(2, actual);
            CollectionAssert.AreEqual(expected[0], actual[0]);
            CollectionAssert.AreEqual(expected[1], actual[1]);
            Assert.IsGreaterThan(0.0, actual[1].Sum(v => (double)Math.Abs(v)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void ExplainWithLrp_StateAndScalarColumns_MatchExplainer()
    {
        var random = new Random(6);
        float Next() => (float)((random.NextDouble() * 2) - 1);
        var rows = Enumerable.Range(0, 3).Select(_ => new StateRow
        {
            X = Enumerable.Range(0, 4).Select(_ => Next()).ToArray(),
            State = Enumerable.Range(0, 8).Select(_ => Next()).ToArray(),
            Rate = 16000,
        }).ToArray();
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(rows);
        var options = new LrpOptions { ModelBytes = ShapeTestModels.StateModel(), Composite = LrpComposite.Epsilon, BatchSize = 2 };

        using var transformer = (LrpTransformer)mlContext.Transforms.ExplainWithLrp(options).Fit(data);
        var relevance = LrpTestData.ReadVectors(transformer.Transform(data), "Relevance");
        using var explainer = new LrpExplainer(options);
        var expected = explainer.Explain(
            rows.SelectMany(r => r.X).ToArray(),
            rows.Length,
            additionalInputs: new Dictionary<string, Array> { ["state"] = rows.SelectMany(r => r.State).ToArray(), ["sr"] = new[] { 16000L } });

        for (int r = 0; r < rows.Length; r++)
        {
            CollectionAssert.AreEqual(expected.RelevanceOf(r).ToArray(), relevance[r], $"row {r}");
        }
    }

    private sealed class CacheRow
    {
        [ColumnName("input_ids")]
        [VectorType(3)]
        public long[] InputIds { get; set; } = [];

        [ColumnName("past_key_values.0.key")]
        [VectorType(1, 2, 4)]
        public float[] Key { get; set; } = [];

        [ColumnName("past_key_values.0.value")]
        [VectorType(1, 2, 4)]
        public float[] Value { get; set; } = [];

        [ColumnName("attention_mask")]
        [VectorType(5)]
        public long[] Mask { get; set; } = [];
    }

    private sealed class StateRow
    {
        [ColumnName("x")]
        [VectorType(4)]
        public float[] X { get; set; } = [];

        [ColumnName("state")]
        [VectorType(2, 4)]
        public float[] State { get; set; } = [];

        [ColumnName("sr")]
        public long Rate { get; set; }
    }
}
