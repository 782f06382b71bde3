// A variable-length token column on all-MiniLM-L6-v2 (mean-pooled, with its attention mask): rows are padded under the
// mask and explained together, and each row's relevance equals the row explained alone at its own length.
using ExplainSearch;
using Microsoft.ML.Data;
using Microsoft.ML.Lrp.MLNet.VariableLength;
using Microsoft.ML.Lrp.Tests.Transformer.MiniLm;

namespace Microsoft.ML.Lrp.Tests.MLNet;

[TestClass]
public sealed class VariableLengthMiniLmTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void ExplainWithLrp_MiniLmTokenIdsOfDifferentLengths_EachRowEqualsTheRowAloneWithoutInputRowShape()
    {
        var encoder = MiniLmFixture.Encoder;
        var docs = new[] { "We sell bread.", "The zoo has a tall giraffe and two lions.", "Hi." }.Select(encoder.Encode).ToArray();
        var rows = docs.Select(d => new TokenRow
        {
            InputIds = d.InputIds[..d.Length],
            AttentionMask = d.AttentionMask[..d.Length],
            TokenTypeIds = d.TokenTypeIds[..d.Length],
        }).ToArray();
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(rows);
        var options = new LrpOptions
        {
            ModelBytes = encoder.PooledModel,
            InputColumnName = "input_ids",
            OutputName = MiniLmEncoder.EmbeddingOutput,
            Target = LrpTarget.Direction(MiniLmFixture.Embed("Where can I see a giraffe?")),
            Composite = LrpComposite.AttnLrp,
            BatchSize = 3,
        };

        using var transformer = mlContext.Transforms.ExplainWithLrp(options).Fit(data);
        var view = transformer.Transform(data);
        var relevance = LrpTestData.ReadVectors(view, "Relevance");
        var scores = LrpTestData.Read<float>(view, "LrpScore");

        Assert.IsTrue(((LrpVariableLengthExplainer)transformer.Explainer).Pads, "MiniLM has an attention mask: rows are padded");
        Assert.IsTrue(rows.Select(r => r.InputIds.Length).Distinct().Count() > 1, "the rows have different lengths");
        double largest = 0;
        for (int d = 0; d < rows.Length; d++)
        {
            int length = rows[d].InputIds.Length;
            using var alone = new LrpExplainer(options with { InputRowShape = [length] });
            var expected = alone.ExplainTokens(rows[d].InputIds, 1, additionalInputs: new Dictionary<string, Array>
            {
                ["attention_mask"] = rows[d].AttentionMask,
                ["token_type_ids"] = rows[d].TokenTypeIds,
            });

            Assert.HasCount(length, relevance[d], $"document {d}");
            Assert.AreEqual(expected.Scores[0], scores[d], 1e-6f, $"document {d} score");
            for (int t = 0; t < length; t++)
            {
                Assert.AreEqual(expected.RelevanceOf(0)[t], relevance[d][t], 1e-6f, $"document {d}, token {t}");
                largest = Math.Max(largest, Math.Abs(expected.RelevanceOf(0)[t] - relevance[d][t]));
            }
        }

        TestContext.WriteLine($"lengths {string.Join(", ", rows.Select(r => r.InputIds.Length))}; largest |padded - alone| {largest:E2}");
    }

    private sealed class TokenRow
    {
        [ColumnName("input_ids")]
        public long[] InputIds { get; set; } = [];

        [ColumnName("attention_mask")]
        public long[] AttentionMask { get; set; } = [];

        [ColumnName("token_type_ids")]
        public long[] TokenTypeIds { get; set; } = [];
    }
}
