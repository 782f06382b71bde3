using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Fused;

/// <summary>
/// A BERT block written with ONNX Runtime's fused ops is explained like the same block written with primitive ops:
/// the decomposition hands the transformer rules the graph they know.
/// </summary>
[TestClass]
public sealed class FusedRelevanceTests
{
    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void Explain_FusedBertBlock_MatchesPrimitiveBlock(bool masked)
    {
        float[] input = new SeededWeights(5).Uniform(2 * 5 * 8, -1.5f, 1.5f);
        var additional = masked ? new Dictionary<string, Array> { ["mask"] = new[] { 1, 1, 1, 0, 0, 1, 1, 1, 1, 1 } } : null;
        LrpExplanation fused = Explain(BertBlockModels.Fused(masked), input, additional);
        LrpExplanation primitive = Explain(BertBlockModels.Primitive(masked), input, additional);

        CollectionAssert.AreEqual(primitive.Targets, fused.Targets);
        Assert.AreEqual(primitive.Scores[0], fused.Scores[0], 1e-4f);
        double scale = primitive.Relevance.Max(Math.Abs);
        Assert.IsGreaterThan(1e-3, scale);
        for (int i = 0; i < input.Length; i++)
        {
            Assert.AreEqual(primitive.Relevance[i], fused.Relevance[i], 1e-4 * scale, $"relevance {i}");
        }
    }

    [TestMethod]
    public void Explain_FusedBertBlockWithMask_PaddedKeysStillGetRelevanceOnlyThroughTheirOwnPath()
    {
        // Tokens 3 and 4 of row 0 are masked as keys: no query attends to them, so relevance reaches them only through
        // their own residual/feed-forward path; explaining an output of token 0 must then leave them at exactly 0.
        float[] input = new SeededWeights(6).Uniform(2 * 5 * 8, -1.5f, 1.5f);
        var options = Options(BertBlockModels.Fused(masked: true)) with { Target = LrpTarget.Class(2) };
        using var explainer = new LrpExplainer(options);
        var result = explainer.Explain(input, 2, null, new Dictionary<string, Array> { ["mask"] = new[] { 1, 1, 1, 0, 0, 1, 1, 1, 1, 1 } });
        for (int i = 3 * 8; i < 5 * 8; i++)
        {
            Assert.AreEqual(0f, result.Relevance[i], $"relevance of masked token element {i}");
        }

        Assert.IsGreaterThan(0.0, result.Relevance.Take(8).Sum(Math.Abs));
    }

    [TestMethod]
    public void Explain_FusedBertBlockAtOpset13_DecomposedLayerNormsConserveRelevance()
    {
        float[] input = new SeededWeights(7).Uniform(2 * 5 * 8, -1.5f, 1.5f);
        using var explainer = new LrpExplainer(Options(BertBlockModels.Fused(masked: false, opset: 13)));
        var result = explainer.Explain(input, 2, conservationReport: true);
        Assert.IsTrue(result.Relevance.All(float.IsFinite));
        Assert.IsGreaterThan(1e-3, result.Relevance.Max(Math.Abs));
        Assert.IsLessThan(1e-3, result.ConservationReport!.MaxRelativeError);
    }

    private static LrpExplanation Explain(byte[] model, float[] input, IReadOnlyDictionary<string, Array>? additional)
    {
        using var explainer = new LrpExplainer(Options(model));
        return explainer.Explain(input, 2, null, additional);
    }

    private static LrpOptions Options(byte[] model) => new()
    {
        ModelBytes = model,
        InputColumnName = "x",
        Composite = LrpComposite.AttnLrp,
        Target = LrpTarget.Class(3),
        BatchSize = 2,
    };
}
