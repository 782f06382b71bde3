using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Tokens;

[TestClass]
public sealed class LrpCoverageTests
{
    [TestMethod]
    public void Analyze_UnsupportedOpsOnThePath_CountsThemAndSideNodesAsCovered()
    {
        var model = new OnnxModelBuilder().Input("input", "N", 4)
            .RandomWeight("W", 4, 4)
            .Node("MatMul", ["input", "W"], ["h"], "dense")
            .Node("Round", "h", "r1", "round_a")
            .Node("Round", "r1", "r2", "round_b")
            .Node("Floor", "r2", "f", "floor")
            .Node("Relu", "f", "output", "relu")
            .Node("Shape", "input", "shape", "side_shape")
            .Output("output", "N", 4)
            .Output("shape")
            .Build();

        var report = LrpCoverage.Analyze(new LrpOptions { ModelBytes = model });

        Assert.AreEqual(6, report.Nodes);
        Assert.AreEqual(5, report.RelevanceNodes);
        Assert.AreEqual(2, report.CoveredRelevanceNodes);
        Assert.AreEqual(3, report.CoveredNodes);
        Assert.AreEqual(2, report.UnsupportedOpTypes["Round"]);
        Assert.AreEqual(1, report.UnsupportedOpTypes["Floor"]);
        Assert.AreEqual(0.5, report.Coverage, 1e-12);
        Assert.IsFalse(report.IsComplete);
        StringAssert.Contains(report.ToString(), "Round ×2");
    }

    [TestMethod]
    public void Analyze_FilePath_TokenModel_IsComplete()
    {
        string path = Path.Combine(Path.GetTempPath(), "lrp-coverage-" + Guid.NewGuid().ToString("N") + ".onnx");
        File.WriteAllBytes(path, new TokenTestModel(4).Model);
        try
        {
            var report = LrpCoverage.Analyze(path);

            Assert.AreEqual(LrpComposite.EpsilonPlusFlat, report.Composite);
            Assert.AreEqual("input_ids", report.InputName);
            Assert.AreEqual(9, report.Nodes);
            Assert.AreEqual(7, report.RelevanceNodes);
            Assert.AreEqual(report.Nodes, report.CoveredNodes);
            Assert.AreEqual(0, report.UnsupportedOpTypes.Count);
            Assert.AreEqual(1.0, report.Coverage, 1e-12);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void Analyze_FusedContribOps_AreDecomposedAndUnknownOnesListed()
    {
        byte[] Model(string fusedOp) => new OnnxModelBuilder().Input("input", "N", 4)
            .RandomWeight("W", 4, 4)
            .Node("MatMul", ["input", "W"], ["h"], "dense")
            .MicrosoftNode(fusedOp, ["h"], ["output"], "fused")
            .Output("output", "N", 4)
            .Build();

        var supported = LrpCoverage.Analyze(new LrpOptions { ModelBytes = Model("FastGelu") });
        var unknown = LrpCoverage.Analyze(new LrpOptions { ModelBytes = Model("NotARealContribOp") });

        Assert.IsTrue(supported.IsComplete, supported.ToString());
        Assert.IsGreaterThan(2, supported.Nodes, "FastGelu counts as its primitive operators");
        Assert.AreEqual(1, unknown.UnsupportedOpTypes.Count, unknown.ToString());
        Assert.Contains("NotARealContribOp", unknown.UnsupportedOpTypes.Keys.Single());
    }
}
