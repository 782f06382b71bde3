using Microsoft.ML.Lrp.Tests.Reference;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Intermediate;

/// <summary>Small networks whose first linear layer reads the input, so that its parameter relevance can be checked from the input alone.</summary>
internal static class TapNetworks
{
    /// <summary>
    /// [N,2,7,7] → Conv "conv" (4 out, group 2, 3×3, stride 2, pad 1, dilation 2, bias) → "c" [N,4,3,3] → Relu → Flatten →
    /// Gemm "dense" (transB) → "output" [N,3].
    /// </summary>
    public static TestNetwork StridedConv()
    {
        var b = new OnnxModelBuilder(seed: 71).Input("input", "N", 2, 7, 7)
            .RandomWeight("Wc", 4, 1, 3, 3).RandomWeight("Bc", 4).RandomWeight("Wd", 3, 36).RandomWeight("Bd", 3)
            .Node("Conv", ["input", "Wc", "Bc"], ["c"], "conv", ("kernel_shape", new[] { 3, 3 }), ("strides", new[] { 2, 2 }), ("pads", new[] { 1, 1, 1, 1 }), ("dilations", new[] { 2, 2 }), ("group", 2))
            .Node("Relu", "c", "r", "relu")
            .Node("Flatten", "r", "f", "flatten")
            .Node("Gemm", ["f", "Wd", "Bd"], ["output"], "dense", ("transB", 1));
        return new TestNetwork("StridedConv", b.Output("output", "N", 3).Build(), [3, 2, 7, 7]);
    }

    /// <summary>[N,5,6] → MatMul "mm" (W [6,4]) → "m" [N,5,4] → Relu → Flatten → Gemm "dense" (B [20,3], no transB) → "output" [N,3].</summary>
    public static TestNetwork SequenceMatMul()
    {
        var b = new OnnxModelBuilder(seed: 72).Input("input", "N", 5, 6)
            .RandomWeight("Wm", 6, 4).RandomWeight("Wd", 20, 3).RandomWeight("Bd", 3)
            .Node("MatMul", ["input", "Wm"], ["m"], "mm")
            .Node("Relu", "m", "r", "relu")
            .Node("Flatten", "r", "f", "flatten")
            .Node("Gemm", ["f", "Wd", "Bd"], ["output"], "dense");
        return new TestNetwork("SequenceMatMul", b.Output("output", "N", 3).Build(), [3, 5, 6]);
    }

    /// <summary>A float32 input of <paramref name="network"/> (deterministic).</summary>
    public static float[] Input(TestNetwork network, int seed) => network.RandomInput(seed).Select(v => (float)v).ToArray();

    /// <summary>An initializer's values in double.</summary>
    public static double[] Initializer(TestNetwork network, string name) => ReferenceGraph.Parse(network.Model).Initializers[name].Data;

    /// <summary>max |a − b| / max |b|.</summary>
    public static double Deviation(IReadOnlyList<double> actual, IReadOnlyList<double> expected)
    {
        Assert.HasCount(expected.Count, actual);
        double scale = Math.Max(1e-12, expected.Max(Math.Abs));
        double worst = 0;
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.IsTrue(double.IsFinite(actual[i]), $"element {i} is {actual[i]}");
            worst = Math.Max(worst, Math.Abs(actual[i] - expected[i]));
        }

        return worst / scale;
    }

    public static double[] Doubles(ReadOnlySpan<float> values) => values.ToArray().Select(v => (double)v).ToArray();
}
