using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Reference;

/// <summary>The reference conserves relevance where the rules say it must.</summary>
[TestClass]
public sealed class ReferenceConservationTests
{
    /// <summary>Bias-free networks.</summary>
    public static IEnumerable<object[]> BiasFreeNames =>
        TestNetworks.All().Where(n => !n.HasBiases).Select(n => new object[] { n.Name });

    /// <summary>
    /// Bias-free chains where every neuron that receives relevance has z &gt; 0 (Relu in front of every linear node):
    /// there ZPlus conserves exactly. (A residual Add breaks this: it can send negative relevance to a 1×1 conv output
    /// whose positive part d is 0, and ZPlus drops it, as it should.)
    /// </summary>
    public static IEnumerable<object[]> ReluChainNames => [["MlpNoBias"], ["MlpMatMulNoBias"], ["VggLike_d1_NoBias"]];

    [TestMethod]
    [DynamicData(nameof(ReluChainNames))]
    public void Explain_ZPlusOnBiasFreeReluNetWithPositiveInput_ConservesSeed(string name)
    {
        var network = TestNetworks.ByName(name);
        var options = new ReferenceOptions
        {
            Composite = LrpComposite.Epsilon,
            RuleOverrides = new Dictionary<string, LrpRule> { ["Gemm"] = LrpRule.ZPlus(), ["MatMul"] = LrpRule.ZPlus(), ["Conv"] = LrpRule.ZPlus() },
        };
        var result = ReferenceLrp.Explain(network.Model, network.RandomInput(5, 0, 1), network.InputShape, options);
        Assert.AreEqual(result.Seed, result.Relevance.Sum(), 1e-5 * Math.Abs(result.Seed));
        Assert.AreEqual(0, result.Absorbed, 1e-12);
    }

    [TestMethod]
    [DynamicData(nameof(BiasFreeNames))]
    public void Explain_EpsilonTinyOnBiasFreeNet_ConservesSeed(string name)
    {
        var network = TestNetworks.ByName(name);
        var options = new ReferenceOptions { Composite = LrpComposite.Epsilon, Epsilon = 1e-12 };
        var result = ReferenceLrp.Explain(network.Model, network.RandomInput(6), network.InputShape, options);
        Assert.AreEqual(result.Seed, result.Relevance.Sum(), 1e-6 * (1 + Math.Abs(result.Seed)));
    }

    /// <summary>Every test network.</summary>
    public static IEnumerable<object[]> AllNames => ReferenceForwardTests.NetworkNames;

    [TestMethod]
    [DynamicData(nameof(AllNames))]
    public void Explain_EpsilonWithBiases_RelevancePlusAbsorbedEqualsSeed(string name)
    {
        var network = TestNetworks.ByName(name);
        var options = new ReferenceOptions { Composite = LrpComposite.Epsilon, Epsilon = 1e-12, Target = LrpTarget.AllOutputs };
        var result = ReferenceLrp.Explain(network.Model, network.RandomInput(8), network.InputShape, options);
        Assert.AreEqual(result.Seed, result.Relevance.Sum() + result.Absorbed, 1e-6 * (1 + Math.Abs(result.Seed)));
    }

    [TestMethod]
    public void Explain_EpsilonPlusFlatOnResNet_RelevancePlusAbsorbedEqualsSeed()
    {
        var network = TestNetworks.ResNetLike(true);
        var options = new ReferenceOptions { Composite = LrpComposite.EpsilonPlusFlat, Epsilon = 1e-12, Target = LrpTarget.Class(1) };
        var result = ReferenceLrp.Explain(network.Model, network.RandomInput(9, 0, 1), network.InputShape, options);
        Assert.AreEqual(result.Seed, result.Relevance.Sum() + result.Absorbed, 1e-5 * (1 + Math.Abs(result.Seed)));
    }

    [TestMethod]
    public void Explain_EpsilonGammaBoxOnVgg_RelevancePlusAbsorbedEqualsSeed()
    {
        var network = TestNetworks.VggLike(1);
        var options = new ReferenceOptions
        {
            Composite = LrpComposite.EpsilonGammaBox,
            Epsilon = 1e-12,
            InputLowerBound = [-1, -1, -1],
            InputUpperBound = [1, 1, 1],
            Target = LrpTarget.PredictedClass,
        };
        var result = ReferenceLrp.Explain(network.Model, network.RandomInput(10), network.InputShape, options);
        Assert.AreEqual(result.Seed, result.Relevance.Sum() + result.Absorbed, 1e-5 * (1 + Math.Abs(result.Seed)));
    }

    [TestMethod]
    public void Explain_DirectionSeed_SeedIsWeightedOutputSum()
    {
        var network = TestNetworks.Mlp();
        var input = network.RandomInput(11);
        var options = new ReferenceOptions { Composite = LrpComposite.Epsilon, Target = LrpTarget.Direction([1f, -2f, 0.5f, 0f]) };
        var result = ReferenceLrp.Explain(network.Model, input, network.InputShape, options);
        double expected = 0;
        for (int row = 0; row < 3; row++)
        {
            expected += result.Output[(row * 4) + 0] - (2 * result.Output[(row * 4) + 1]) + (0.5 * result.Output[(row * 4) + 2]);
        }

        Assert.AreEqual(expected, result.Seed, 1e-12);
    }

    [TestMethod]
    public void Explain_OneSeedPerRowTargets_SeedCountsRows()
    {
        var network = TestNetworks.Mlp();
        var options = new ReferenceOptions { OutputSeed = LrpOutputSeed.One, TargetPerRow = [0, 3, 1] };
        var result = ReferenceLrp.Explain(network.Model, network.RandomInput(12), network.InputShape, options);
        Assert.AreEqual(3.0, result.Seed, 1e-12);
        Assert.AreEqual(3, result.Targets[1]);
    }
}
