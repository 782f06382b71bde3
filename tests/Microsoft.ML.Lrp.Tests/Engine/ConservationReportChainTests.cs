using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Engine;

/// <summary>
/// A chain of relevance-preserving nodes moved by one composed index map (fast-forward) is one report entry under its
/// first node; the entry names the chain's other op types, so that every node on the relevance path is reported.
/// </summary>
[TestClass]
public sealed class ConservationReportChainTests
{
    [TestMethod]
    public void DepthToSpaceBeforeSigmoid_EveryNodeOfTheChainReported()
    {
        // [N, 8, 3, 3] → Conv 1×1 → DepthToSpace ×2 → Sigmoid → [N, 2, 6, 6]: Sigmoid and DepthToSpace form one fast-forward step.
        byte[] model = new OnnxModelBuilder(7).Input("x", "N", 8, 3, 3)
            .RandomWeight("w", 8, 8, 1, 1).RandomWeight("b", 8)
            .Node("Conv", ["x", "w", "b"], ["c"], "conv")
            .Node("DepthToSpace", ["c"], ["d"], "up", ("blocksize", 2L), ("mode", "CRD"))
            .Node("Sigmoid", "d", "y", "sigmoid")
            .Output("y", "N", 2, 6, 6).Build();
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = model, Composite = LrpComposite.Epsilon, Target = LrpTarget.Class(5) });
        var input = new SeededWeights(3).Uniform(2 * 72, -1f, 1f);
        var result = explainer.Explain(input, 2, conservationReport: true);
        var nodes = result.ConservationReport!.Nodes;

        string[] reported = [.. nodes.SelectMany(n => new[] { n.OpType }.Concat(n.ChainOpTypes ?? [])).Order(StringComparer.Ordinal)];
        CollectionAssert.AreEqual(new[] { "Conv", "DepthToSpace", "Sigmoid" }, reported);
        Assert.IsTrue(nodes.Any(n => n.ChainOpTypes is { Count: > 0 }), "the chain is fast-forwarded");

        // The chain conserves: what reaches the Sigmoid reaches the Conv.
        var chain = nodes.Single(n => n.ChainOpTypes is { Count: > 0 });
        Assert.AreEqual(chain.RelevanceIn, chain.RelevanceOut + chain.Absorbed, 1e-6 * (1 + Math.Abs(chain.RelevanceIn)));
        Assert.AreEqual(chain.RelevanceOut, nodes.Single(n => n.OpType == "Conv").RelevanceIn, 1e-6 * (1 + Math.Abs(chain.RelevanceOut)));
    }
}
