using Microsoft.ML.Lrp.Tests.Engine;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Transformer;

/// <summary>The BERT-like and GPT-like test networks under AttnLrp and CpLrp: reference agreement and per-node conservation.</summary>
[TestClass]
public sealed class TransformerNetworkTests
{
    public static IEnumerable<object[]> Cases() =>
    [
        ["BertLike", LrpComposite.AttnLrp], ["BertLike", LrpComposite.CpLrp],
        ["GptLike", LrpComposite.AttnLrp], ["GptLike", LrpComposite.CpLrp],
    ];

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void TransformerNetwork_MatchesReference(string name, LrpComposite composite)
    {
        var network = TestNetworks.ByName(name);
        var options = new LrpOptions { ModelBytes = network.Model, Composite = composite, BatchSize = 2 };
        var (relevance, expected) = EngineVersusReferenceTests.Run(network, options, seed: 81);
        EngineVersusReferenceTests.AssertClose(expected, relevance, $"{name}/{composite}");
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void TransformerNetwork_ConservesPerNode(string name, LrpComposite composite)
    {
        var network = TestNetworks.ByName(name);
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = network.Model, Composite = composite });
        var input = network.RandomInput(82).Select(v => (float)v).ToArray();
        var result = explainer.Explain(input, network.InputShape[0], conservationReport: true);
        var report = result.ConservationReport!;
        foreach (var node in report.Nodes)
        {
            double scale = Math.Max(1e-3, Math.Abs(node.RelevanceIn));
            Assert.AreEqual(node.RelevanceIn, node.RelevanceOut + node.Absorbed, 1e-4 * scale, $"{node.NodeName} ({node.OpType}, {node.Rule})");
        }

        for (int r = 0; r < network.InputShape[0]; r++)
        {
            Assert.AreEqual(0.0, result.ConservationError(r), 1e-4 * Math.Max(1, Math.Abs(result.SeedTotals[r])), $"row {r}");
        }

        Assert.IsTrue(report.Nodes.Any(n => n.Rule == (composite == LrpComposite.CpLrp ? "Epsilon(A constant)" : "AttnLrpUniform")), "the attention MatMul ran its rule");
    }

    [TestMethod]
    public void CpLrp_QueryAndKeyProjections_GetNoRelevance()
    {
        var network = TestNetworks.ByName("BertLike");
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = network.Model, Composite = LrpComposite.CpLrp });
        var result = explainer.Explain(network.RandomInput(83).Select(v => (float)v).ToArray(), network.InputShape[0], conservationReport: true);
        var nodes = result.ConservationReport!.Nodes.Select(n => n.NodeName).ToHashSet();
        Assert.DoesNotContain("attn_q_mm", nodes);
        Assert.DoesNotContain("attn_softmax", nodes);
        Assert.Contains("attn_v_mm", nodes);
    }

    [TestMethod]
    public void Overrides_OpTypeSkipsBilinearMatMul_NodeNameIsRefused()
    {
        var network = TestNetworks.ByName("BertLike");
        var byType = new LrpOptions { ModelBytes = network.Model, Composite = LrpComposite.AttnLrp, RuleOverrides = new Dictionary<string, LrpRule> { ["MatMul"] = LrpRule.ZPlus() } };
        using (var explainer = new LrpExplainer(byType))
        {
            var result = explainer.Explain(network.RandomInput(84).Select(v => (float)v).ToArray(), network.InputShape[0], conservationReport: true);
            Assert.AreEqual("ZPlus", result.ConservationReport!.Nodes.Single(n => n.NodeName == "attn_q_mm").Rule);
            Assert.AreEqual("AttnLrpUniform", result.ConservationReport.Nodes.Single(n => n.NodeName == "attn_scores").Rule);
        }

        var byName = new LrpOptions { ModelBytes = network.Model, Composite = LrpComposite.AttnLrp, RuleOverrides = new Dictionary<string, LrpRule> { ["attn_scores"] = LrpRule.ZPlus() } };
        var error = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(byName));
        Assert.Contains("attn_scores", error.Message);
    }

    [TestMethod]
    public void GptLike_SiluIsAGate_GatedMlpProductIsSplit()
    {
        var network = TestNetworks.ByName("GptLike");
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = network.Model, Composite = LrpComposite.AttnLrp });
        var report = explainer.Explain(network.RandomInput(85).Select(v => (float)v).ToArray(), network.InputShape[0], conservationReport: true).ConservationReport!;
        var rules = report.Nodes.ToDictionary(n => n.NodeName, n => n.Rule);
        Assert.AreEqual("Pass", rules["mlp_silu"]);
        Assert.AreEqual("AttnLrpUniform", rules["mlp_product"]);
        // A run of Pass/routing nodes is fast-forwarded by the promise schedule and reported under its first node.
        Assert.IsTrue(rules.TryGetValue("rms0_normalize", out var normalize) ? normalize == "Pass" : rules.Values.Any(r => r.StartsWith("FastForward(", StringComparison.Ordinal)), "the RMSNorm division passes relevance to its numerator");
        Assert.AreEqual("AttnLrpLayerNorm", rules["ln_final"]);
        Assert.AreEqual("Norm", rules["attn_mask"], "the additive mask is a constant operand of a Norm");
        Assert.IsFalse(rules.ContainsKey("mlp_sigmoid") || rules.ContainsKey("rms0_sqrt") || rules.ContainsKey("causal_trilu"), "gate, normaliser and constant-mask ops are off the relevance paths");
    }
}
