using Microsoft.ML.Lrp.Promises;

namespace Microsoft.ML.Lrp.Tests.Promises;

/// <summary>The planner's choices on graphs built for the purpose, and the relevance they give.</summary>
[TestClass]
public sealed class PromisePlannerTests
{
    [TestMethod]
    public void Plan_ReluReshapeTransposeChain_RebuiltFromTheGemmOutput()
    {
        var network = PromiseGraphs.ReluReshapeTransposeChain();
        PromiseRuns.Explain(network, LrpCapturePolicy.MinimizeMemory, 1, out var schedule, out var stats);

        CollectionAssert.AreEquivalent(new[] { "z0" }, schedule.Captures);
        CollectionAssert.AreEquivalent(new[] { "a", "r", "t", "f", "s" }, schedule.Promised);
        Assert.AreEqual(2, stats.Promises);
        Assert.AreEqual(5, stats.PromiseInternalNodes);
        Assert.AreEqual(4 + 5, stats.SummedPromiseDepth);
        Assert.AreEqual(16 * sizeof(float), stats.CapturedBytesPerSample);
        PromiseRuns.AssertPoliciesAgree(network, 1);
    }

    [TestMethod]
    public void Plan_ResidualBlock_BothAddOperandsPromised()
    {
        var network = PromiseGraphs.ResidualBothOperandsPromised();
        PromiseRuns.Explain(network, LrpCapturePolicy.MinimizeMemory, 2, out var schedule, out var stats);

        CollectionAssert.AreEquivalent(new[] { "z0", "w" }, schedule.Captures);
        CollectionAssert.IsSubsetOf(new[] { "p", "q", "s" }, schedule.Promised);
        Assert.AreEqual(3, stats.Promises);
        PromiseRuns.AssertPoliciesAgree(network, 2);
    }

    [TestMethod]
    public void Plan_PromiseTree_PromiseHangsFromAPromise()
    {
        var network = PromiseGraphs.PromiseTree();
        PromiseRuns.Explain(network, LrpCapturePolicy.MinimizeMemory, 3, out var schedule, out var stats);

        CollectionAssert.AreEquivalent(new[] { "z0" }, schedule.Captures);
        CollectionAssert.AreEquivalent(new[] { "s", "a", "r", "m", "f" }, schedule.Promised);
        Assert.AreEqual(2, stats.Promises);
        Assert.AreEqual(3 + 5, stats.SummedPromiseDepth);

        // r is rebuilt before f, which is rebuilt from it; each replayed once.
        var order = schedule.Actions.Where(a => a.Kind == ScheduleActionKind.Replay).Select(a => a.Names[0]).ToList();
        Assert.IsLessThan(order.IndexOf("maxpool"), order.IndexOf("reshape"));
        Assert.AreEqual(1, PromiseRuns.ReplayCount(schedule, "reshape"));
        PromiseRuns.AssertPoliciesAgree(network, 3);
    }

    [TestMethod]
    public void Plan_SharedAncestor_RebuiltOnceForTwoPromises()
    {
        var network = PromiseGraphs.SharedAncestor();
        PromiseRuns.Explain(network, LrpCapturePolicy.MinimizeMemory, 4, out var schedule, out var stats);

        CollectionAssert.IsSubsetOf(new[] { "u", "p1", "p2" }, schedule.Promised);
        CollectionAssert.DoesNotContain(schedule.Captures, "u");
        CollectionAssert.Contains(schedule.Captures, "z0");
        Assert.AreEqual(1, PromiseRuns.ReplayCount(schedule, "relu"));
        // p1, p2, the Add s and the Sum t (from captured Gemm outputs and s).
        Assert.AreEqual(4, stats.Promises);
        PromiseRuns.AssertPoliciesAgree(network, 4);
    }

    [TestMethod]
    public void Plan_CapturingCheaperThanRebuilding_Captures()
    {
        var network = PromiseGraphs.CaptureCheaper();
        PromiseRuns.Explain(network, LrpCapturePolicy.MinimizeMemory, 5, out var schedule, out var stats);

        CollectionAssert.AreEquivalent(new[] { "f" }, schedule.Captures);
        Assert.IsEmpty(schedule.Promised);
        Assert.AreEqual(0, stats.Promises);
        Assert.AreEqual(4 * sizeof(float), stats.CapturedBytesPerSample);
        PromiseRuns.AssertPoliciesAgree(network, 5);
    }

    [TestMethod]
    public void Plan_CaptureAll_PromisesNothing()
    {
        PromiseRuns.Explain(PromiseGraphs.ReluReshapeTransposeChain(), LrpCapturePolicy.CaptureAll, 1, out var schedule, out var stats);
        CollectionAssert.AreEquivalent(new[] { "z0", "f", "s" }, schedule.Captures);
        Assert.AreEqual(0, stats.Promises);
        Assert.AreEqual(0.0, stats.PromiseDensity, 0.0);
    }

    [TestMethod]
    public void Plan_MinimizeTime_PromisesOnlyWhatIsCheaperThanFetching()
    {
        // Replaying Relu → Transpose → Add costs more element operations than fetching f and s.
        PromiseRuns.Explain(PromiseGraphs.ReluReshapeTransposeChain(), LrpCapturePolicy.MinimizeTime, 1, out var schedule, out _);
        CollectionAssert.AreEquivalent(new[] { "z0", "f", "s" }, schedule.Captures);
    }
}
