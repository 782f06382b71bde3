using Microsoft.ML.Lrp.Promises;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Promises;

/// <summary>
/// Promises on transformer operations: each small graph checks the plan (captured versus promised) under
/// MinimizeMemory and that the three capture policies give the same relevance (≤ 1e-6 of the largest value).
/// </summary>
[TestClass]
public sealed class TransformerPromiseTests
{
    [TestMethod]
    [DataRow(LrpComposite.AttnLrp)]
    [DataRow(LrpComposite.CpLrp)]
    public void SoftmaxFromScores_MinimizeMemory_ProbabilitiesRebuiltFromCapturedScores(LrpComposite composite)
    {
        var runs = TransformerPromiseRuns.AllPolicies(TransformerPromiseGraphs.SoftmaxFromScores(), composite, 21);
        var plan = runs[LrpCapturePolicy.MinimizeMemory].Schedule;
        CollectionAssert.Contains(plan.Promised, "p");
        CollectionAssert.DoesNotContain(plan.Captures, "p");
        Assert.AreEqual(1, PromiseRuns.ReplayCount(plan, "softmax"));
        CollectionAssert.Contains(runs[LrpCapturePolicy.CaptureAll].Schedule.Captures, "p");
        Assert.IsLessThan(runs[LrpCapturePolicy.CaptureAll].Statistics.CapturedBytesPerSample, runs[LrpCapturePolicy.MinimizeMemory].Statistics.CapturedBytesPerSample);
    }

    [TestMethod]
    public void DecomposedLayerNorm_MinimizeMemory_ChainRebuiltFromInputAndStatistics()
    {
        var runs = TransformerPromiseRuns.AllPolicies(TransformerPromiseGraphs.DecomposedLayerNorm(), LrpComposite.AttnLrp, 22);
        var memory = runs[LrpCapturePolicy.MinimizeMemory];
        // The Gemm output and the per-row statistics (the mean, and σ: reductions are never replayed, and rebuilding
        // σ would capture the variance, as large) are captured; the centred, normalised and scaled values are rebuilt.
        CollectionAssert.AreEquivalent(new[] { "z", "m", "sigma" }, memory.Schedule.Captures.ToArray());
        CollectionAssert.AreEquivalent(new[] { "d", "n", "g", "h" }, memory.Schedule.Promised.ToArray());
        var replayed = TransformerPromiseRuns.ReplayedOps(memory);
        Assert.AreEqual(2, replayed["Add"] + replayed["Sub"]);
        Assert.AreEqual(2, replayed["Div"] + replayed["Mul"]);
        Assert.IsLessThan(runs[LrpCapturePolicy.CaptureAll].Statistics.CapturedBytesPerSample, memory.Statistics.CapturedBytesPerSample);
    }

    [TestMethod]
    public void LayerNormalizationOp_MinimizeMemory_OutputRebuiltFromInput()
    {
        var runs = TransformerPromiseRuns.AllPolicies(TransformerPromiseGraphs.LayerNormalizationOp(), LrpComposite.AttnLrp, 23);
        var memory = runs[LrpCapturePolicy.MinimizeMemory].Schedule;
        CollectionAssert.Contains(memory.Promised, "h");
        CollectionAssert.DoesNotContain(memory.Captures, "h");
        Assert.AreEqual(1, PromiseRuns.ReplayCount(memory, "layernorm"));
    }

    [TestMethod]
    public void MaskedScores_MinimizeMemory_MaskSidePathRebuiltFromCallerMask()
    {
        var network = TransformerPromiseGraphs.MaskedScores();
        var mask = new float[] { 1, 1, 0, 1, 1, 0, 1, 1 };
        var runs = TransformerPromiseRuns.AllPolicies(network, LrpComposite.AttnLrp, 24, new Dictionary<string, Array> { ["mask"] = mask });
        var memory = runs[LrpCapturePolicy.MinimizeMemory];
        CollectionAssert.AreEquivalent(new[] { "s" }, memory.Schedule.Captures.ToArray());
        foreach (var value in new[] { "k", "inv", "a", "t", "p" })
        {
            CollectionAssert.Contains(memory.Schedule.Promised, value, value);
            CollectionAssert.DoesNotContain(memory.Schedule.Captures, value, value);
        }

        CollectionAssert.Contains(runs[LrpCapturePolicy.CaptureAll].Schedule.Captures, "a");
        Assert.AreEqual(3, TransformerPromiseRuns.SideReplays(memory));
        Assert.AreEqual(1, PromiseRuns.ReplayCount(memory.Schedule, "additive_mask"));
    }

    [TestMethod]
    [DataRow("BertLike", LrpComposite.AttnLrp)]
    [DataRow("BertLike", LrpComposite.CpLrp)]
    [DataRow("GptLike", LrpComposite.AttnLrp)]
    [DataRow("GptLike", LrpComposite.CpLrp)]
    public void TransformerNetworks_AllPolicies_SameRelevanceAndSoftmaxReplayed(string name, LrpComposite composite)
    {
        var runs = TransformerPromiseRuns.AllPolicies(TestNetworks.ByName(name), composite, 25);
        var memory = runs[LrpCapturePolicy.MinimizeMemory];
        Assert.IsTrue(TransformerPromiseRuns.ReplayedOps(memory).ContainsKey("Softmax"), $"{name}: no Softmax is replayed");
        Assert.IsLessThan(runs[LrpCapturePolicy.CaptureAll].Statistics.CapturedBytesPerSample, memory.Statistics.CapturedBytesPerSample);
    }

    [TestMethod]
    public void TestNetworksAll_IncludesTransformers_CoveredByCapturePolicyEquality()
    {
        var names = TestNetworks.All().Select(n => n.Name).ToList();
        CollectionAssert.Contains(names, "BertLike");
        CollectionAssert.Contains(names, "GptLike");
    }
}
