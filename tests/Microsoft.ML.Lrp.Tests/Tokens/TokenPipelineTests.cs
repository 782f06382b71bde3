using Microsoft.ML.Data;
using Microsoft.ML.Lrp.Tests.MLNet;

namespace Microsoft.ML.Lrp.Tests.Tokens;

/// <summary>
/// Token ids through <c>ExplainWithLrp</c>: an Int64 vector column as the explained input, the attention mask
/// fed from the column named like its ONNX input, one relevance value per token; an Int32 column through a model
/// that casts the ids before the embedding Gather gives what the direct Int64 model gives.
/// </summary>
[TestClass]
public sealed class TokenPipelineTests
{
    private const int Sequence = 4;

    [TestMethod]
    public void ExplainWithLrp_Int64TokenColumn_MatchesExplainTokens()
    {
        var model = new TokenTestModel(Sequence);
        var mlContext = new MLContext(seed: 1);
        var rows = new[]
        {
            new TokenRow { InputIds = [1, 2, 3, 4], AttentionMask = [1, 1, 1, 1] },
            new TokenRow { InputIds = [5, 6, 0, 0], AttentionMask = [1, 1, 0, 0] },
            new TokenRow { InputIds = [3, 3, 1, 0], AttentionMask = [1, 1, 1, 0] },
        };
        var data = mlContext.Data.LoadFromEnumerable(rows);
        var options = new LrpOptions
        {
            ModelBytes = model.Model,
            Composite = LrpComposite.Epsilon,
            Target = LrpTarget.Class(1),
            InputRowShape = [Sequence],
            BatchSize = 2,
        };

        using var transformer = (LrpTransformer)mlContext.Transforms.ExplainWithLrp(options).Fit(data);
        var relevance = LrpTestData.ReadVectors(transformer.Transform(data), "Relevance");
        using var explainer = new LrpExplainer(options);
        var expected = explainer.ExplainTokens(
            rows.SelectMany(r => r.InputIds).ToArray(),
            rows.Length,
            additionalInputs: new Dictionary<string, Array> { ["attention_mask"] = rows.SelectMany(r => r.AttentionMask).ToArray() });

        Assert.AreEqual(rows.Length, relevance.Count);
        for (int r = 0; r < rows.Length; r++)
        {
            Assert.AreEqual(Sequence, relevance[r].Length);
            for (int i = 0; i < Sequence; i++)
            {
                Assert.AreEqual(expected.Relevance[(r * Sequence) + i], relevance[r][i], 1e-5f);
            }
        }

        Assert.AreEqual(0f, relevance[1][3]);
    }

    [TestMethod]
    public void ExplainWithLrp_Int32ColumnThroughCast_MatchesDirectInt64Model()
    {
        var mlContext = new MLContext(seed: 1);
        var rows = new[]
        {
            new Int32Row { InputIds = [1, 2, 3, 4], AttentionMask = [1, 1, 1, 1] },
            new Int32Row { InputIds = [5, 6, 0, 0], AttentionMask = [1, 1, 0, 0] },
            new Int32Row { InputIds = [3, 3, 1, 0], AttentionMask = [1, 1, 1, 0] },
        };
        var castData = mlContext.Data.LoadFromEnumerable(rows);
        var directData = mlContext.Data.LoadFromEnumerable(rows.Select(r => new TokenRow { InputIds = r.InputIds.Select(v => (long)v).ToArray(), AttentionMask = r.AttentionMask }));

        var viaCast = Relevance(mlContext, TokenChainModel.Build(TokenChain.CastFromInt32, Sequence), castData);
        var direct = Relevance(mlContext, TokenChainModel.Build(TokenChain.Direct, Sequence), directData);

        Assert.HasCount(rows.Length, viaCast);
        for (int r = 0; r < rows.Length; r++)
        {
            Assert.HasCount(Sequence, viaCast[r]);
            for (int i = 0; i < Sequence; i++)
            {
                Assert.AreEqual(direct[r][i], viaCast[r][i], 1e-6f, $"row {r}, token {i}");
            }
        }

        Assert.AreEqual(0f, viaCast[1][3]);
        Assert.IsTrue(viaCast[0].Any(v => v != 0f));
    }

    private static List<float[]> Relevance(MLContext mlContext, byte[] model, IDataView data)
    {
        var options = new LrpOptions
        {
            ModelBytes = model,
            Composite = LrpComposite.Epsilon,
            Target = LrpTarget.Class(1),
            InputRowShape = [Sequence],
            BatchSize = 2,
        };
        using var transformer = (LrpTransformer)mlContext.Transforms.ExplainWithLrp(options).Fit(data);
        return LrpTestData.ReadVectors(transformer.Transform(data), "Relevance");
    }

    [TestMethod]
    public void LrpModel_SaveAndLoad_KeepsInputRowShape()
    {
        var model = new TokenTestModel(Sequence);
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(new[] { new TokenRow { InputIds = [1, 2, 3, 4], AttentionMask = [1, 1, 1, 0] } });
        var options = new LrpOptions { ModelBytes = model.Model, Composite = LrpComposite.Epsilon, Target = LrpTarget.Class(0), InputRowShape = [Sequence] };
        using var transformer = (LrpTransformer)mlContext.Transforms.ExplainWithLrp(options).Fit(data);
        string path = Path.Combine(Path.GetTempPath(), "lrp-token-model-" + Guid.NewGuid().ToString("N") + ".zip");
        try
        {
            LrpModel.Save(mlContext, transformer, data.Schema, path);
            var loaded = LrpModel.Load(mlContext, path, out _);
            var expected = LrpTestData.ReadVectors(transformer.Transform(data), "Relevance");
            var actual = LrpTestData.ReadVectors(loaded.Transform(data), "Relevance");

            Assert.AreEqual(Sequence, actual[0].Length);
            for (int i = 0; i < Sequence; i++)
            {
                Assert.AreEqual(expected[0][i], actual[0][i], 1e-6f);
            }

            (loaded as IDisposable)?.Dispose();
        }
        finally
        {
            File.Delete(path);
        }
    }

    private sealed class Int32Row
    {
        [ColumnName("input_ids")]
        [VectorType(Sequence)]
        public int[] InputIds { get; set; } = [];

        [ColumnName("attention_mask")]
        [VectorType(Sequence)]
        public long[] AttentionMask { get; set; } = [];
    }

    private sealed class TokenRow
    {
        [ColumnName("input_ids")]
        [VectorType(Sequence)]
        public long[] InputIds { get; set; } = [];

        [ColumnName("attention_mask")]
        [VectorType(Sequence)]
        public long[] AttentionMask { get; set; } = [];
    }
}
