using ExplainSearch;
using Microsoft.ML.Data;
using Microsoft.ML.Lrp.Tests.MLNet;

namespace Microsoft.ML.Lrp.Tests.Transformer.MiniLm;

/// <summary>
/// MiniLM through <c>ExplainWithLrp</c>: Int64 token-id, mask and token-type columns named like the ONNX inputs;
/// the relevance column equals <see cref="LrpExplainer.ExplainTokens"/>.
/// </summary>
[TestClass]
public sealed class MiniLmPipelineTests
{
    [TestMethod]
    public void ExplainWithLrp_MiniLmTokenColumns_MatchesExplainTokens()
    {
        var encoder = MiniLmFixture.Encoder;
        var docs = new[] { "The zoo has a giraffe.", "We sell bread." }.Select(encoder.Encode).ToArray();
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(docs.Select(d => new Row { InputIds = d.InputIds, AttentionMask = d.AttentionMask, TokenTypeIds = d.TokenTypeIds }));
        var options = new LrpOptions
        {
            ModelBytes = encoder.PooledModel,
            InputColumnName = "input_ids",
            OutputName = MiniLmEncoder.EmbeddingOutput,
            Target = LrpTarget.Direction(MiniLmFixture.Embed("Where can I see a giraffe?")),
            Composite = LrpComposite.AttnLrp,
            InputRowShape = [MiniLmFixture.Sequence],
            BatchSize = 2,
        };

        using var transformer = (LrpTransformer)mlContext.Transforms.ExplainWithLrp(options).Fit(data);
        var relevance = LrpTestData.ReadVectors(transformer.Transform(data), "Relevance");
        using var explainer = new LrpExplainer(options);
        var expected = MiniLmFixture.Explain(explainer, docs);

        for (int d = 0; d < docs.Length; d++)
        {
            for (int t = 0; t < MiniLmFixture.Sequence; t++)
            {
                Assert.AreEqual(expected.RelevanceOf(d)[t], relevance[d][t], 1e-5f, $"document {d}, token {t}");
            }
        }
    }

    private sealed class Row
    {
        [ColumnName("input_ids")]
        [VectorType(MiniLmFixture.Sequence)]
        public long[] InputIds { get; set; } = [];

        [ColumnName("attention_mask")]
        [VectorType(MiniLmFixture.Sequence)]
        public long[] AttentionMask { get; set; } = [];

        [ColumnName("token_type_ids")]
        [VectorType(MiniLmFixture.Sequence)]
        public long[] TokenTypeIds { get; set; } = [];
    }
}
