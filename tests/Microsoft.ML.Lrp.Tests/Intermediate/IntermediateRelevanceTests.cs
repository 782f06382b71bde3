using Microsoft.ML.Lrp.Tests.Reference;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Intermediate;

/// <summary><see cref="LrpOptions.RelevanceOutputs"/> and <see cref="LrpExplanation.RelevanceAt"/>.</summary>
[TestClass]
public sealed class IntermediateRelevanceTests
{
    public static IEnumerable<object[]> Cases =>
    [
        ["VggLike_d1", "r1", LrpComposite.EpsilonPlusFlat],
        ["VggLike_d1", "p0", LrpComposite.EpsilonGammaBox],
        ["VggLike_d1", "r2", LrpComposite.EpsilonAlpha2Beta1],
        ["ResNetLikeProjection", "a", LrpComposite.EpsilonPlusFlat],
        ["ResNetLikeProjection", "r1", LrpComposite.EpsilonGammaBox],
        ["Mlp", "a0", LrpComposite.Epsilon],
        ["Mlp", "z1", LrpComposite.EpsilonPlus],
    ];

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void RelevanceAt_EqualsTheDoubleReference(string networkName, string tensor, LrpComposite composite)
    {
        var network = TestNetworks.ByName(networkName);
        var options = Options(network, composite, tensor);
        using var explainer = new LrpExplainer(options);
        var input = TapNetworks.Input(network, 13);
        var result = explainer.Explain(input, network.InputShape[0]);
        var expected = ReferenceLrp.Explain(network.Model, input.Select(v => (double)v).ToArray(), network.InputShape, ReferenceOptions.From(options));
        var actual = result.RelevanceAt(tensor);
        Assert.AreEqual(network.InputShape[0], actual.Rows);
        Assert.IsLessThan(2e-4, TapNetworks.Deviation(TapNetworks.Doubles(actual.Values), expected.RelevanceByValue[tensor]), $"{networkName} {tensor} {composite}");
    }

    /// <summary>The cases whose tensor every path from the output to the input passes (all but a residual branch).</summary>
    public static IEnumerable<object[]> Cuts => Cases.Where(c => (string)c[1] != "r1" || (string)c[0] != "ResNetLikeProjection");

    [TestMethod]
    [DynamicData(nameof(Cuts))]
    public void RelevanceAt_SumsPerRowToTheInputRelevancePlusWhatTheNodesInBetweenAbsorbed(string networkName, string tensor, LrpComposite composite)
    {
        var network = TestNetworks.ByName(networkName);
        using var explainer = new LrpExplainer(Options(network, composite, tensor));
        var input = TapNetworks.Input(network, 14);
        int rows = network.InputShape[0], length = input.Length / rows;
        string producer = explainer.Plan.Graph.RelevanceProducer(tensor)!.Name;
        for (int row = 0; row < rows; row++)
        {
            var result = explainer.Explain(input.AsSpan(row * length, length).ToArray(), 1, conservationReport: true);
            var nodes = result.ConservationReport!.Nodes;
            // The report lists the steps in the order they ran (output first): the tensor's producer and those after it lie between it and the input.
            int at = nodes.ToList().FindIndex(n => n.NodeName == producer);
            Assert.IsGreaterThanOrEqualTo(0, at, producer);
            double between = nodes.Skip(at).Sum(n => n.Absorbed);
            double atTensor = result.RelevanceAt(tensor).Values.Sum(v => (double)v);
            double atInput = result.Relevance.Sum(v => (double)v);
            Assert.AreEqual(atTensor, atInput + between, 1e-5 * Math.Max(1, Math.Abs(atTensor)), $"row {row}");
            Assert.AreNotEqual(0.0, atTensor, "relevance arrived");
        }
    }

    [TestMethod]
    public void RelevanceOutputs_LeaveTheInputRelevanceBitIdenticalAndCaptureNothingMore()
    {
        var network = TestNetworks.ResNetLike(true);
        var plain = new LrpOptions { ModelBytes = network.Model, Target = LrpTarget.Class(2) };
        var input = TapNetworks.Input(network, 15);
        using var a = new LrpExplainer(plain);
        using var b = new LrpExplainer(plain with { RelevanceOutputs = new Dictionary<string, string> { ["A"] = "a", ["F"] = "f", ["G"] = "gap" }, ParameterRelevance = ["*"] });
        var expected = a.Explain(input, 2);
        var actual = b.Explain(input, 2);
        CollectionAssert.AreEqual(expected.Relevance, actual.Relevance);
        CollectionAssert.AreEqual(expected.Absorbed, actual.Absorbed);
        // Nothing more is captured: recorded tensors need no activation, parameters need the input their rule reads anyway.
        CollectionAssert.AreEquivalent(a.Plan.Captures.ToList(), b.Plan.Captures.ToList());
        CollectionAssert.AreEqual(new[] { 6, 1, 1 }, actual.RelevanceAt("gap").Shape.ToArray());
        CollectionAssert.AreEqual(new[] { 6 }, actual.RelevanceAt("f").Shape.ToArray());
    }

    [TestMethod]
    public void RelevanceAt_AConvOutputWithAFoldedBatchNorm_IsTheMergedLayersOutput()
    {
        var network = TestNetworks.ResNetLike(true);
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = network.Model, RelevanceOutputs = new Dictionary<string, string> { ["C"] = "c1", ["N"] = "n1" } });
        var result = explainer.Explain(TapNetworks.Input(network, 16), 2);
        CollectionAssert.AreEqual(result.RelevanceAt("n1").Values, result.RelevanceAt("c1").Values);
        Assert.IsTrue(result.RelevanceAt("c1").Values.Any(v => v != 0));
    }

    [TestMethod]
    public void RelevanceOutputs_UnknownOrConstantTensor_ThrowsNamingItAndTheOption()
    {
        var network = TestNetworks.Mlp();
        var unknown = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(new LrpOptions { ModelBytes = network.Model, RelevanceOutputs = new Dictionary<string, string> { ["X"] = "nope" } }));
        StringAssert.Contains(unknown.Message, "'nope'");
        StringAssert.Contains(unknown.Message, "LrpOptions.RelevanceOutputs");
        var constant = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(new LrpOptions { ModelBytes = network.Model, RelevanceOutputs = new Dictionary<string, string> { ["X"] = "W0" } }));
        StringAssert.Contains(constant.Message, "'W0'");
        StringAssert.Contains(constant.Message, "carries no relevance");
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = network.Model, RelevanceOutputs = new Dictionary<string, string> { ["X"] = "a0" } });
        var notAsked = Assert.ThrowsExactly<LrpException>(() => explainer.Explain(TapNetworks.Input(network, 1), 3).RelevanceAt("a1"));
        StringAssert.Contains(notAsked.Message, "'a1'");
    }

    internal static LrpOptions Options(TestNetwork network, LrpComposite composite, string tensor) => new()
    {
        ModelBytes = network.Model,
        Composite = composite,
        InputLowerBound = [-1f],
        InputUpperBound = [1f],
        Target = LrpTarget.Class(1),
        RelevanceOutputs = new Dictionary<string, string> { ["R"] = tensor },
    };
}
