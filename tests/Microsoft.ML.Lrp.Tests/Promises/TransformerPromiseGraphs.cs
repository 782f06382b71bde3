using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Promises;

/// <summary>Small transformer-style graphs built to exercise promises through Softmax, LayerNorm chains and masks.</summary>
internal static class TransformerPromiseGraphs
{
    /// <summary>
    /// Attention probabilities promised from captured scores: Gemm z0 [N,16] → Reshape [N,4,4] s → Softmax p;
    /// Gemm z1 → Reshape [N,4,4] v; MatMul(p, v) c → Flatten → Gemm. The Softmax rule reads s and p, the MatMul
    /// reads p and v: s and v are views of the captured Gemm outputs, p is rebuilt by replaying the Softmax.
    /// </summary>
    public static TestNetwork SoftmaxFromScores()
    {
        var b = new OnnxModelBuilder(seed: 311).Input("input", "N", 6).Initializer("shape", new long[] { 0, 4, 4 }, 3);
        Dense(b, "dense_s", "input", "z0", 6, 16);
        Dense(b, "dense_v", "input", "z1", 6, 16);
        b.Node("Reshape", ["z0", "shape"], ["s"], "reshape_s")
            .Node("Softmax", "s", "p", "softmax", ("axis", -1))
            .Node("Reshape", ["z1", "shape"], ["v"], "reshape_v")
            .Node("MatMul", ["p", "v"], ["c"], "context")
            .Node("Flatten", "c", "f", "flatten");
        Dense(b, "head", "f", "output", 16, 3);
        return new TestNetwork("SoftmaxFromScores", b.Output("output", "N", 3).Build(), [2, 6]) { FirstLayers = ["dense_s", "dense_v"] };
    }

    /// <summary>
    /// A decomposed LayerNorm as exporters write it: Gemm z [N,8]; m = ReduceMean(z); d = z − m; v = ReduceMean(d²);
    /// σ = √(v + ε); n = d / σ; h = n·γ + β → Gemm. z and the per-row statistics m and σ are captured; d, n and h
/// are rebuilt.
    /// </summary>
    public static TestNetwork DecomposedLayerNorm()
    {
        var b = new OnnxModelBuilder(seed: 312).Input("input", "N", 6)
            .Initializer("two", [2f]).Initializer("eps", [1e-5f])
            .RandomUniform("gamma", 0.5f, 1.5f, 8).RandomUniform("beta", -0.2f, 0.2f, 8);
        Dense(b, "dense0", "input", "z", 6, 8);
        b.Node("ReduceMean", "z", "m", "mean", ("axes", new[] { -1 }))
            .Node("Sub", ["z", "m"], ["d"], "centre")
            .Node("Pow", ["d", "two"], ["sq"], "square")
            .Node("ReduceMean", "sq", "var", "variance", ("axes", new[] { -1 }))
            .Node("Add", ["var", "eps"], ["ve"], "add_eps")
            .Node("Sqrt", "ve", "sigma", "sqrt")
            .Node("Div", ["d", "sigma"], ["n"], "normalise")
            .Node("Mul", ["n", "gamma"], ["g"], "scale")
            .Node("Add", ["g", "beta"], ["h"], "shift");
        Dense(b, "head", "h", "output", 8, 3);
        return new TestNetwork("DecomposedLayerNorm", b.Output("output", "N", 3).Build(), [2, 6]) { FirstLayers = ["dense0"] };
    }

    /// <summary>
    /// LayerNormalization (opset 17) read by the next layer: Gemm z [N,8] → LayerNormalization h → Gemm; h is
    /// rebuilt from the captured z.
    /// </summary>
    public static TestNetwork LayerNormalizationOp()
    {
        var b = new OnnxModelBuilder(seed: 313).Opset(17).Input("input", "N", 6)
            .RandomUniform("gamma", 0.5f, 1.5f, 8).RandomUniform("beta", -0.2f, 0.2f, 8);
        Dense(b, "dense0", "input", "z", 6, 8);
        b.Node("LayerNormalization", ["z", "gamma", "beta"], ["h"], "layernorm", ("axis", -1), ("epsilon", 1e-5f));
        Dense(b, "head", "h", "output", 8, 3);
        return new TestNetwork("LayerNormalizationOp", b.Output("output", "N", 3).Build(), [2, 6]) { FirstLayers = ["dense0"] };
    }

    /// <summary>
    /// A broadcast Add with a mask side path: the caller feeds <c>mask</c> [N,4]; k = Unsqueeze(mask) [N,1,4];
    /// a = (1 − k)·(−10000); Gemm z [N,16] → Reshape [N,4,4] s; t = s + a (broadcast) → Softmax p → Flatten →
    /// Gemm. The Add reads s and a: s is captured, a is rebuilt from the caller's mask by replaying the side path.
    /// </summary>
    public static TestNetwork MaskedScores()
    {
        var b = new OnnxModelBuilder(seed: 314).Input("input", "N", 6).Input("mask", "N", 4)
            .Initializer("shape", new long[] { 0, 4, 4 }, 3).Initializer("axis1", new long[] { 1 }, 1)
            .Initializer("one", [1f]).Initializer("big", [-10000f]);
        Dense(b, "dense0", "input", "z", 6, 16);
        b.Node("Unsqueeze", ["mask", "axis1"], ["k"], "unsqueeze")
            .Node("Sub", ["one", "k"], ["inv"], "invert")
            .Node("Mul", ["inv", "big"], ["a"], "additive_mask")
            .Node("Reshape", ["z", "shape"], ["s"], "reshape")
            .Node("Add", ["s", "a"], ["t"], "masked_add")
            .Node("Softmax", "t", "p", "softmax", ("axis", -1))
            .Node("Flatten", "p", "f", "flatten");
        Dense(b, "head", "f", "output", 16, 3);
        return new TestNetwork("MaskedScores", b.Output("output", "N", 3).Build(), [2, 6]) { FirstLayers = ["dense0"] };
    }

    private static void Dense(OnnxModelBuilder b, string name, string input, string output, int inSize, int outSize)
        => b.RandomWeight($"{name}_W", outSize, inSize).RandomUniform($"{name}_B", -0.2f, 0.2f, outSize)
            .Node("Gemm", [input, $"{name}_W", $"{name}_B"], [output], name, ("transB", 1));
}
