using Microsoft.ML.Lrp.Engine;
using Microsoft.ML.Lrp.Graph.Fused;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Tests.Fused;
using Microsoft.ML.Lrp.Tests.TestModels;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Lrp.Tests.Quantized;

/// <summary>
/// QLinearConv, QLinearMatMul, ConvInteger, MatMulInteger and QLinearAdd decomposed into DequantizeLinear → float op →
/// QuantizeLinear: ONNX Runtime runs the original and the decomposed model, and their outputs agree to one
/// quantization step of the output (the integer kernels round the accumulated product once; the float path rounds
/// the float sum, which can land on the other side of a rounding boundary), or exactly for the integer ops. The
/// original's values were checked against a naive integer QLinearConv written from the ONNX formula while writing
/// these tests (they agreed exactly); <see cref="QLinearConv_Decomposed_MatchesNaiveIntegerFormulaToOneStep"/> keeps that check.
/// </summary>
[TestClass]
public sealed class QuantizedDecompositionTests
{
    private const float OutScale = 0.04f;

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void QLinearConv_PerChannelWeightsAndBias_MatchesOnnxRuntimeToOneStep(bool signedWeights)
    {
        var w = QuantizedTensor.Quantize(new SeededWeights(2).He(4 * 2 * 3 * 3, 18), [4, 2, 3, 3], signedWeights, 0);
        byte[] model = Start(2, 6, 6)
            .Initializer(w.ValuesTensor("wq")).Initializer(w.ScaleTensor("ws")).Initializer(w.ZeroPointTensor("wzp"))
            .Initializer(QuantizedTensor.Int32s("bq", [5, -30, 12, 0], 4))
            .Node("QLinearConv", ["xq", "xs", "xzp", "wq", "ws", "wzp", "ys", "yzp", "bq"], ["yq"], "qconv", ("strides", new long[] { 2, 2 }), ("pads", new long[] { 1, 1, 1, 1 }))
            .Node("DequantizeLinear", ["yq", "ys", "yzp"], ["y"], "dequant_y")
            .Output("y").Build();
        AssertWithinOneStep(model, [1, 2, 6, 6]);
        Assert.IsFalse(OnnxModel.Load(FusedRunner.Decompose(model)).Graph.Nodes.Any(n => n.OpType == "QLinearConv"));
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void QLinearConv_Decomposed_MatchesNaiveIntegerFormulaToOneStep(bool signedWeights)
    {
        var w = QuantizedTensor.Quantize(new SeededWeights(2).He(4 * 2 * 3 * 3, 18), [4, 2, 3, 3], signedWeights, signedWeights ? 0 : -1);
        byte[] model = Start(2, 6, 6)
            .Initializer(w.ValuesTensor("wq")).Initializer(w.ScaleTensor("ws")).Initializer(w.ZeroPointTensor("wzp"))
            .Node("QLinearConv", ["xq", "xs", "xzp", "wq", "ws", "wzp", "ys", "yzp"], ["yq"], "qconv")
            .Node("DequantizeLinear", ["yq", "ys", "yzp"], ["y"], "dequant_y")
            .Output("y").Build();
        var feed = Feed([1, 2, 6, 6])["x"];
        double[] actual = RunAsExplainerDoes(FusedRunner.Decompose(model), feed);
        float[] x = (float[])feed.Data;

        // y_q = saturate(round(Σ (x_q − x_zp)(w_q − w_zp) · x_scale · w_scale / y_scale) + y_zp), integers summed exactly.
        Assert.HasCount(64, actual);
        for (int m = 0; m < 4; m++)
        {
            for (int oy = 0; oy < 4; oy++)
            {
                for (int ox = 0; ox < 4; ox++)
                {
                    long acc = 0;
                    for (int c = 0; c < 2; c++)
                    {
                        for (int k = 0; k < 9; k++)
                        {
                            int xq = Math.Clamp((int)Math.Round(x[(((c * 6) + oy + (k / 3)) * 6) + ox + (k % 3)] / (2f / 255f), MidpointRounding.ToEven) + 128, 0, 255);
                            int zp = w.ZeroPoints[w.ZeroPoints.Length == 1 ? 0 : m];
                            acc += (long)(xq - 128) * (w.Values[(((m * 2) + c) * 9) + k] - zp);
                        }
                    }

                    double real = acc * (2.0 / 255.0) * w.Scales[w.Scales.Length == 1 ? 0 : m];
                    int yq = Math.Clamp((int)Math.Round(real / OutScale, MidpointRounding.ToEven) + 120, 0, 255);
                    int i = (((m * 4) + oy) * 4) + ox;
                    Assert.IsLessThanOrEqualTo(OutScale * 1.0001, Math.Abs(((yq - 120) * OutScale) - actual[i]), $"element {i}");
                }
            }
        }
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void QLinearMatMul_PerColumnWeights_MatchesOnnxRuntimeToOneStep(bool signedWeights)
    {
        var w = QuantizedTensor.Quantize(new SeededWeights(4).He(6 * 5, 6), [6, 5], signedWeights, 1);
        byte[] model = Start(3, 6)
            .Initializer(w.ValuesTensor("wq")).Initializer(w.ScaleTensor("ws")).Initializer(w.ZeroPointTensor("wzp"))
            .Node("QLinearMatMul", ["xq", "xs", "xzp", "wq", "ws", "wzp", "ys", "yzp"], ["yq"], "qmatmul")
            .Node("DequantizeLinear", ["yq", "ys", "yzp"], ["y"], "dequant_y")
            .Output("y").Build();
        AssertWithinOneStep(model, [2, 3, 6]);
    }

    [TestMethod]
    public void QLinearAdd_TwoActivations_MatchesOnnxRuntimeToOneStep()
    {
        byte[] model = Start(3, 6)
            .Node("Relu", "x", "r", "relu")
            .Node("QuantizeLinear", ["r", "xs", "xzp"], ["rq"], "quant_r")
            .MicrosoftNode("QLinearAdd", ["xq", "xs", "xzp", "rq", "xs", "xzp", "ys", "yzp"], ["yq"], "qadd")
            .Node("DequantizeLinear", ["yq", "ys", "yzp"], ["y"], "dequant_y")
            .Output("y").Build();
        AssertWithinOneStep(model, [2, 3, 6]);
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void MatMulInteger_DynamicQuantization_MatchesOnnxRuntimeExactly(bool signedWeights)
    {
        byte[] model = DynamicModels.MatMul(signedWeights);
        double[] expected = FusedRunner.Run(model, Feed([2, 3, 6]), "y")[0];
        double[] actual = FusedRunner.Run(FusedRunner.Decompose(model), Feed([2, 3, 6]), "y")[0];
        AssertClose(expected, actual, 1e-5);
    }

    [TestMethod]
    public void ConvInteger_DynamicQuantization_MatchesOnnxRuntimeExactly()
    {
        byte[] model = DynamicModels.Conv();
        double[] expected = FusedRunner.Run(model, Feed([2, 2, 5, 5]), "y")[0];
        double[] actual = FusedRunner.Run(FusedRunner.Decompose(model), Feed([2, 2, 5, 5]), "y")[0];
        AssertClose(expected, actual, 1e-5);
    }

    [TestMethod]
    public void QLinearConv_ChannelsLast_RefusedNamingTheNode()
    {
        var w = QuantizedTensor.Quantize(new SeededWeights(2).He(4 * 2 * 9, 18), [4, 2, 3, 3], true, 0);
        byte[] model = Start(2, 6, 6)
            .Initializer(w.ValuesTensor("wq")).Initializer(w.ScaleTensor("ws")).Initializer(w.ZeroPointTensor("wzp"))
            .MicrosoftNode("QLinearConv", ["xq", "xs", "xzp", "wq", "ws", "wzp", "ys", "yzp"], ["yq"], "nhwc_conv", ("channels_last", 1L))
            .Node("DequantizeLinear", ["yq", "ys", "yzp"], ["y"], "dequant_y")
            .Output("y").Build();
        var e = Assert.ThrowsExactly<LrpException>(() => FusedOpDecomposition.Apply(OnnxModel.Load(model)));
        StringAssert.Contains(e.Message, "'nhwc_conv'");
        StringAssert.Contains(e.Message, "channels_last");
    }

    [TestMethod]
    public void QLinearMatMul_PerAxisScaleOnActivation_RefusedNamingTheNode()
    {
        var w = QuantizedTensor.Quantize(new SeededWeights(4).He(6 * 5, 6), [6, 5], true, -1);
        byte[] model = Start(3, 6)
            .Initializer("xs3", [0.01f, 0.02f, 0.03f], 3)
            .Initializer(w.ValuesTensor("wq")).Initializer(w.ScaleTensor("ws")).Initializer(w.ZeroPointTensor("wzp"))
            .Node("QLinearMatMul", ["xq", "xs3", "xzp", "wq", "ws", "wzp", "ys", "yzp"], ["yq"], "odd_matmul")
            .Node("DequantizeLinear", ["yq", "ys", "yzp"], ["y"], "dequant_y")
            .Output("y").Build();
        var e = Assert.ThrowsExactly<LrpException>(() => FusedOpDecomposition.Apply(OnnxModel.Load(model)));
        StringAssert.Contains(e.Message, "'odd_matmul'");
        StringAssert.Contains(e.Message, "per-axis");
    }

    /// <summary>x (float, dims) → QuantizeLinear(xs, xzp) → xq; output scale ys and zero point yzp declared.</summary>
    private static OnnxModelBuilder Start(params object[] rowDims)
        => new OnnxModelBuilder(3).Opset(13).Input("x", ["N", .. rowDims])
            .Initializer(QuantizedTensor.Scalar("xs", 2f / 255f))
            .Initializer(QuantizedTensor.Bytes("xzp", [128], [], false))
            .Initializer(QuantizedTensor.Scalar("ys", OutScale))
            .Initializer(QuantizedTensor.Bytes("yzp", [120], [], false))
            .Node("QuantizeLinear", ["x", "xs", "xzp"], ["xq"], "quant_x");

    private static Dictionary<string, FeedValue> Feed(long[] shape)
        => new() { ["x"] = new FeedValue(new SeededWeights(9).Uniform((int)shape.Aggregate(1L, (a, b) => a * b), -1f, 1f), shape) };

    private static void AssertWithinOneStep(byte[] model, long[] shape)
    {
        double[] expected = FusedRunner.Run(model, Feed(shape), "y")[0];
        double[] actual = RunAsExplainerDoes(FusedRunner.Decompose(model), Feed(shape)["x"]);
        Assert.HasCount(expected.Length, actual);
        int exact = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.IsLessThanOrEqualTo(OutScale * 1.0001, Math.Abs(expected[i] - actual[i]), $"element {i}: original {expected[i]}, decomposed {actual[i]}");
            exact += expected[i] == actual[i] ? 1 : 0;
        }

        // Boundary cases are rare: almost every element is the same quantized value.
        Assert.IsGreaterThanOrEqualTo(0.9 * expected.Length, (double)exact);
    }

    /// <summary>
    /// Runs with the explainer's session settings: ONNX Runtime's QDQ fusions off (with them, the decomposed
    /// DequantizeLinear → Conv → QuantizeLinear is turned back into an integer kernel fed a requantized weight, 9 steps off).
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

    private static void AssertClose(double[] expected, double[] actual, double relative)
    {
        Assert.HasCount(expected.Length, actual);
        double scale = Math.Max(expected.Max(Math.Abs), 1e-30);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.IsLessThanOrEqualTo(relative, Math.Abs(expected[i] - actual[i]) / scale, $"element {i}: original {expected[i]}, decomposed {actual[i]}");
        }
    }
}
