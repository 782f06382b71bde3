using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Tests.Fused;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Quantized;

/// <summary>Weights computed inside the graph from constants are folded once (by ONNX Runtime) and read as constants.</summary>
[TestClass]
public sealed class ConstantFoldingTests
{
    /// <summary>x [N, 2, 5, 5] → Conv(x, Cast(Mul(Transpose(W0), 2))) → y; W0 stored as [2, 3, 3, 3] (in and out channels swapped).</summary>
    private static byte[] ComputedWeightConv(bool computed, string weightSource = "Transpose")
    {
        var random = new SeededWeights(4);
        float[] w0 = random.He(2 * 3 * 9, 18);
        var b = new OnnxModelBuilder(2).Input("x", "N", 2, 5, 5).Output("y");
        if (computed)
        {
            b.Initializer("w0", w0, 2, 3, 3, 3).Initializer("two", [2f])
                .Node(weightSource, "w0", "wt", "transpose_w", ("perm", new long[] { 1, 0, 2, 3 }))
                .Node("Mul", ["wt", "two"], ["wm"], "scale_w")
                .Node("Cast", ["wm"], ["w"], "cast_w", ("to", 1L));
        }
        else
        {
            var w = new float[w0.Length];
            for (int i = 0; i < 2; i++)
            {
                for (int o = 0; o < 3; o++)
                {
                    for (int k = 0; k < 9; k++)
                    {
                        w[(((o * 2) + i) * 9) + k] = 2f * w0[(((i * 3) + o) * 9) + k];
                    }
                }
            }

            b.Initializer("w", w, 3, 2, 3, 3);
        }

        return b.Node("Conv", ["x", "w"], ["c"], "conv").Node("Relu", "c", "r", "relu").Node("Flatten", "r", "y", "flatten").Build();
    }

    [TestMethod]
    public void FoldedWeight_EqualsOnnxRuntimeValue()
    {
        byte[] bytes = ComputedWeightConv(computed: true);
        var graph = CanonicalGraph.Build(OnnxModel.Load(bytes), "x", "y");
        Assert.IsTrue(graph.Constants.Contains("w"));
        float[] folded = graph.Constants.GetFloat("w").Data;

        // The value ONNX Runtime computes inside the full model (requested as an extra output).
        byte[] withOutput = OnnxModel.Load(bytes).ToBytes(new OnnxWriteOptions { ExtraOutputs = ["w"] });
        var feed = new Dictionary<string, FeedValue> { ["x"] = new(new float[50], [1, 2, 5, 5]) };
        double[] ort = FusedRunner.Run(withOutput, feed, "w")[0];
        Assert.HasCount(ort.Length, folded);
        for (int i = 0; i < ort.Length; i++)
        {
            Assert.AreEqual(ort[i], folded[i], 0.0, $"element {i}");
        }

        CollectionAssert.AreEqual(new[] { 3, 2, 3, 3 }, graph.Constants.Get("w").Shape);
    }

    [TestMethod]
    public void ConvWithComputedWeight_ExplainsLikeStoredWeight()
    {
        var input = new SeededWeights(5).Uniform(2 * 50, -1f, 1f);
        var expected = Explain(ComputedWeightConv(computed: false), input);
        var actual = Explain(ComputedWeightConv(computed: true), input);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i], actual[i], 1e-6f * (1f + Math.Abs(expected[i])), $"element {i}");
        }
    }

    [TestMethod]
    public void DequantizedWeightFromConstantNodes_ExplainsLikeStoredWeight()
    {
        // torch's QDQ export: the weight is DequantizeLinear of Constant nodes (no initializers).
        var w = QuantizedTensor.Quantize(new SeededWeights(6).He(3 * 2 * 9, 18), [3, 2, 3, 3], true, 0);
        byte[] Net(bool constantNodes)
        {
            var b = new OnnxModelBuilder(2).Input("x", "N", 2, 5, 5).Output("y");
            if (constantNodes)
            {
                b.Node("Constant", [], ["wq"], "const_wq", ("value", w.ValuesTensor("wq_value")))
                    .Node("Constant", [], ["ws"], "const_ws", ("value", w.ScaleTensor("ws_value")))
                    .Node("Constant", [], ["wzp"], "const_wzp", ("value", w.ZeroPointTensor("wzp_value")))
                    .Node("DequantizeLinear", ["wq", "ws", "wzp"], ["w"], "dequant_w", ("axis", 0L));
            }
            else
            {
                b.Initializer("w", w.Dequantized(), 3, 2, 3, 3);
            }

            return b.Node("Conv", ["x", "w"], ["c"], "conv").Node("Relu", "c", "r", "relu").Node("Flatten", "r", "y", "flatten").Build();
        }

        var input = new SeededWeights(5).Uniform(2 * 50, -1f, 1f);
        var expected = Explain(Net(constantNodes: false), input);
        var actual = Explain(Net(constantNodes: true), input);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i], actual[i], 1e-5f * (1f + Math.Abs(expected[i])), $"element {i}");
        }
    }

    [TestMethod]
    public void ConvWeightFromRandomOp_RefusedNamingTheNode()
    {
        byte[] model = new OnnxModelBuilder(2).Input("x", "N", 2, 5, 5).Output("y")
            .Node("RandomNormal", [], ["w"], "random_w", ("shape", new long[] { 3, 2, 3, 3 }))
            .Node("Conv", ["x", "w"], ["c"], "conv")
            .Node("Flatten", "c", "y", "flatten")
            .Build();
        var e = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(new LrpOptions { ModelBytes = model }));
        StringAssert.Contains(e.Message, "'conv'");
        StringAssert.Contains(e.Message, "non-deterministic");
    }

    private static float[] Explain(byte[] model, float[] input)
    {
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = model, Composite = LrpComposite.EpsilonPlus, Target = LrpTarget.Class(4) });
        var result = explainer.Explain(input, 2, conservationReport: true);
        Assert.IsLessThanOrEqualTo(1e-4, result.ConservationReport!.MaxRelativeError);
        return result.Relevance;
    }
}
