using Microsoft.ML.Lrp.Promises;
using Microsoft.ML.Lrp.Tests.Engine;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Promises;

/// <summary>
/// A linear node whose output is captured for another reader (a bias Add, a residual Add) reads it instead of
/// recomputing its forward product: the value is then released by the linear node's own step, and the relevance
/// still matches the reference engine and conserves.
/// </summary>
[TestClass]
public sealed class OptionalReadTests
{
    [TestMethod]
    public void Plan_MatMulThenBiasAdd_MatMulStepReadsItsCapturedOutput()
    {
        var b = new OnnxModelBuilder(seed: 311).Input("input", "N", 8)
            .RandomWeight("w", 8, 16).RandomUniform("bias", -0.3f, 0.3f, 16)
            .Node("MatMul", ["input", "w"], ["z"], "matmul")
            .Node("Add", ["z", "bias"], ["y"], "bias_add")
            .Node("Relu", "y", "a", "relu")
            .RandomWeight("head_W", 3, 16).RandomUniform("head_B", -0.2f, 0.2f, 3)
            .Node("Gemm", ["a", "head_W", "head_B"], ["output"], "head", ("transB", 1));
        var network = new TestNetwork("MatMulBiasAdd", b.Output("output", "N", 3).Build(), [2, 8]) { FirstLayers = ["matmul"] };

        AssertReleasedByOwnStep(network, "z", "matmul");
        AssertMatchesReferenceAndConserves(network);
    }

    [TestMethod]
    public void Plan_GemmWithBiasIntoResidualAdd_GemmStepReadsItsCapturedOutput()
    {
        var b = new OnnxModelBuilder(seed: 312).Input("input", "N", 8)
            .RandomWeight("dense_W", 8, 8).RandomUniform("dense_B", -0.5f, 0.5f, 8)
            .Node("Gemm", ["input", "dense_W", "dense_B"], ["g"], "dense", ("transB", 1))
            .Node("Add", ["g", "input"], ["s"], "residual")
            .RandomWeight("head_W", 3, 8).RandomUniform("head_B", -0.2f, 0.2f, 3)
            .Node("Gemm", ["s", "head_W", "head_B"], ["output"], "head", ("transB", 1));
        var network = new TestNetwork("GemmResidual", b.Output("output", "N", 3).Build(), [2, 8]) { FirstLayers = ["dense"] };

        AssertReleasedByOwnStep(network, "g", "dense");
        AssertMatchesReferenceAndConserves(network);
    }

    private static void AssertReleasedByOwnStep(TestNetwork network, string value, string node)
    {
        foreach (var policy in new[] { LrpCapturePolicy.MinimizeMemory, LrpCapturePolicy.CaptureAll })
        {
            PromiseRuns.Explain(network, policy, 5, out var schedule, out _);
            CollectionAssert.Contains(schedule.Captures, value, $"{policy}");
            var releasing = schedule.Actions.Single(a => a.Release.Contains(value));
            Assert.AreEqual(ScheduleActionKind.Relevance, releasing.Kind);
            Assert.AreEqual(node, releasing.Names[0], $"{policy}: '{value}' is released by {releasing.Names[0]}");
        }
    }

    private static void AssertMatchesReferenceAndConserves(TestNetwork network)
    {
        PromiseRuns.AssertPoliciesAgree(network, 5);
        using var explainer = new LrpExplainer(PromiseRuns.Options(network, LrpCapturePolicy.MinimizeMemory));
        var result = explainer.Explain(PromiseRuns.Input(network, 5), network.InputShape[0], conservationReport: true);
        Assert.IsLessThan(1e-5, result.ConservationReport!.MaxRelativeError);
        EngineVersusReferenceTests.AssertClose(PromiseRuns.Reference(network, 5), result.Relevance, network.Name);
    }
}
