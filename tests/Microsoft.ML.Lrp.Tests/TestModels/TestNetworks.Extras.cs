namespace Microsoft.ML.Lrp.Tests.TestModels;

/// <summary>Small networks that each exercise a few ops.</summary>
internal static partial class TestNetworks
{
    /// <summary>Grouped conv (groups = 2) [N,4,6,6] → Relu → Flatten → Gemm.</summary>
    public static TestNetwork GroupedConv()
    {
        var b = new OnnxModelBuilder(seed: 40).Input("input", "N", 4, 6, 6);
        Conv(b, "conv", "input", "c", 4, 6, [3, 3], true, ("pads", new[] { 1, 1, 1, 1 }), ("group", 2));
        Head(b.Node("Relu", "c", "r", "relu").Node("Flatten", "r", "f", "flatten"), "f", 6 * 36, 3);
        return new TestNetwork("GroupedConv", b.Output("output", "N", 3).Build(), [2, 4, 6, 6]) { FirstLayers = ["conv"] };
    }

    /// <summary>Depthwise conv (groups = channels) → 1×1 conv → Relu → GlobalAveragePool → Flatten.</summary>
    public static TestNetwork DepthwiseConv()
    {
        var b = new OnnxModelBuilder(seed: 41).Input("input", "N", 3, 6, 6);
        Conv(b, "depthwise", "input", "d", 3, 3, [3, 3], true, ("pads", new[] { 1, 1, 1, 1 }), ("group", 3));
        Conv(b, "pointwise", "d", "p", 3, 4, [1, 1], true);
        b.Node("Relu", "p", "r", "relu").Node("GlobalAveragePool", "r", "g", "gap").Node("Flatten", "g", "output", "flatten");
        return new TestNetwork("DepthwiseConv", b.Output("output", "N", 4).Build(), [2, 3, 6, 6]) { FirstLayers = ["depthwise"] };
    }

    /// <summary>Conv1d [N,2,10]: Conv(k3, pad 1) → Relu → Conv(k3, stride 2, SAME_UPPER) → Relu → Flatten → Gemm.</summary>
    public static TestNetwork Conv1d()
    {
        var b = new OnnxModelBuilder(seed: 42).Input("input", "N", 2, 10);
        Conv(b, "conv0", "input", "c0", 2, 4, [3], true, ("pads", new[] { 1, 1 }));
        b.Node("Relu", "c0", "r0", "relu0");
        Conv(b, "conv1", "r0", "c1", 4, 4, [3], true, ("strides", new[] { 2 }), ("auto_pad", "SAME_UPPER"));
        Head(b.Node("Relu", "c1", "r1", "relu1").Node("Flatten", "r1", "f", "flatten"), "f", 4 * 5, 3);
        return new TestNetwork("Conv1d", b.Output("output", "N", 3).Build(), [2, 2, 10]) { FirstLayers = ["conv0"] };
    }

    /// <summary>Conv3d [N,2,4,4,4]: Conv(3³, pad 1) → Relu → MaxPool(2³) → Flatten → Gemm.</summary>
    public static TestNetwork Conv3d()
    {
        var b = new OnnxModelBuilder(seed: 43).Input("input", "N", 2, 4, 4, 4);
        Conv(b, "conv", "input", "c", 2, 3, [3, 3, 3], true, ("pads", new[] { 1, 1, 1, 1, 1, 1 }));
        b.Node("Relu", "c", "r", "relu")
            .Node("MaxPool", "r", "p", "maxpool", ("kernel_shape", new[] { 2, 2, 2 }), ("strides", new[] { 2, 2, 2 }));
        Head(b.Node("Flatten", "p", "f", "flatten"), "f", 3 * 8, 3);
        return new TestNetwork("Conv3d", b.Output("output", "N", 3).Build(), [2, 2, 4, 4, 4]) { FirstLayers = ["conv"] };
    }

    /// <summary>Conv → Relu → ConvTranspose(k3, stride 2, pad 1, output_padding 1: 4×4 → 8×8) → Relu → GlobalAveragePool.</summary>
    public static TestNetwork ConvTranspose()
    {
        var b = new OnnxModelBuilder(seed: 44).Input("input", "N", 3, 4, 4);
        Conv(b, "conv", "input", "c", 3, 4, [3, 3], true, ("pads", new[] { 1, 1, 1, 1 }));
        b.RandomWeight("up_W", 4, 2, 3, 3).RandomUniform("up_B", -0.2f, 0.2f, 2)
            .Node("Relu", "c", "r", "relu")
            .Node("ConvTranspose", ["r", "up_W", "up_B"], ["u"], "up", ("strides", new[] { 2, 2 }), ("pads", new[] { 1, 1, 1, 1 }), ("output_padding", new[] { 1, 1 }))
            .Node("Relu", "u", "ru", "relu_up")
            .Node("GlobalAveragePool", "ru", "g", "gap")
            .Node("Flatten", "g", "output", "flatten");
        return new TestNetwork("ConvTranspose", b.Output("output", "N", 2).Build(), [2, 3, 4, 4]) { FirstLayers = ["conv"] };
    }

    /// <summary>Pools with padding: Conv → Relu → AveragePool(k3, s2, pad 1, count_include_pad) → MaxPool(k2, SAME_UPPER) → Gemm.</summary>
    public static TestNetwork Pools()
    {
        var b = new OnnxModelBuilder(seed: 45).Input("input", "N", 2, 7, 7);
        Conv(b, "conv", "input", "c", 2, 3, [3, 3], true);
        b.Node("Relu", "c", "r", "relu")
            .Node("AveragePool", "r", "a", "avgpool", ("kernel_shape", new[] { 3, 3 }), ("strides", new[] { 2, 2 }), ("pads", new[] { 1, 1, 1, 1 }), ("count_include_pad", 1))
            .Node("MaxPool", "a", "m", "maxpool", ("kernel_shape", new[] { 2, 2 }), ("auto_pad", "SAME_UPPER"));
        Head(b.Node("Flatten", "m", "f", "flatten"), "f", 3 * 9, 3);
        return new TestNetwork("Pools", b.Output("output", "N", 3).Build(), [2, 2, 7, 7]) { FirstLayers = ["conv"] };
    }

    /// <summary>Conv → Relu → GlobalMaxPool → Flatten → Gemm.</summary>
    public static TestNetwork GlobalMaxPool()
    {
        var b = new OnnxModelBuilder(seed: 46).Input("input", "N", 2, 5, 5);
        Conv(b, "conv", "input", "c", 2, 4, [3, 3], true);
        Head(b.Node("Relu", "c", "r", "relu").Node("GlobalMaxPool", "r", "g", "gmp").Node("Flatten", "g", "f", "flatten"), "f", 4, 3);
        return new TestNetwork("GlobalMaxPool", b.Output("output", "N", 3).Build(), [2, 2, 5, 5]) { FirstLayers = ["conv"] };
    }

    /// <summary>
    /// Routing: Gemm → Relu [N,16] → Reshape [0,4,-1] → Transpose → Split [1,3] → Concat(b, a) → Slice(axis 2, 1:) →
    /// Unsqueeze(1) → Pad → Squeeze(1) → Flatten → Gemm.
    /// </summary>
    public static TestNetwork Routing()
    {
        var b = new OnnxModelBuilder(seed: 47).Input("input", "N", 12)
            .RandomWeight("W0", 16, 12).RandomUniform("B0", -0.2f, 0.2f, 16)
            .Initializer("shape", new long[] { 0, 4, -1 }, 3)
            .Initializer("split", new long[] { 1, 3 }, 2)
            .Initializer("starts", new long[] { 1 }, 1).Initializer("ends", new long[] { long.MaxValue }, 1).Initializer("axes2", new long[] { 2 }, 1)
            .Initializer("axes1", new long[] { 1 }, 1)
            .Initializer("pads", new long[] { 0, 0, 1, 0, 0, 0, 0, 1 }, 8)
            .Node("Gemm", ["input", "W0", "B0"], ["z0"], "dense0", ("transB", 1))
            .Node("Relu", "z0", "a0", "relu0")
            .Node("Reshape", ["a0", "shape"], ["r"], "reshape")
            .Node("Transpose", "r", "t", "transpose", ("perm", new[] { 0, 2, 1 }))
            .Node("Split", ["t", "split"], ["sa", "sb"], "split", ("axis", 1))
            .Node("Concat", ["sb", "sa"], ["c"], "concat", ("axis", 1))
            .Node("Slice", ["c", "starts", "ends", "axes2"], ["s"], "slice")
            .Node("Unsqueeze", ["s", "axes1"], ["u"], "unsqueeze")
            .Node("Pad", ["u", "pads"], ["p"], "pad")
            .Node("Squeeze", ["p", "axes1"], ["q"], "squeeze")
            .Node("Flatten", "q", "f", "flatten");
        Head(b, "f", 20, 3);
        return new TestNetwork("Routing", b.Output("output", "N", 3).Build(), [2, 12]) { FirstLayers = ["dense0"] };
    }

    /// <summary>
    /// Pass ops: Gemm → Sub c → Mul 2 → Div 4 → Clip[-1, 2] → Gemm → LeakyRelu → Gemm → Sigmoid → Dropout → Gemm →
    /// Tanh → Identity → Cast(float) → Gemm → Softmax.
    /// </summary>
    public static TestNetwork Activations()
    {
        var b = new OnnxModelBuilder(seed: 48).Input("input", "N", 8)
            .RandomUniform("c", -0.3f, 0.3f, 8).Initializer("two", [2f]).Initializer("four", [4f])
            .Initializer("lo", [-1f]).Initializer("hi", [2f]);
        Dense(b, "dense0", "input", "z0", 8, 8);
        b.Node("Sub", ["z0", "c"], ["s"], "sub").Node("Mul", ["s", "two"], ["m"], "mul").Node("Div", ["m", "four"], ["d"], "div")
            .Node("Clip", ["d", "lo", "hi"], ["k"], "clip");
        Dense(b, "dense1", "k", "z1", 8, 8);
        b.Node("LeakyRelu", "z1", "l", "leaky", ("alpha", 0.1f));
        Dense(b, "dense2", "l", "z2", 8, 6);
        b.Node("Sigmoid", "z2", "g", "sigmoid").Node("Dropout", "g", "o", "dropout");
        Dense(b, "dense3", "o", "z3", 6, 6);
        b.Node("Tanh", "z3", "h", "tanh").Node("Identity", "h", "i", "identity").Node("Cast", "i", "f", "cast", ("to", 1));
        Dense(b, "dense4", "f", "z4", 6, 4);
        b.Node("Softmax", "z4", "output", "softmax", ("axis", -1));
        return new TestNetwork("Activations", b.Output("output", "N", 4).Build(), [2, 8]) { FirstLayers = ["dense0"] };
    }

    /// <summary>Sub and Sum of activations: Gemm a, Gemm b, Gemm c from the input; Sub(a, b) → Relu; Sum(r, c, const) → Gemm.</summary>
    public static TestNetwork SubAndSum()
    {
        var b = new OnnxModelBuilder(seed: 49).Input("input", "N", 6).RandomUniform("k", -0.2f, 0.2f, 5);
        Dense(b, "dense_a", "input", "a", 6, 5);
        Dense(b, "dense_b", "input", "b", 6, 5);
        Dense(b, "dense_c", "input", "c", 6, 5);
        b.Node("Sub", ["a", "b"], ["d"], "sub").Node("Relu", "d", "r", "relu").Node("Sum", ["r", "c", "k"], ["s"], "sum");
        Head(b, "s", 5, 3);
        return new TestNetwork("SubAndSum", b.Output("output", "N", 3).Build(), [2, 6]) { FirstLayers = ["dense_a", "dense_b", "dense_c"] };
    }

    /// <summary>Opset 10 attribute forms: Unsqueeze/Squeeze axes, Pad pads, Clip min/max; Slice inputs; Softmax over the coerced 2-D.</summary>
    public static TestNetwork LegacyOpset10()
    {
        var b = new OnnxModelBuilder(seed: 50).Opset(10).Input("input", "N", 12)
            .Initializer("starts", new long[] { 2 }, 1).Initializer("ends", new long[] { -1 }, 1).Initializer("axes", new long[] { 1 }, 1);
        Dense(b, "dense0", "input", "z0", 12, 8);
        b.Node("Unsqueeze", "z0", "u", "unsqueeze", ("axes", new[] { 1 }))
            .Node("Pad", "u", "p", "pad", ("pads", new[] { 0, 0, 1, 0, 0, 1 }))
            .Node("Squeeze", "p", "q", "squeeze", ("axes", new[] { 1 }))
            .Node("Slice", ["q", "starts", "ends", "axes"], ["s"], "slice")
            .Node("Clip", "s", "k", "clip", ("min", -0.5f), ("max", 1.5f));
        Dense(b, "dense1", "k", "z1", 7, 4);
        b.Node("Softmax", "z1", "output", "softmax");
        return new TestNetwork("LegacyOpset10", b.Output("output", "N", 4).Build(), [2, 12]) { FirstLayers = ["dense0"] };
    }

    private static void Dense(OnnxModelBuilder b, string name, string input, string output, int inSize, int outSize)
    {
        b.RandomWeight($"{name}_W", outSize, inSize).RandomUniform($"{name}_B", -0.2f, 0.2f, outSize)
            .Node("Gemm", [input, $"{name}_W", $"{name}_B"], [output], name, ("transB", 1));
    }

    private static void Head(OnnxModelBuilder b, string input, int inSize, int classes) => Dense(b, "head", input, "output", inSize, classes);
}
