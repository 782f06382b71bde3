using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Engine;

/// <summary>
/// Every linear rule on single layers against the double-precision reference: negative inputs and weights,
/// strided/padded/dilated/grouped convolutions, and exact zero denominators (zero weight rows and zero inputs).
/// </summary>
[TestClass]
public sealed class LinearRuleTests
{
    public static IEnumerable<object[]> Rules() =>
    [
        ["Epsilon"], ["ZPlus"], ["AlphaBeta"], ["Gamma"], ["Flat"], ["WSquare"], ["ZBox"],
    ];

    private static LrpRule Rule(string name) => name switch
    {
        "Epsilon" => LrpRule.Epsilon(),
        "ZPlus" => LrpRule.ZPlus(),
        "AlphaBeta" => LrpRule.AlphaBeta(2f, 1f),
        "Gamma" => LrpRule.Gamma(0.25f),
        "Flat" => LrpRule.Flat(),
        "WSquare" => LrpRule.WSquare(),
        _ => LrpRule.ZBox(-1f, 1f),
    };

    /// <summary>Conv (stride 2, asymmetric pads, dilation 2, 2 groups) whose output channel 1 has all-zero weights and bias.</summary>
    private static TestNetwork ConvWithZeroChannel()
    {
        var weights = new SeededWeights(21).Uniform(4 * 2 * 3 * 3, -1f, 1f);
        Array.Clear(weights, 1 * 18, 18);
        var bias = new[] { 0.1f, 0f, -0.2f, 0.05f };
        var b = new OnnxModelBuilder(seed: 21).Input("input", "N", 4, 7, 7)
            .Initializer("W", weights, 4, 2, 3, 3).Initializer("B", bias, 4)
            .Node("Conv", ["input", "W", "B"], ["output"], "conv", ("strides", new[] { 2, 2 }), ("pads", new[] { 1, 2, 2, 1 }), ("dilations", new[] { 2, 1 }), ("group", 2));
        return new TestNetwork("ConvWithZeroChannel", b.Output("output", "N", 4, 3, 4).Build(), [2, 4, 7, 7]);
    }

    /// <summary>Gemm 6 → 5 whose unit 2 has zero weights and zero bias (z = 0 exactly).</summary>
    private static TestNetwork GemmWithZeroUnit()
    {
        var weights = new SeededWeights(22).Uniform(5 * 6, -1f, 1f);
        Array.Clear(weights, 2 * 6, 6);
        var b = new OnnxModelBuilder(seed: 22).Input("input", "N", 6)
            .Initializer("W", weights, 5, 6).Initializer("B", [0.3f, -0.1f, 0f, 0.2f, -0.4f], 5)
            .Node("Gemm", ["input", "W", "B"], ["output"], "dense", ("transB", 1));
        return new TestNetwork("GemmWithZeroUnit", b.Output("output", "N", 5).Build(), [3, 6]);
    }

    [TestMethod]
    [DynamicData(nameof(Rules))]
    public void ConvRule_AllOutputsSeeded_MatchesReference(string rule)
        => Check(ConvWithZeroChannel(), rule, "conv");

    [TestMethod]
    [DynamicData(nameof(Rules))]
    public void DenseRule_AllOutputsSeeded_MatchesReference(string rule)
        => Check(GemmWithZeroUnit(), rule, "dense");

    private static void Check(TestNetwork network, string rule, string nodeName)
    {
        var options = new LrpOptions
        {
            ModelBytes = network.Model,
            Target = LrpTarget.AllOutputs,
            OutputSeed = LrpOutputSeed.One,
            RuleOverrides = new Dictionary<string, LrpRule> { [nodeName] = Rule(rule) },
        };

        // Inputs with exact zeros (every third element) and both signs.
        var (relevance, expected) = EngineVersusReferenceTests.Run(network with { }, options, seed: 31);
        EngineVersusReferenceTests.AssertClose(expected, relevance, $"{network.Name}/{rule}");
        Assert.IsTrue(relevance.Any(v => v != 0f), "some relevance reaches the input");
    }
}
