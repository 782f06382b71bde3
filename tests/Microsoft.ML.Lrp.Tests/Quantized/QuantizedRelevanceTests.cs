using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Quantized;

/// <summary>
/// Relevance of quantized nets by the rules of the dequantized float operation. The QDQ net and the QLinearConv net
/// compute, after folding and decomposition, the same float graph as the net that stores the dequantized weights
/// as float initializers (activations fake-quantized alike): the folded weight <c>(q − zp) · s</c> is computed by
/// ONNX Runtime with the same float operations as the reference's, so the relevance agrees to float rounding; the
/// tolerance 1e-5 of the largest relevance leaves room for ONNX Runtime's integer QLinearConv-style fusions, which
/// change the last bits of a forward value.
/// </summary>
[TestClass]
public sealed class QuantizedRelevanceTests
{
    [TestMethod]
    [DataRow(QuantizedForm.Qdq, true, LrpComposite.EpsilonAlpha2Beta1)]
    [DataRow(QuantizedForm.Qdq, false, LrpComposite.EpsilonPlusFlat)]
    [DataRow(QuantizedForm.QLinearConv, true, LrpComposite.EpsilonAlpha2Beta1)]
    [DataRow(QuantizedForm.QLinearConv, false, LrpComposite.Epsilon)]
    public void QuantizedConvGemm_EqualsFloatWeightNet(QuantizedForm form, bool signedWeights, LrpComposite composite)
    {
        var input = QuantizedNets.Input(3);
        var expected = Explain(QuantizedNets.ConvGemm(QuantizedForm.FloatWeights, signedWeights), composite, input);
        var actual = Explain(QuantizedNets.ConvGemm(form, signedWeights), composite, input);

        double scale = expected.Relevance.Max(Math.Abs);
        Assert.IsGreaterThan(0.0, scale);
        for (int i = 0; i < expected.Relevance.Length; i++)
        {
            Assert.IsLessThanOrEqualTo(1e-5 * scale, Math.Abs(expected.Relevance[i] - actual.Relevance[i]), $"element {i}");
        }

        Assert.IsNotNull(actual.ConservationReport);
        Assert.IsLessThanOrEqualTo(1e-4, actual.ConservationReport.MaxRelativeError);
        Assert.IsTrue(actual.ConservationReport.Nodes.Any(n => n.OpType == "Conv"), "the dequantized Conv has a linear rule");
    }

    [TestMethod]
    public void QdqWithIntegerCastAfterInputQuantization_EqualsFloatWeightNet()
    {
        // torch's export: x → QuantizeLinear → Cast(uint8) → DequantizeLinear; the cast copies the quantized value.
        var input = QuantizedNets.Input(2);
        var expected = Explain(QuantizedNets.ConvGemm(QuantizedForm.FloatWeights, true), LrpComposite.Epsilon, input);
        var actual = Explain(QuantizedNets.ConvGemm(QuantizedForm.Qdq, true, castInput: true), LrpComposite.Epsilon, input);
        double scale = expected.Relevance.Max(Math.Abs);
        Assert.IsGreaterThan(0.0, scale);
        for (int i = 0; i < expected.Relevance.Length; i++)
        {
            Assert.IsLessThanOrEqualTo(1e-5 * scale, Math.Abs(expected.Relevance[i] - actual.Relevance[i]), $"element {i}");
        }

        Assert.IsLessThanOrEqualTo(1e-4, actual.ConservationReport!.MaxRelativeError);
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void DynamicMatMulInteger_EqualsFloatTwin(bool signedWeights)
    {
        // Epsilon on z' = (x_q − zp)·(W_q − zp_W) equals Epsilon on z = s_x s_W z': the positive scales cancel in x ⊙ Wᵀ(R / z)
        // per output column, up to the stabiliser ε (1e-6 against |z| ≫ ε here).
        var input = new SeededWeights(8).Uniform(2 * 18, -1f, 1f);
        var expected = Explain(DynamicModels.MatMulFloatTwin(signedWeights), LrpComposite.Epsilon, input);
        var actual = Explain(DynamicModels.MatMul(signedWeights), LrpComposite.Epsilon, input);
        double scale = expected.Relevance.Max(Math.Abs);
        for (int i = 0; i < expected.Relevance.Length; i++)
        {
            Assert.IsLessThanOrEqualTo(1e-4 * scale, Math.Abs(expected.Relevance[i] - actual.Relevance[i]), $"element {i}");
        }

        Assert.IsLessThanOrEqualTo(1e-4, actual.ConservationReport!.MaxRelativeError);
    }

    [TestMethod]
    public void DynamicConvInteger_ReportedAsDecomposedConvCarryingTheRelevance()
    {
        var input = new SeededWeights(8).Uniform(2 * 50, -1f, 1f);
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = DynamicModels.Conv(), Composite = LrpComposite.Epsilon, Target = LrpTarget.Class(1) });
        var result = explainer.Explain(input, 2, conservationReport: true);
        var conv = result.ConservationReport!.Nodes.Single(n => n.OpType == "Conv");
        Assert.AreEqual("ConvInteger", conv.DecomposedFrom);

        // The seed (the rescaled output's relevance) arrives at the decomposed Conv and leaves it to the input.
        Assert.AreEqual(result.SeedTotals.Sum(), conv.RelevanceIn, 1e-5 * Math.Abs(result.SeedTotals.Sum()));
        Assert.AreEqual(result.Relevance.Sum(), conv.RelevanceOut, 1e-4 * (1 + Math.Abs(conv.RelevanceOut)));
        Assert.IsTrue(result.ConservationReport.Nodes.Where(n => n.OpType != "Conv").All(n => n.DecomposedFrom is null or "ConvInteger"));
    }

    private static LrpExplanation Explain(byte[] model, LrpComposite composite, float[] input)
    {
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = model, Composite = composite, Target = LrpTarget.Class(1) });
        return explainer.Explain(input, input.Length / explainer.InputRowLength, conservationReport: true);
    }
}
