using Microsoft.ML.Lrp.Tests.Reference;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Engine;

/// <summary>
/// Whole-graph tests: the engine (float, SIMD kernels, folded BatchNormalization) against the independent
/// double-precision reference written from RULES.md, per network and composite.
/// </summary>
[TestClass]
public sealed class EngineVersusReferenceTests
{
    private static readonly LrpComposite[] Composites =
    [
        LrpComposite.Epsilon, LrpComposite.EpsilonPlus, LrpComposite.EpsilonAlpha2Beta1,
        LrpComposite.EpsilonPlusFlat, LrpComposite.EpsilonAlpha2Beta1Flat, LrpComposite.EpsilonGammaBox,
    ];

    public static IEnumerable<object[]> NetworkAndComposite()
    {
        foreach (var network in NetworkNames())
        {
            foreach (var composite in Composites)
            {
                yield return [network, composite];
            }
        }
    }

    internal static IEnumerable<string> NetworkNames() => Networks().Keys;

    internal static Dictionary<string, Func<TestNetwork>> Networks()
        => TestNetworks.All().ToDictionary(n => n.Name, n => (Func<TestNetwork>)(() => TestNetworks.ByName(n.Name)));

    [TestMethod]
    [DynamicData(nameof(NetworkAndComposite))]
    public void Explain_MatchesReference(string networkName, LrpComposite composite)
    {
        var network = Networks()[networkName]();
        var options = new LrpOptions
        {
            ModelBytes = network.Model,
            Composite = composite,
            InputLowerBound = [-1f],
            InputUpperBound = [1f],
            BatchSize = 2,
        };

        var (relevance, expected) = Run(network, options, seed: 5);
        AssertClose(expected, relevance, $"{networkName}/{composite}");
    }

    [TestMethod]
    [DataRow("Mlp")]
    [DataRow("VggLike_d1")]
    [DataRow("ResNetLikeProjection")]
    public void Explain_TargetsAndSeeds_MatchReference(string networkName)
    {
        var network = Networks()[networkName]();
        int outputs = OutputRowLength(network);
        var direction = Enumerable.Range(0, outputs).Select(i => (float)Math.Sin(i + 1)).ToArray();
        foreach (var (target, seed) in new[]
        {
            (LrpTarget.Class(1), LrpOutputSeed.Score),
            (LrpTarget.Class(0), LrpOutputSeed.One),
            (LrpTarget.Direction(direction), LrpOutputSeed.Score),
            (LrpTarget.AllOutputs, LrpOutputSeed.One),
        })
        {
            var options = new LrpOptions { ModelBytes = network.Model, Composite = LrpComposite.EpsilonPlus, Target = target, OutputSeed = seed };
            var (relevance, expected) = Run(network, options, seed: 9);
            AssertClose(expected, relevance, $"{networkName}/{target}/{seed}");
        }
    }

    [TestMethod]
    [DataRow("Mlp")]
    [DataRow("ResNetLike")]
    public void Explain_RuleOverridesByNameAndOpType_MatchReference(string networkName)
    {
        var network = Networks()[networkName]();
        var overrides = new Dictionary<string, LrpRule>
        {
            ["Gemm"] = LrpRule.ZPlus(),
            ["Conv"] = LrpRule.WSquare(),
            [network.FirstLayers[0]] = LrpRule.ZBox(-1f, 1f),
        };
        var options = new LrpOptions { ModelBytes = network.Model, Composite = LrpComposite.Epsilon, RuleOverrides = overrides };
        var (relevance, expected) = Run(network, options, seed: 3);
        AssertClose(expected, relevance, networkName);
    }

    [TestMethod]
    [DynamicData(nameof(NetworkAndComposite))]
    public void Explain_ConservesRelevancePerRowAndPerNode(string networkName, LrpComposite composite)
    {
        var network = Networks()[networkName]();
        var options = new LrpOptions { ModelBytes = network.Model, Composite = composite, InputLowerBound = [-1f], InputUpperBound = [1f] };
        using var explainer = new LrpExplainer(options);
        var input = network.RandomInput(17).Select(v => (float)v).ToArray();
        int rows = network.InputShape[0];
        var result = explainer.Explain(input, rows, conservationReport: true);
        for (int r = 0; r < rows; r++)
        {
            double scale = Math.Max(1e-3, Math.Abs(result.SeedTotals[r]));
            Assert.AreEqual(0.0, result.ConservationError(r) / scale, 1e-4, $"row {r}: seed {result.SeedTotals[r]}, absorbed {result.Absorbed[r]}");
        }

        Assert.IsNotNull(result.ConservationReport);
        Assert.IsLessThan(1e-4, result.ConservationReport.MaxRelativeError, string.Join("; ", result.ConservationReport.Nodes.Select(n => $"{n.NodeName}: {n.RelevanceIn} -> {n.RelevanceOut} + {n.Absorbed}")));
    }

    internal static (float[] Relevance, ReferenceResult Expected) Run(TestNetwork network, LrpOptions options, int seed)
    {
        using var explainer = new LrpExplainer(options);
        var inputDouble = network.RandomInput(seed);
        var input = inputDouble.Select(v => (float)v).ToArray();
        var inputAsFloat = input.Select(v => (double)v).ToArray();
        var expected = ReferenceLrp.Explain(network.Model, inputAsFloat, network.InputShape, ReferenceOptions.From(options));
        var result = explainer.Explain(input, network.InputShape[0]);
        CollectionAssert.AreEqual(expected.Targets, result.Targets, "targets");
        return (result.Relevance, expected);
    }

    internal static int OutputRowLength(TestNetwork network)
    {
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = network.Model });
        return explainer.OutputRowLength;
    }

    internal static void AssertClose(ReferenceResult expected, float[] actual, string what)
    {
        Assert.HasCount(expected.Relevance.Length, actual, what);
        double scale = expected.Relevance.Max(Math.Abs);
        double worst = 0;
        int worstIndex = -1;
        for (int i = 0; i < actual.Length; i++)
        {
            Assert.IsTrue(float.IsFinite(actual[i]), $"{what}: relevance[{i}] = {actual[i]}");
            double diff = Math.Abs(actual[i] - expected.Relevance[i]);
            if (diff > worst)
            {
                worst = diff;
                worstIndex = i;
            }
        }

        Assert.IsLessThanOrEqualTo(2e-3 * Math.Max(scale, 1e-6), worst, $"{what}: worst difference {worst} at {worstIndex} (expected {(worstIndex >= 0 ? expected.Relevance[worstIndex] : 0)}, got {(worstIndex >= 0 ? actual[worstIndex] : 0)}), scale {scale}");
    }
}
