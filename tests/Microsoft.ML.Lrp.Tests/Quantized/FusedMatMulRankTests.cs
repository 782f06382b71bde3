using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Quantized;

/// <summary>com.microsoft FusedMatMul with transB on an operand whose rank the model does not declare: learnt from a run.</summary>
[TestClass]
public sealed class FusedMatMulRankTests
{
    /// <summary>x [N, 4, 3]; k = Relu(x) (no declared shape); y = x · kᵀ [N, 4, 4], fused or as Transpose + MatMul.</summary>
    private static byte[] Model(bool fused)
    {
        var b = new OnnxModelBuilder(1).Input("x", "N", 4, 3).Output("y").Node("Relu", "x", "k", "relu");
        return fused
            ? b.MicrosoftNode("FusedMatMul", ["x", "k"], ["y"], "fmm", ("transB", 1L)).Build()
            : b.Node("Transpose", "k", "kt", "transpose", ("perm", new long[] { 0, 2, 1 })).Node("MatMul", ["x", "kt"], ["y"], "matmul").Build();
    }

    [TestMethod]
    public void FusedMatMul_TransBOfUnknownRank_ExplainsLikeExplicitTranspose()
    {
        var input = new SeededWeights(2).Uniform(2 * 12, -1f, 1f);
        float[] expected = Explain(Model(fused: false), input);
        float[] actual = Explain(Model(fused: true), input);
        Assert.IsGreaterThan(0f, expected.Max(Math.Abs));
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i], actual[i], 1e-6f * (1f + Math.Abs(expected[i])), $"element {i}");
        }
    }

    [TestMethod]
    public void FusedMatMul_TransBOfRankPropagatedFromInput_CoveredWithoutRun()
    {
        var report = LrpCoverage.Analyze(new LrpOptions { ModelBytes = Model(fused: true) });
        Assert.IsGreaterThan(0, report.RelevanceNodes);
        Assert.AreEqual(report.RelevanceNodes, report.CoveredRelevanceNodes);
    }

    [TestMethod]
    public void FusedMatMul_TransBOfUnknownRank_CoverageWithoutRunNamesNode()
    {
        // Tile's output shape is not propagated before a run, so k's rank is unknown to the analysis.
        byte[] model = new OnnxModelBuilder(1).Opset(17).Input("x", "N", 4, 3).Output("y")
            .Initializer("repeats", [1L, 1L, 1L], 3)
            .Node("Tile", ["x", "repeats"], ["k"], "tile")
            .MicrosoftNode("FusedMatMul", ["x", "k"], ["y"], "fmm", ("transB", 1L)).Build();
        var e = Assert.ThrowsExactly<LrpException>(() => LrpCoverage.Analyze(new LrpOptions { ModelBytes = model }));
        StringAssert.Contains(e.Message, "'fmm'");
        StringAssert.Contains(e.Message, "unknown rank");
    }

    private static float[] Explain(byte[] model, float[] input)
    {
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = model, Composite = LrpComposite.AttnLrp, Target = LrpTarget.Class(5) });
        return explainer.Explain(input, 2).Relevance;
    }
}
