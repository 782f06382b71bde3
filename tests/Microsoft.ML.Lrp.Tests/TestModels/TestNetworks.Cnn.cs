namespace Microsoft.ML.Lrp.Tests.TestModels;

/// <summary>The VGG-like and ResNet-like networks.</summary>
internal static partial class TestNetworks
{
    /// <summary>
    /// VGG-like [N,3,12,12]: Conv(3×3, pad 1) → Relu → MaxPool(2) → Conv(3×3, stride 2, pad 1, dilation d) → Relu →
    /// AveragePool(2, stride 1) → Flatten → Gemm → Relu → Gemm (5 classes).
    /// </summary>
    public static TestNetwork VggLike(int dilation, bool withBias = true)
    {
        var b = new OnnxModelBuilder(seed: 20 + dilation).Input("input", "N", 3, 12, 12);
        Conv(b, "conv0", "input", "c0", 3, 6, [3, 3], withBias, ("pads", new[] { 1, 1, 1, 1 }));
        b.Node("Relu", "c0", "r0", "relu0")
            .Node("MaxPool", "r0", "p0", "maxpool0", ("kernel_shape", new[] { 2, 2 }), ("strides", new[] { 2, 2 }));
        Conv(b, "conv1", "p0", "c1", 6, 8, [3, 3], withBias, ("pads", new[] { 1, 1, 1, 1 }), ("strides", new[] { 2, 2 }), ("dilations", new[] { dilation, dilation }));
        int side = dilation == 1 ? 3 : 2;
        int pooled = side - 1;
        b.Node("Relu", "c1", "r1", "relu1")
            .Node("AveragePool", "r1", "p1", "avgpool1", ("kernel_shape", new[] { 2, 2 }))
            .Node("Flatten", "p1", "f", "flatten")
            .RandomWeight("W0", 10, 8 * pooled * pooled);
        Bias(b, "B0", 10, withBias);
        b.RandomWeight("W1", 5, 10);
        Bias(b, "B1", 5, withBias);
        b.Node("Gemm", ["f", "W0", "B0"], ["d0"], "dense0", ("transB", 1))
            .Node("Relu", "d0", "r2", "relu2")
            .Node("Gemm", ["r2", "W1", "B1"], ["output"], "dense1", ("transB", 1));
        string name = $"VggLike_d{dilation}" + (withBias ? string.Empty : "_NoBias");
        return new TestNetwork(name, b.Output("output", "N", 5).Build(), [2, 3, 12, 12]) { HasBiases = withBias, FirstLayers = ["conv0"] };
    }

    /// <summary>
    /// ResNet-like [N,3,8,8]: Conv → BN → Relu → (Conv → BN → Relu → Conv → BN) + shortcut → Relu → GlobalAveragePool →
    /// Flatten → Gemm. With <paramref name="projection"/> the block has stride 2, 4 → 6 channels, and a 1×1 strided
    /// Conv + BN on the shortcut; otherwise the shortcut is the identity. Without bias the convs have none and the BNs
    /// have zero mean and shift (so the folded nodes are bias-free).
    /// </summary>
    public static TestNetwork ResNetLike(bool projection, bool withBias = true)
    {
        var b = new OnnxModelBuilder(seed: projection ? 31 : 30).Input("input", "N", 3, 8, 8);
        int width = projection ? 6 : 4;
        var same = ("pads", (object)new[] { 1, 1, 1, 1 });
        Conv(b, "stem", "input", "s", 3, 4, [3, 3], withBias, same);
        BatchNorm(b, "stem_bn", "s", "sb", 4, withBias);
        b.Node("Relu", "sb", "a", "stem_relu");
        if (projection)
        {
            Conv(b, "block_conv1", "a", "c1", 4, width, [3, 3], withBias, same, ("strides", new[] { 2, 2 }));
        }
        else
        {
            Conv(b, "block_conv1", "a", "c1", 4, width, [3, 3], withBias, same);
        }

        BatchNorm(b, "block_bn1", "c1", "n1", width, withBias);
        b.Node("Relu", "n1", "r1", "block_relu1");
        Conv(b, "block_conv2", "r1", "c2", width, width, [3, 3], withBias, same);
        BatchNorm(b, "block_bn2", "c2", "n2", width, withBias);
        string shortcut = "a";
        if (projection)
        {
            Conv(b, "shortcut_conv", "a", "sc", 4, width, [1, 1], withBias, ("strides", new[] { 2, 2 }));
            BatchNorm(b, "shortcut_bn", "sc", "scb", width, withBias);
            shortcut = "scb";
        }

        b.Node("Add", ["n2", shortcut], ["sum"], "block_add")
            .Node("Relu", "sum", "r2", "block_relu2")
            .Node("GlobalAveragePool", "r2", "gap", "gap")
            .Node("Flatten", "gap", "f", "flatten")
            .RandomWeight("W", 3, width);
        Bias(b, "B", 3, withBias);
        b.Node("Gemm", ["f", "W", "B"], ["output"], "fc", ("transB", 1));
        string name = (projection ? "ResNetLikeProjection" : "ResNetLike") + (withBias ? string.Empty : "_NoBias");
        return new TestNetwork(name, b.Output("output", "N", 3).Build(), [2, 3, 8, 8]) { HasBiases = withBias, FirstLayers = ["stem"] };
    }

    private static void Conv(OnnxModelBuilder b, string name, string input, string output, int inChannels, int outChannels, int[] kernel, bool withBias, params (string, object)[] attributes)
    {
        int group = attributes.Where(a => a.Item1 == "group").Select(a => (int)a.Item2).DefaultIfEmpty(1).First();
        b.RandomWeight($"{name}_W", new long[] { outChannels, inChannels / group }.Concat(kernel.Select(k => (long)k)).ToArray());
        if (withBias)
        {
            b.RandomUniform($"{name}_B", -0.2f, 0.2f, outChannels);
            b.Node("Conv", [input, $"{name}_W", $"{name}_B"], [output], name, attributes);
        }
        else
        {
            b.Node("Conv", [input, $"{name}_W"], [output], name, attributes);
        }
    }

    private static void BatchNorm(OnnxModelBuilder b, string name, string input, string output, int channels, bool withShift)
    {
        BatchNormParameters(b, name, channels, withShift);
        b.Node("BatchNormalization", [input, $"{name}_scale", $"{name}_bias", $"{name}_mean", $"{name}_var"], [output], name, ("epsilon", 1e-5f));
    }
}
