using Microsoft.ML.Data;
using Microsoft.ML.Lrp.Tests.MLNet;

namespace Microsoft.ML.Lrp.Tests.Tokens;

/// <summary>
/// An Int32 token-id column through <c>ExplainWithLrp</c> on a model that casts the ids to Int64 before the embedding
/// Gather: the same per-token relevance as the model whose Int64 ids feed the Gather directly, row order kept.
/// </summary>
[TestClass]
public sealed class TokenChainPipelineTests
{
    private const int Sequence = 4;

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
        var directData = mlContext.Data.LoadFromEnumerable(rows.Select(r => new Int64Row { InputIds = r.InputIds.Select(v => (long)v).ToArray(), AttentionMask = r.AttentionMask }));

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

    private sealed class Int32Row
    {
        [ColumnName("input_ids")]
        [VectorType(Sequence)]
        public int[] InputIds { get; set; } = [];

        [ColumnName("attention_mask")]
        [VectorType(Sequence)]
        public long[] AttentionMask { get; set; } = [];
    }

    private sealed class Int64Row
    {
        [ColumnName("input_ids")]
        [VectorType(Sequence)]
        public long[] InputIds { get; set; } = [];

        [ColumnName("attention_mask")]
        [VectorType(Sequence)]
        public long[] AttentionMask { get; set; } = [];
    }
}
