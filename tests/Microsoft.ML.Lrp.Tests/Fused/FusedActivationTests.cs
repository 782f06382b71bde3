using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Fused;

/// <summary>The GELU family and FusedMatMul: the decomposed model computes what ONNX Runtime's fused kernels compute.</summary>
[TestClass]
public sealed class FusedActivationTests
{
    private static readonly long[] Shape = [2, 3, 8];

    private static Dictionary<string, FeedValue> Feed(int seed = 7)
        => new() { ["x"] = new FeedValue(new SeededWeights(seed).Uniform(48, -3f, 3f), Shape) };

    private static byte[] Unary(string opType, string[] extraInputs, params (string, object)[] attributes)
    {
        var builder = new OnnxModelBuilder(3).Input("x", 2, 3, 8).Output("y");
        if (extraInputs.Length > 0)
        {
            builder.RandomUniform("bias", -1f, 1f, 8);
        }

        return builder.MicrosoftNode(opType, ["x", .. extraInputs], ["y"], "fused", attributes).Build();
    }

    [TestMethod]
    public void Gelu_Decomposed_MatchesOnnxRuntime()
        => Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(Unary("Gelu", []), Feed(), "y"));

    [TestMethod]
    public void BiasGelu_Decomposed_MatchesOnnxRuntime()
        => Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(Unary("BiasGelu", ["bias"]), Feed(), "y"));

    [TestMethod]
    public void FastGelu_WithoutBias_MatchesOnnxRuntime()
        => Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(Unary("FastGelu", []), Feed(), "y"));

    [TestMethod]
    public void FastGelu_WithBias_MatchesOnnxRuntime()
        => Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(Unary("FastGelu", ["bias"]), Feed(), "y"));

    [TestMethod]
    public void QuickGelu_DefaultAlpha_MatchesOnnxRuntime()
        => Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(Unary("QuickGelu", []), Feed(), "y"));

    [TestMethod]
    public void QuickGelu_CustomAlpha_MatchesOnnxRuntime()
        => Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(Unary("QuickGelu", [], ("alpha", 1.25f)), Feed(), "y"));

    [TestMethod]
    public void FusedMatMul_TransposedOperandsAndAlpha_MatchesOnnxRuntime()
    {
        byte[] model = new OnnxModelBuilder(5)
            .Input("a", 2, 4, 3).Output("y")
            .RandomUniform("b", -1f, 1f, 2, 5, 4)
            .MicrosoftNode("FusedMatMul", ["a", "b"], ["y"], "fmm", ("transA", 1L), ("transB", 1L), ("alpha", 0.5f))
            .Build();
        var feeds = new Dictionary<string, FeedValue> { ["a"] = new FeedValue(new SeededWeights(2).Uniform(24), [2, 4, 3]) };
        Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(model, feeds, "y"));
    }

    [TestMethod]
    public void FusedMatMul_Plain_MatchesOnnxRuntime()
    {
        byte[] model = new OnnxModelBuilder(5)
            .Input("a", "N", 3, 4).Output("y")
            .RandomUniform("b", -1f, 1f, 4, 6)
            .MicrosoftNode("FusedMatMul", ["a", "b"], ["y"], "fmm")
            .Build();
        var feeds = new Dictionary<string, FeedValue> { ["a"] = new FeedValue(new SeededWeights(2).Uniform(24), [2, 3, 4]) };
        Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(model, feeds, "y"));
    }

    [TestMethod]
    public void FusedMatMul_TransBatchAOnOperandsOfUnequalRank_ThrowsNamingNodeAndAttribute()
    {
        byte[] model = new OnnxModelBuilder(5)
            .Input("a", 2, 3, 4).Output("y")
            .RandomUniform("b", -1f, 1f, 4, 6)
            .MicrosoftNode("FusedMatMul", ["a", "b"], ["y"], "batchTransposed", ("transBatchA", 1L))
            .Build();
        var e = Assert.ThrowsExactly<LrpException>(() => FusedRunner.Decompose(model));
        StringAssert.Contains(e.Message, "'batchTransposed'");
        StringAssert.Contains(e.Message, "FusedMatMul");
        StringAssert.Contains(e.Message, "transBatchA");
        StringAssert.Contains(e.Message, "ranks 3 and 2");
    }

    [TestMethod]
    [DataRow("LeakyRelu")]
    [DataRow("Tanh")]
    [DataRow("Sigmoid")]
    public void FusedGemm_Activation_MatchesOnnxRuntime(string activation)
    {
        byte[] model = new OnnxModelBuilder(6)
            .Input("a", "N", 6).Output("y")
            .RandomUniform("w", -1f, 1f, 5, 6).RandomUniform("c", -1f, 1f, 5)
            .MicrosoftNode("FusedGemm", ["a", "w", "c"], ["y"], "fgemm", ("transB", 1L), ("alpha", 0.7f), ("beta", 1.3f), ("activation", activation), ("activation_alpha", 0.2f))
            .Build();
        var feeds = new Dictionary<string, FeedValue> { ["a"] = new FeedValue(new SeededWeights(8).Uniform(18, -2f, 2f), [3, 6]) };
        Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(model, feeds, "y"));
    }

    [TestMethod]
    public void FusedConv_ReluWithSum_MatchesOnnxRuntime()
    {
        byte[] model = new OnnxModelBuilder(7)
            .Input("x", "N", 2, 5, 5).Input("z", "N", 3, 5, 5).Output("y")
            .RandomUniform("w", -1f, 1f, 3, 2, 3, 3).RandomUniform("b", -0.5f, 0.5f, 3)
            .MicrosoftNode("FusedConv", ["x", "w", "b", "z"], ["y"], "fconv", ("pads", new long[] { 1, 1, 1, 1 }), ("kernel_shape", new long[] { 3, 3 }), ("activation", "Relu"))
            .Build();
        var feeds = new Dictionary<string, FeedValue>
        {
            ["x"] = new FeedValue(new SeededWeights(9).Uniform(50, -1f, 1f), [1, 2, 5, 5]),
            ["z"] = new FeedValue(new SeededWeights(10).Uniform(75, -1f, 1f), [1, 3, 5, 5]),
        };
        Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(model, feeds, "y"));
    }
}
