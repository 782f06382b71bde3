using Microsoft.ML.Lrp.Engine;
using Microsoft.ML.Lrp.Tests.Fused;
using Microsoft.ML.Lrp.Tests.TestModels;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Lrp.Tests.Quantized;

/// <summary>
/// ONNX Runtime's com.microsoft QGemm, DynamicQuantizeMatMul and MatMulIntegerToFloat: ONNX Runtime's kernels against the decomposed graph
/// and against naive double-precision formulas written from the ops' definitions (contrib_ops quant_gemm and
/// dynamic_quantize_matmul), and relevance by the rules of the dequantized float operation (the float twin).
/// </summary>
[TestClass]
public sealed class OrtQuantizedOpTests
{
    [TestMethod]
    [DataRow(true, 1f)]
    [DataRow(false, 0.5f)]
    public void QGemm_FloatOutput_MatchesOnnxRuntimeAndNaiveFormula(bool signedWeights, float alpha)
    {
        byte[] model = OrtQuantizedModels.QGemm(signedWeights, quantizedOutput: false, alpha);
        var feeds = Feed(3, 6);
        Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(model, feeds, "y"));

        // y[n, c] = alpha · xs · gs[c] · (Σ_k (xq[n, k] − 128)(gq[c, k] − gzp[c]) + bq[c]).
        double[] expected = Naive(signedWeights, alpha, (float[])feeds["x"].Data, 3);
        double[] actual = FusedRunner.Run(model, feeds, "y")[0];
        Assert.HasCount(expected.Length, actual);
        double scale = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i], actual[i], 1e-5 * scale, $"element {i}");
        }
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void QGemm_QuantizedOutput_MatchesOnnxRuntimeToOneStep(bool signedWeights)
    {
        byte[] model = OrtQuantizedModels.QGemm(signedWeights, quantizedOutput: true, 1f);
        var feeds = Feed(5, 6);
        double[] original = FusedRunner.Run(model, feeds, "y")[0];
        double[] decomposed = RunAsExplainerDoes(FusedRunner.Decompose(model), feeds["x"]);
        double[] naive = Naive(signedWeights, 1f, (float[])feeds["x"].Data, 5);
        Assert.HasCount(original.Length, decomposed);
        for (int i = 0; i < original.Length; i++)
        {
            // One quantization step: the integer kernel rounds the accumulated product once, the float path its float sum.
            Assert.IsLessThanOrEqualTo(OrtQuantizedModels.OutputScale * 1.0001, Math.Abs(original[i] - decomposed[i]), $"element {i}");
            double q = Math.Clamp(Math.Round(naive[i] / OrtQuantizedModels.OutputScale, MidpointRounding.ToEven) + OrtQuantizedModels.OutputZeroPoint, 0, 255);
            Assert.IsLessThanOrEqualTo(OrtQuantizedModels.OutputScale * 1.0001, Math.Abs(((q - OrtQuantizedModels.OutputZeroPoint) * OrtQuantizedModels.OutputScale) - original[i]), $"element {i} against the formula");
        }
    }

    [TestMethod]
    public void QGemm_YScaleWithoutZeroPoint_RefusedNamingTheNode()
    {
        var g = OrtQuantizedModels.GemmWeight(true);
        byte[] model = new OnnxModelBuilder(3).Opset(13).Input("x", "N", 6).Output("y")
            .Initializer(QuantizedTensor.Scalar("xs", 0.01f)).Initializer(QuantizedTensor.Bytes("xzp", [128], [], false))
            .Initializer(g.ValuesTensor("gq")).Initializer(g.ScaleTensor("gs")).Initializer(g.ZeroPointTensor("gzp"))
            .Initializer(QuantizedTensor.Scalar("ys", 0.1f))
            .Node("QuantizeLinear", ["x", "xs", "xzp"], ["xq"], "quant_x")
            .MicrosoftNode("QGemm", ["xq", "xs", "xzp", "gq", "gs", "gzp", "", "ys"], ["y"], "odd_qgemm", ("transB", 1L))
            .Build();
        var e = Assert.ThrowsExactly<LrpException>(() => FusedRunner.Decompose(model));
        StringAssert.Contains(e.Message, "'odd_qgemm'");
        StringAssert.Contains(e.Message, "y_zero_point");
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void DynamicQuantizeMatMul_MatchesOnnxRuntimeAndNaiveFormula(bool signedWeights)
    {
        byte[] model = OrtQuantizedModels.DynamicQuantizeMatMul(signedWeights);
        var feeds = new Dictionary<string, FeedValue> { ["x"] = new FeedValue(new SeededWeights(9).Uniform(36, -1.5f, 0.8f), [2, 3, 6]) };
        Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(model, feeds, "y"));

        // A quantized with the range of the whole tensor: s = (max(0, max x) − min(0, min x)) / 255,
        // zp = round(clamp(−min / s, 0, 255)), q = clamp(round(x / s) + zp, 0, 255); y = Σ_k (q − zp)·s · W_dq + bias.
        float[] x = (float[])feeds["x"].Data;
        double lo = Math.Min(0, x.Min()), hi = Math.Max(0, x.Max());
        float s = (float)((hi - lo) / 255);
        double zp = Math.Round(Math.Clamp(-lo / s, 0, 255), MidpointRounding.ToEven);
        float[] w = OrtQuantizedModels.MatMulWeight(signedWeights).Dequantized();
        double[] actual = FusedRunner.Run(model, feeds, "y")[0];
        Assert.HasCount(30, actual);
        for (int r = 0; r < 6; r++)
        {
            for (int c = 0; c < 5; c++)
            {
                double sum = OrtQuantizedModels.MatMulBias[c];
                for (int k = 0; k < 6; k++)
                {
                    double q = Math.Clamp(Math.Round(x[(r * 6) + k] / s, MidpointRounding.ToEven) + zp, 0, 255);
                    sum += (q - zp) * s * w[(k * 5) + c];
                }

                Assert.AreEqual(sum, actual[(r * 5) + c], 1e-5, $"row {r} column {c}");
            }
        }
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void MatMulIntegerToFloat_MatchesOnnxRuntimeAndNaiveFormula(bool signedWeights)
    {
        var w = OrtQuantizedModels.MatMulWeight(signedWeights);
        byte[] model = new OnnxModelBuilder(3).Opset(13).Input("x", "N", 6).Output("y")
            .Initializer(QuantizedTensor.Scalar("xs", OrtQuantizedModels.InputScale))
            .Initializer(QuantizedTensor.Bytes("xzp", [OrtQuantizedModels.InputZeroPoint], [], false))
            .Initializer(w.ValuesTensor("wq")).Initializer(w.ScaleTensor("ws")).Initializer(w.ZeroPointTensor("wzp"))
            .Initializer("bias", OrtQuantizedModels.MatMulBias, 5)
            .Node("QuantizeLinear", ["x", "xs", "xzp"], ["xq"], "quant_x")
            .MicrosoftNode("MatMulIntegerToFloat", ["xq", "wq", "xs", "ws", "xzp", "wzp", "bias"], ["y"], "mm_to_float")
            .Build();
        var feeds = Feed(3, 6);
        Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(model, feeds, "y"));

        // y[n, c] = xs · ws · Σ_k (xq[n, k] − 128)(wq[k, c] − wzp) + bias[c].
        float[] x = (float[])feeds["x"].Data;
        double[] actual = FusedRunner.Run(model, feeds, "y")[0];
        Assert.HasCount(15, actual);
        for (int n = 0; n < 3; n++)
        {
            for (int c = 0; c < 5; c++)
            {
                long acc = 0;
                for (int k = 0; k < 6; k++)
                {
                    acc += (long)(OrtQuantizedModels.QuantizeInput(x[(n * 6) + k]) - OrtQuantizedModels.InputZeroPoint) * (w.Values[(k * 5) + c] - w.ZeroPoints[0]);
                }

                double expected = ((double)OrtQuantizedModels.InputScale * w.Scales[0] * acc) + OrtQuantizedModels.MatMulBias[c];
                Assert.AreEqual(expected, actual[(n * 5) + c], 1e-5, $"row {n} column {c}");
            }
        }
    }

    [TestMethod]
    [DataRow(true, 1f, LrpComposite.Epsilon)]
    [DataRow(false, 0.5f, LrpComposite.EpsilonAlpha2Beta1)]
    public void QGemm_RelevanceEqualsFloatTwin(bool signedWeights, float alpha, LrpComposite composite)
    {
        var input = new SeededWeights(8).Uniform(3 * 6, -1f, 1f);
        var expected = Explain(OrtQuantizedModels.QGemmFloatTwin(signedWeights, alpha), composite, input);
        var actual = Explain(OrtQuantizedModels.QGemm(signedWeights, quantizedOutput: false, alpha), composite, input);
        AssertSameRelevance(expected, actual);
        Assert.AreEqual("QGemm", actual.ConservationReport!.Nodes.Single(n => n.OpType == "Gemm").DecomposedFrom);
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void DynamicQuantizeMatMul_RelevanceEqualsFloatTwin(bool signedWeights)
    {
        var input = new SeededWeights(8).Uniform(2 * 18, -1f, 1f);
        var expected = Explain(OrtQuantizedModels.DynamicQuantizeMatMulFloatTwin(signedWeights), LrpComposite.Epsilon, input);
        var actual = Explain(OrtQuantizedModels.DynamicQuantizeMatMul(signedWeights), LrpComposite.Epsilon, input);
        AssertSameRelevance(expected, actual);
        Assert.AreEqual("DynamicQuantizeMatMul", actual.ConservationReport!.Nodes.Single(n => n.OpType == "MatMul").DecomposedFrom);
    }

    private static void AssertSameRelevance(LrpExplanation expected, LrpExplanation actual)
    {
        double scale = expected.Relevance.Max(Math.Abs);
        Assert.IsGreaterThan(0.0, scale);
        for (int i = 0; i < expected.Relevance.Length; i++)
        {
            Assert.IsLessThanOrEqualTo(1e-5 * scale, Math.Abs(expected.Relevance[i] - actual.Relevance[i]), $"element {i}");
        }

        Assert.IsLessThanOrEqualTo(1e-4, actual.ConservationReport!.MaxRelativeError, "per-node conservation");
        for (int row = 0; row < actual.Rows; row++)
        {
            Assert.IsLessThanOrEqualTo(1e-4 * Math.Max(1, Math.Abs(actual.SeedTotals[row])), Math.Abs(actual.ConservationError(row)), $"row {row}");
        }
    }

    private static double[] Naive(bool signedWeights, float alpha, float[] x, int rows)
    {
        var g = OrtQuantizedModels.GemmWeight(signedWeights);
        var y = new double[rows * 4];
        for (int n = 0; n < rows; n++)
        {
            for (int c = 0; c < 4; c++)
            {
                long acc = OrtQuantizedModels.GemmBias[c];
                for (int k = 0; k < 6; k++)
                {
                    acc += (long)(OrtQuantizedModels.QuantizeInput(x[(n * 6) + k]) - OrtQuantizedModels.InputZeroPoint) * (g.Values[(c * 6) + k] - g.ZeroPoints[c]);
                }

                y[(n * 4) + c] = alpha * (double)OrtQuantizedModels.InputScale * g.Scales[c] * acc;
            }
        }

        return y;
    }

    /// <summary>
    /// Runs with the explainer's session settings: ONNX Runtime's QDQ fusions off (with them, the decomposed
    /// DequantizeLinear → Gemm → QuantizeLinear is turned back into an integer kernel fed a requantized weight).
    /// </summary>
    private static double[] RunAsExplainerDoes(byte[] model, FeedValue x)
    {
        using var options = new SessionOptions();
        CaptureSessionOptions.Apply(options);
        using var session = new InferenceSession(model, options);
        using var value = OrtValue.CreateTensorValueFromMemory((float[])x.Data, x.Shape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, ["x"], [value], ["y"]);
        return [.. results[0].GetTensorDataAsSpan<float>().ToArray().Select(v => (double)v)];
    }

    private static Dictionary<string, FeedValue> Feed(int rows, int width)
        => new() { ["x"] = new FeedValue(new SeededWeights(9).Uniform(rows * width, -1f, 1f), [rows, width]) };

    private static LrpExplanation Explain(byte[] model, LrpComposite composite, float[] input)
    {
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = model, Composite = composite, Target = LrpTarget.Class(1) });
        return explainer.Explain(input, input.Length / explainer.InputRowLength, conservationReport: true);
    }
}
