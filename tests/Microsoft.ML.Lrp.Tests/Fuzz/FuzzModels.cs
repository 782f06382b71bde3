using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Fuzz;

/// <summary>The seed models the mutation fuzzer starts from: an MLP, and a small CNN with BatchNorm, MaxPool, Concat and Slice.</summary>
internal static class FuzzModels
{
    /// <summary>[N, 6] → Gemm → Relu → Gemm → [N, 3].</summary>
    public static byte[] Mlp()
    {
        var b = new OnnxModelBuilder(seed: 5).Input("input", "N", 6)
            .RandomWeight("W0", 8, 6).RandomWeight("B0", 8).RandomWeight("W1", 3, 8).RandomWeight("B1", 3)
            .Node("Gemm", ["input", "W0", "B0"], ["h"], "dense0", ("transB", 1))
            .Node("Relu", "h", "a", "relu0")
            .Node("Gemm", ["a", "W1", "B1"], ["output"], "dense1", ("transB", 1))
            .Output("output", "N", 3);
        return b.Build();
    }

    /// <summary>
    /// [N, 2, 6, 6] → Conv → BatchNormalization → Relu → MaxPool → (Slice of channels ‖ the whole) Concat → Flatten → Gemm.
    /// </summary>
    public static byte[] Cnn()
    {
        var b = new OnnxModelBuilder(seed: 6).Input("input", "N", 2, 6, 6)
            .RandomWeight("Wc", 4, 2, 3, 3).RandomWeight("Bc", 4)
            .RandomUniform("scale", 0.5f, 1.5f, 4).RandomWeight("shift", 4).RandomWeight("mean", 4).RandomUniform("var", 0.5f, 2f, 4)
            .Initializer("starts", new long[] { 0 }, 1).Initializer("ends", new long[] { 2 }, 1).Initializer("axes", new long[] { 1 }, 1)
            .RandomWeight("Wd", 3, 6 * 3 * 3).RandomWeight("Bd", 3)
            .Node("Conv", ["input", "Wc", "Bc"], ["c"], "conv", ("pads", new[] { 1, 1, 1, 1 }))
            .Node("BatchNormalization", ["c", "scale", "shift", "mean", "var"], ["bn"], "bn")
            .Node("Relu", "bn", "r", "relu")
            .Node("MaxPool", "r", "p", "pool", ("kernel_shape", new[] { 2, 2 }), ("strides", new[] { 2, 2 }))
            .Node("Slice", ["p", "starts", "ends", "axes"], ["s"], "slice")
            .Node("Concat", ["p", "s"], ["cat"], "concat", ("axis", 1))
            .Node("Flatten", "cat", "f", "flatten")
            .Node("Gemm", ["f", "Wd", "Bd"], ["output"], "dense", ("transB", 1))
            .Output("output", "N", 3);
        return b.Build();
    }
}
