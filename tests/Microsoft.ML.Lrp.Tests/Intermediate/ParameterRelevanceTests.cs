using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Intermediate;

/// <summary><see cref="LrpOptions.ParameterRelevance"/> against the naive formula, and its conservation.</summary>
[TestClass]
public sealed class ParameterRelevanceTests
{
    public static IEnumerable<object[]> Rules =>
    [
        ["Epsilon"], ["ZPlus"], ["AlphaBeta"], ["Gamma"], ["Flat"], ["WSquare"], ["ZBox"],
    ];

    internal static LrpRule RuleNamed(string name) => name switch
    {
        "Epsilon" => LrpRule.Epsilon(0.01f),
        "ZPlus" => LrpRule.ZPlus(),
        "AlphaBeta" => LrpRule.AlphaBeta(2, 1),
        "Gamma" => LrpRule.Gamma(0.25f),
        "Flat" => LrpRule.Flat(),
        "WSquare" => LrpRule.WSquare(),
        _ => LrpRule.ZBox(-1, 1),
    };

    [TestMethod]
    [DynamicData(nameof(Rules))]
    public void ParameterRelevance_OfAStridedGroupedConv_EqualsTheNaiveFormula(string ruleName)
    {
        var network = TapNetworks.StridedConv();
        var rule = RuleNamed(ruleName);
        var result = Explain(network, "conv", rule, ["Wc", "Bc"], "c");
        var (connections, channels) = NaiveParameterRelevance.Conv2d(2, 7, 7, 4, 3, 3, stride: 2, pad: 1, dilation: 2, group: 2);
        CheckRows(network, result, rule, "Wc", "Bc", "c", connections, channels);
    }

    [TestMethod]
    [DynamicData(nameof(Rules))]
    public void ParameterRelevance_OfAMatMulOverASequence_EqualsTheNaiveFormula(string ruleName)
    {
        var network = TapNetworks.SequenceMatMul();
        var rule = RuleNamed(ruleName);
        var result = Explain(network, "mm", rule, ["Wm"], "m");
        var (connections, channels) = NaiveParameterRelevance.Dense(5, 4, 6);
        // MatMul's B is [K, M]: canonical element (i, j) is B[j, i].
        var wm = TapNetworks.Initializer(network, "Wm");
        var canonical = new double[24];
        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 6; j++)
            {
                canonical[(i * 6) + j] = wm[(j * 4) + i];
            }
        }

        var parameter = result.ParameterRelevance("Wm");
        CollectionAssert.AreEqual(new[] { 6, 4 }, parameter.Shape.ToArray());
        for (int row = 0; row < result.Rows; row++)
        {
            var x = TapNetworks.Doubles(TapNetworks.Input(network, 5).AsSpan(row * 30, 30));
            var r = TapNetworks.Doubles(result.RelevanceAt("m").Row(row));
            var (expected, _) = NaiveParameterRelevance.Compute(rule, Eps(rule), canonical, new double[4], x, r, channels, connections, -1, 1);
            var actual = parameter.Row(row);
            var reordered = new double[24];
            for (int i = 0; i < 4; i++)
            {
                for (int j = 0; j < 6; j++)
                {
                    reordered[(i * 6) + j] = actual[(j * 4) + i];
                }
            }

            Assert.IsLessThan(1e-4, TapNetworks.Deviation(reordered, expected), $"{rule}, row {row}");
        }
    }

    [TestMethod]
    [DynamicData(nameof(Rules))]
    public void ParameterRelevance_SummedWithTheBiasTerms_EqualsTheRelevanceThatLeftTheLayersOutput(string ruleName)
    {
        var network = TapNetworks.StridedConv();
        // Epsilon with the options' ε (tiny), so that the stabiliser leaks nothing measurable.
        var rule = ruleName == "Epsilon" ? LrpRule.Epsilon() : RuleNamed(ruleName);
        var options = Options(network, "conv", rule, ["Wc", "Bc"], "c") with { Epsilon = 1e-9f };
        using var explainer = new LrpExplainer(options);
        var result = explainer.Explain(TapNetworks.Input(network, 5), 3, conservationReport: true);
        var node = result.ConservationReport!.Nodes.Single(n => n.NodeName == "conv");
        double weights = result.ParameterRelevance("Wc").Sum().Sum(v => (double)v);
        double bias = result.ParameterRelevance("Bc").Sum().Sum(v => (double)v);
        double left = result.RelevanceAt("c").Values.Sum(v => (double)v);
        Assert.AreEqual(node.RelevanceIn, left, 1e-5 * Math.Max(1, Math.Abs(left)), "the relevance at c is what the node took in");
        // Σ R_w is what reached the input; the node absorbed the rest (bias terms and the stabiliser's leak).
        Assert.AreEqual(node.RelevanceOut, weights, 1e-4 * Math.Max(1, Math.Abs(left)), "Σ R_w = Σ R_x");
        Assert.AreEqual(left, weights + node.Absorbed, 1e-4 * Math.Max(1, Math.Abs(left)), "Σ R_w + absorbed = Σ R_z");
        if (ruleName is "Epsilon" or "ZPlus")
        {
            // Where every quotient's denominator keeps the bias, the bias terms are the whole of what was absorbed (ε tiny).
            Assert.AreEqual(left, weights + bias, 1e-4 * Math.Max(1, Math.Abs(left)), "Σ R_w + Σ R_b = Σ R_z");
        }
    }

    [TestMethod]
    public void ParameterRelevance_Star_CoversEveryLinearLayerAndConservesPerLayer()
    {
        var network = TestNetworks.Mlp();
        var options = new LrpOptions { ModelBytes = network.Model, Composite = LrpComposite.Epsilon, Epsilon = 1e-9f, ParameterRelevance = ["*"], Target = LrpTarget.Class(1) };
        using var explainer = new LrpExplainer(options);
        var result = explainer.Explain(TapNetworks.Input(network, 3), 3, conservationReport: true);
        for (int layer = 0; layer < 3; layer++)
        {
            var node = result.ConservationReport!.Nodes.Single(n => n.NodeName == $"dense{layer}");
            var w = result.ParameterRelevance($"W{layer}");
            var b = result.ParameterRelevance($"B{layer}");
            Assert.AreEqual(3, w.Rows);
            double total = w.Values.Sum(v => (double)v) + b.Values.Sum(v => (double)v);
            Assert.AreEqual(node.RelevanceIn, total, 1e-4 * Math.Max(1, Math.Abs(node.RelevanceIn)), $"dense{layer}");
            var sum = w.Sum();
            for (int i = 0; i < sum.Length; i++)
            {
                Assert.AreEqual(w.Values[i] + w.Values[w.RowLength + i] + w.Values[(2 * w.RowLength) + i], sum[i], 1e-5, "batch sum");
            }
        }
    }

    [TestMethod]
    public void ParameterRelevance_UnknownName_ThrowsNamingItAndTheOption()
    {
        var network = TestNetworks.Mlp();
        var e = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(new LrpOptions { ModelBytes = network.Model, ParameterRelevance = ["W9"] }));
        StringAssert.Contains(e.Message, "'W9'");
        StringAssert.Contains(e.Message, "LrpOptions.ParameterRelevance");
        var notAsked = Assert.ThrowsExactly<LrpException>(() =>
        {
            using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = network.Model, ParameterRelevance = ["W0"] });
            explainer.Explain(TapNetworks.Input(network, 1), 3).ParameterRelevance("W1");
        });
        StringAssert.Contains(notAsked.Message, "'W1'");
    }

    internal static LrpOptions Options(TestNetwork network, string node, LrpRule rule, IReadOnlyList<string> parameters, string output) => new()
    {
        ModelBytes = network.Model,
        Composite = LrpComposite.Epsilon,
        RuleOverrides = new Dictionary<string, LrpRule> { [node] = rule },
        ParameterRelevance = parameters,
        RelevanceOutputs = new Dictionary<string, string> { ["R_" + output] = output },
        Target = LrpTarget.Class(1),
    };

    private static double Eps(LrpRule rule) => rule.Kind == LrpRuleKind.Epsilon ? rule.EpsilonValue : 1e-6;

    private static LrpExplanation Explain(TestNetwork network, string node, LrpRule rule, IReadOnlyList<string> parameters, string output)
    {
        using var explainer = new LrpExplainer(Options(network, node, rule, parameters, output));
        return explainer.Explain(TapNetworks.Input(network, 5), network.InputShape[0]);
    }

    private static void CheckRows(TestNetwork network, LrpExplanation result, LrpRule rule, string weightName, string biasName, string output, List<NaiveParameterRelevance.Connection> connections, int[] channels)
    {
        var w = TapNetworks.Initializer(network, weightName);
        var b = TapNetworks.Initializer(network, biasName);
        var weight = result.ParameterRelevance(weightName);
        var bias = result.ParameterRelevance(biasName);
        int inLength = network.InputSize / network.InputShape[0];
        for (int row = 0; row < result.Rows; row++)
        {
            var x = TapNetworks.Doubles(TapNetworks.Input(network, 5).AsSpan(row * inLength, inLength));
            var r = TapNetworks.Doubles(result.RelevanceAt(output).Row(row));
            var (rw, rb) = NaiveParameterRelevance.Compute(rule, Eps(rule), w, b, x, r, channels, connections, -1, 1);
            Assert.IsLessThan(1e-4, TapNetworks.Deviation(TapNetworks.Doubles(weight.Row(row)), rw), $"{rule}: weights, row {row}");
            if (rb.Any(v => v != 0))
            {
                Assert.IsLessThan(1e-4, TapNetworks.Deviation(TapNetworks.Doubles(bias.Row(row)), rb), $"{rule}: bias, row {row}");
            }
            else
            {
                Assert.IsTrue(bias.Row(row).ToArray().All(v => v == 0), $"{rule}: the bias takes no part");
            }
        }
    }
}
