using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Fused;

/// <summary>
/// Causal decoder blocks with fused ops explained with AttnLrp: a target at the first token can only depend on the
/// first token (the causal mask hides the others), so every later token gets exactly zero; relevance is conserved.
/// </summary>
[TestClass]
public sealed class FusedDecoderRelevanceTests
{
    [TestMethod]
    [DataRow("gpt")]
    [DataRow("llama")]
    public void Explain_FusedCausalBlock_FirstTokenTargetLeavesLaterTokensAtZero(string kind)
    {
        byte[] model = kind == "gpt" ? DecoderBlockModels.GptLike() : DecoderBlockModels.LlamaLike();
        var additional = kind == "gpt" ? null : new Dictionary<string, Array> { ["position_ids"] = new long[] { 0, 1, 2, 3, 4, 0, 1, 2, 3, 4 } };
        using var explainer = new LrpExplainer(new LrpOptions
        {
            ModelBytes = model,
            InputColumnName = "x",
            Composite = LrpComposite.AttnLrp,
            Target = LrpTarget.Class(3),
            BatchSize = 2,
        });
        float[] input = new SeededWeights(9).Uniform(2 * 5 * 8, -1.5f, 1.5f);
        var result = explainer.Explain(input, 2, null, additional, conservationReport: true);

        for (int row = 0; row < 2; row++)
        {
            var relevance = result.RelevanceOf(row);
            for (int i = 8; i < 40; i++)
            {
                Assert.AreEqual(0f, relevance[i], $"row {row}, element {i} (a later token)");
            }

            Assert.IsGreaterThan(1e-4, Math.Abs(relevance[..8].ToArray().Sum()));
            Assert.AreEqual(0.0, result.ConservationError(row), 1e-3 * Math.Abs(result.SeedTotals[row]) + 1e-5);
        }

        Assert.IsLessThan(1e-3, result.ConservationReport!.MaxRelativeError);
    }
}
