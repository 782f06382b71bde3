namespace Microsoft.ML.Lrp.Tests.Golden;

/// <summary>
/// The engine against Zennit 0.5.1 (golden files made by <c>make-golden.py</c>): a VGG-like net (Conv-BN-ReLU,
/// MaxPool, Linear-BN1d) and a ResNet-like net (bias-free Conv-BN, identity and 1x1-Conv-BN shortcuts, global
/// average pooling), BatchNorm folded by Zennit's <c>SequentialMergeBatchNorm</c> canonizer, the output seeded with
/// the target logit, ZBox bounds per element (VGG) and per channel (ResNet).
/// </summary>
/// <remarks>
/// Tolerance: <see cref="RelevanceTolerance"/> of max |R|. Zennit's relevance is computed in float64 from the same
/// float32 weights and inputs, so what is left is the engine's float32 arithmetic. It is small except where a
/// denominator <c>z</c> is a near-cancelling sum: the worst case here (VGG input 1, a Linear output of 1.6e-3 among
/// outputs up to 7) moves by 1.7e-5 of max |R| between float32 and float64, and the engine's own double reference
/// shows the same. The tolerance is three times that. A changed rule moves the relevance by 1e-2 (ZBox bounds widened
/// by 0.1) to 1.6 (no Flat) of max |R| (<see cref="Explain_WithAChangedRule_MissesZennitByFarMoreThanTheTolerance"/>,
/// which asks for more than 20 times the tolerance); effects below the tolerance (such
/// as a BatchNorm ε left in the fold, 2e-5) are caught by the output check, which is 30 times tighter.
/// </remarks>
[TestClass]
public sealed class ZennitGoldenTests
{
    /// <summary>Relevance tolerance relative to max |R| (see the class remarks).</summary>
    public const double RelevanceTolerance = 5e-5;

    /// <summary>ONNX Runtime's float32 forward pass against PyTorch's float64 one, relative to max |output| (measured ≤ 3.6e-7).</summary>
    public const double OutputTolerance = 2e-6;

    [TestMethod]
    [DataRow("vgg", LrpComposite.EpsilonPlusFlat)]
    [DataRow("vgg", LrpComposite.EpsilonGammaBox)]
    [DataRow("vgg", LrpComposite.EpsilonAlpha2Beta1)]
    [DataRow("resnet", LrpComposite.EpsilonPlusFlat)]
    [DataRow("resnet", LrpComposite.EpsilonGammaBox)]
    [DataRow("resnet", LrpComposite.EpsilonAlpha2Beta1)]
    [DataRow("vgg", LrpComposite.EpsilonPlus)]
    [DataRow("vgg", LrpComposite.EpsilonAlpha2Beta1Flat)]
    [DataRow("resnet", LrpComposite.EpsilonPlus)]
    [DataRow("resnet", LrpComposite.EpsilonAlpha2Beta1Flat)]
    public void Explain_MatchesZennit(string model, LrpComposite composite)
    {
        var file = GoldenFile.Load(model);
        foreach (var (c, relevance, output) in GoldenRun.Explain(file, composite))
        {
            Assert.IsLessThan(OutputTolerance, GoldenRun.RelativeDeviation(output, c.Output), $"{c.Name}: output");
            Assert.IsLessThan(RelevanceTolerance, GoldenRun.RelativeDeviation(relevance, c.Relevance), $"{c.Name}: relevance");
        }
    }

    [TestMethod]
    [DataRow("vgg", LrpComposite.EpsilonPlusFlat)]
    [DataRow("vgg", LrpComposite.EpsilonGammaBox)]
    [DataRow("resnet", LrpComposite.EpsilonAlpha2Beta1)]
    [DataRow("resnet", LrpComposite.EpsilonAlpha2Beta1Flat)]
    public void Reference_MatchesZennitInDoublePrecision(string model, LrpComposite composite)
    {
        // The test project's own naive reference, written from RULES.md, against Zennit: both in float64 (measured
        // ≤ 5e-8 of max |R|, the float32 weights' rounding in the BatchNorm fold being the rest).
        var file = GoldenFile.Load(model);
        foreach (var c in file.CasesOf(composite))
        {
            Assert.IsLessThan(1e-6, GoldenRun.RelativeDeviation(GoldenRun.Reference(file, c), c.Relevance), c.Name);
        }
    }

    [TestMethod]
    [DataRow("vgg", LrpComposite.EpsilonGammaBox, "gamma 0.3")]
    [DataRow("vgg", LrpComposite.EpsilonPlusFlat, "no Flat on the first layer")]
    [DataRow("resnet", LrpComposite.EpsilonGammaBox, "bounds widened by 0.1")]
    [DataRow("resnet", LrpComposite.EpsilonAlpha2Beta1, "ZPlus instead of AlphaBeta")]
    public void Explain_WithAChangedRule_MissesZennitByFarMoreThanTheTolerance(string model, LrpComposite composite, string change)
    {
        var file = GoldenFile.Load(model);
        Func<LrpOptions, LrpOptions> adjust = change switch
        {
            "gamma 0.3" => o => o with { Gamma = 0.3f },
            "no Flat on the first layer" => o => o with { Composite = LrpComposite.EpsilonPlus },
            "bounds widened by 0.1" => o => o with
            {
                InputLowerBound = o.InputLowerBound!.Select(v => v - 0.1f).ToArray(),
                InputUpperBound = o.InputUpperBound!.Select(v => v + 0.1f).ToArray(),
            },
            _ => o => o with { Composite = LrpComposite.EpsilonPlus },
        };
        foreach (var (c, relevance, _) in GoldenRun.Explain(file, composite, adjust))
        {
            Assert.IsGreaterThan(20 * RelevanceTolerance, GoldenRun.RelativeDeviation(relevance, c.Relevance), $"{c.Name}: {change}");
        }
    }
}
