using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Promises;

/// <summary>Small graphs built to exercise the promise planner: each one has a known best plan.</summary>
internal static class PromiseGraphs
{
    /// <summary>
    /// Gemm z0 [N,16] → Relu → Reshape [N,4,4] → Transpose → Flatten f; Add(f, z0) s → Gemm. The Add reads z0
    /// (captured) and f, which is rebuilt through Relu → Reshape → Transpose → Flatten; s is rebuilt from f and z0.
    /// </summary>
    public static TestNetwork ReluReshapeTransposeChain()
    {
        var b = new OnnxModelBuilder(seed: 301).Input("input", "N", 8).Initializer("shape", new long[] { 0, 4, 4 }, 3);
        Dense(b, "dense0", "input", "z0", 8, 16);
        b.Node("Relu", "z0", "a", "relu")
            .Node("Reshape", ["a", "shape"], ["r"], "reshape")
            .Node("Transpose", "r", "t", "transpose", ("perm", new[] { 0, 2, 1 }))
            .Node("Flatten", "t", "f", "flatten")
            .Node("Add", ["f", "z0"], ["s"], "add");
        Dense(b, "head", "s", "output", 16, 3);
        return new TestNetwork("ReluReshapeTransposeChain", b.Output("output", "N", 3).Build(), [2, 8]) { FirstLayers = ["dense0"] };
    }

    /// <summary>
    /// Residual block: Gemm z0, Gemm w; Add(z0, w) → Relu p (the skip path); BatchNormalization(p) q (the branch);
    /// Add(p, q) s → Gemm. Both operands of the second Add are promised, q from the promised p.
    /// </summary>
    public static TestNetwork ResidualBothOperandsPromised()
    {
        var b = new OnnxModelBuilder(seed: 302).Input("input", "N", 6)
            .RandomUniform("bn_scale", 0.5f, 1.5f, 8).RandomUniform("bn_bias", -0.2f, 0.2f, 8)
            .RandomUniform("bn_mean", -0.3f, 0.3f, 8).RandomUniform("bn_var", 0.5f, 1.5f, 8);
        Dense(b, "dense_z", "input", "z0", 6, 8);
        Dense(b, "dense_w", "input", "w", 6, 8);
        b.Node("Add", ["z0", "w"], ["s0"], "add0")
            .Node("Relu", "s0", "p", "relu")
            .Node("BatchNormalization", ["p", "bn_scale", "bn_bias", "bn_mean", "bn_var"], ["q"], "bn")
            .Node("Add", ["p", "q"], ["s"], "add1");
        Dense(b, "head", "s", "output", 8, 3);
        return new TestNetwork("ResidualBothOperandsPromised", b.Output("output", "N", 3).Build(), [2, 6]) { FirstLayers = ["dense_z", "dense_w"] };
    }

    /// <summary>
    /// Promise tree: Gemm z0 [N,16]; Add(z0, c) → Relu → Reshape [N,1,4,4] r (read by MaxPool); MaxPool 2×2 →
    /// Flatten f (read by the head). r is promised from z0; f is promised from the promised r.
    /// </summary>
    public static TestNetwork PromiseTree()
    {
        var b = new OnnxModelBuilder(seed: 303).Input("input", "N", 8)
            .RandomUniform("c", -0.2f, 0.2f, 16).Initializer("shape", new long[] { 0, 1, 4, 4 }, 4);
        Dense(b, "dense0", "input", "z0", 8, 16);
        b.Node("Add", ["z0", "c"], ["s"], "add")
            .Node("Relu", "s", "a", "relu")
            .Node("Reshape", ["a", "shape"], ["r"], "reshape")
            .Node("MaxPool", "r", "m", "maxpool", ("kernel_shape", new[] { 2, 2 }), ("strides", new[] { 2, 2 }))
            .Node("Flatten", "m", "f", "flatten");
        Dense(b, "head", "f", "output", 4, 3);
        return new TestNetwork("PromiseTree", b.Output("output", "N", 3).Build(), [2, 8]) { FirstLayers = ["dense0"] };
    }

    /// <summary>
    /// Shared ancestor: Gemm z0, Gemm z1; Add(z0, z1) s; Relu(z0) u (read by no rule); Mul(u, 2) p1 → Gemm d1;
    /// Sigmoid(u) p2 → Gemm d2; Sum(d1, d2, s) → Gemm. p1 and p2 are both promised from the shared, rebuilt u.
    /// </summary>
    public static TestNetwork SharedAncestor()
    {
        var b = new OnnxModelBuilder(seed: 304).Input("input", "N", 6).Initializer("two", [2f]);
        Dense(b, "dense0", "input", "z0", 6, 8);
        Dense(b, "dense_b", "input", "z1", 6, 8);
        b.Node("Add", ["z0", "z1"], ["s"], "add")
            .Node("Relu", "z0", "u", "relu")
            .Node("Mul", ["u", "two"], ["p1"], "mul")
            .Node("Sigmoid", "u", "p2", "sigmoid");
        Dense(b, "dense1", "p1", "d1", 8, 8);
        Dense(b, "dense2", "p2", "d2", 8, 8);
        b.Node("Sum", ["d1", "d2", "s"], ["t"], "sum");
        Dense(b, "head", "t", "output", 8, 3);
        return new TestNetwork("SharedAncestor", b.Output("output", "N", 3).Build(), [2, 6]) { FirstLayers = ["dense0", "dense_b"] };
    }

    /// <summary>
    /// Capturing is cheaper: Conv c [N,4,6,6] → Relu → Slice (channel 0, rows and columns 0..1) → Flatten f [N,4] →
    /// Gemm. Only f is read; rebuilding it would capture the 144-element Relu or Conv output, so f is captured.
    /// </summary>
    public static TestNetwork CaptureCheaper()
    {
        var b = new OnnxModelBuilder(seed: 305).Input("input", "N", 2, 6, 6)
            .RandomWeight("conv_W", 4, 2, 3, 3).RandomUniform("conv_B", -0.2f, 0.2f, 4)
            .Initializer("starts", new long[] { 0, 0, 0 }, 3).Initializer("ends", new long[] { 1, 2, 2 }, 3).Initializer("axes", new long[] { 1, 2, 3 }, 3)
            .Node("Conv", ["input", "conv_W", "conv_B"], ["c"], "conv", ("pads", new[] { 1, 1, 1, 1 }))
            .Node("Relu", "c", "r", "relu")
            .Node("Slice", ["r", "starts", "ends", "axes"], ["sl"], "slice")
            .Node("Flatten", "sl", "f", "flatten");
        Dense(b, "head", "f", "output", 4, 3);
        return new TestNetwork("CaptureCheaper", b.Output("output", "N", 3).Build(), [2, 2, 6, 6]) { FirstLayers = ["conv"] };
    }

    private static void Dense(OnnxModelBuilder b, string name, string input, string output, int inSize, int outSize)
        => b.RandomWeight($"{name}_W", outSize, inSize).RandomUniform($"{name}_B", -0.2f, 0.2f, outSize)
            .Node("Gemm", [input, $"{name}_W", $"{name}_B"], [output], name, ("transB", 1));
}
