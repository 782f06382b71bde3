using Microsoft.ML.Data;
using Microsoft.ML.Lrp.Tests.MLNet;

namespace Microsoft.ML.Lrp.Tests.Llm;

/// <summary>
/// The tiny Llama decoder in an ML.NET pipeline with a variable-length <c>input_ids</c> column (no
/// <c>InputRowShape</c>) and <see cref="LrpTarget.NextToken"/>: each row is explained at its own length, equal to the
/// row explained alone.
/// </summary>
[TestClass]
public sealed class DecoderPipelineTests
{
    [TestMethod]
    public void ExplainWithLrp_PromptsOfDifferentLengths_EachRowEqualsTheRowAlone()
    {
        int[] lengths = [5, 9, 3, 5];
        var random = new Random(41);
        var rows = lengths.Select(n => new PromptRow
        {
            InputIds = Enumerable.Range(0, n).Select(_ => (long)random.Next(TinyDecoder.Vocabulary)).ToArray(),
            AttentionMask = Enumerable.Repeat(1L, n).ToArray(),
        }).ToArray();
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(rows);
        var options = new LrpOptions
        {
            ModelFile = TinyDecoder.ModelPath("llama", cache: false),
            InputColumnName = "input_ids",
            OutputName = "logits",
            Composite = LrpComposite.AttnLrp,
            Target = LrpTarget.NextToken(),
            BatchSize = 4,
        };

        using var transformer = mlContext.Transforms.ExplainWithLrp(options).Fit(data);
        var view = transformer.Transform(data);
        var relevance = LrpTestData.ReadVectors(view, "Relevance");
        var targets = LrpTestData.Read<int>(view, "LrpTarget");
        var scores = LrpTestData.Read<float>(view, "LrpScore");

        for (int r = 0; r < rows.Length; r++)
        {
            using var alone = new LrpExplainer(TinyDecoder.Options("llama", false, lengths[r], 0, LrpComposite.AttnLrp));
            var expected = alone.ExplainTokens(rows[r].InputIds, 1, additionalInputs: new Dictionary<string, Array> { ["attention_mask"] = rows[r].AttentionMask });
            Assert.HasCount(lengths[r], relevance[r], $"row {r}: one value per token of its own length");
            Assert.AreEqual(expected.Targets[0], targets[r], $"row {r}: the token explained");
            Assert.AreEqual(expected.Scores[0], scores[r], 1e-5f, $"row {r}: score");
            float scale = expected.Relevance.Max(Math.Abs);
            for (int t = 0; t < lengths[r]; t++)
            {
                Assert.AreEqual(expected.RelevanceOf(0)[t], relevance[r][t], 1e-5f * scale, $"row {r}, token {t}");
            }
        }
    }

    private sealed class PromptRow
    {
        [ColumnName("input_ids")]
        public long[] InputIds { get; set; } = [];

        [ColumnName("attention_mask")]
        public long[] AttentionMask { get; set; } = [];
    }
}
