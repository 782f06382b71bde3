using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Reference;

/// <summary>
/// A two-layer example worked out by hand (exact fractions). Input x = [1, −1, 2];
/// layer1 = Gemm(transB) with W = [[2, −1, 1], [1, 1, −½]], b = [−1, 2] → z = [4, 1] → Relu → h = [4, 1];
/// layer2 = Gemm with W = [[1, 2]], b = [0] → out = 6. Seed Score with target 0: R_out = 6.
/// layer2 takes Epsilon (override by node name, which beats the "Gemm" op-type override carrying the rule under
/// test): R_h = h ⊙ [1, 2] · 6/6 = [4, 2]. Then layer1 applies the rule under test to R = [4, 2] (ε = 1e-9).
/// </summary>
[TestClass]
public sealed class ReferenceHandComputedTests
{
    private static readonly byte[] Model = new OnnxModelBuilder()
        .Input("input", "N", 3)
        .Initializer("W1", [2f, -1f, 1f, 1f, 1f, -0.5f], 2, 3).Initializer("B1", [-1f, 2f], 2)
        .Initializer("W2", [1f, 2f], 1, 2).Initializer("B2", [0f], 1)
        .Node("Gemm", ["input", "W1", "B1"], ["z"], "layer1", ("transB", 1))
        .Node("Relu", "z", "h", "relu")
        .Node("Gemm", ["h", "W2", "B2"], ["output"], "layer2", ("transB", 1))
        .Output("output", "N", 1)
        .Build();

    // s = R/z = [1, 2]; Wᵀs = [2+2, −1+2, 1−1] = [4, 1, 0]; R_x = x ⊙ Wᵀs = [4, −1, 0]; bias share −1·1 + 2·2 = 3.
    [TestMethod]
    public void Explain_EpsilonOnHandExample_MatchesWorkedNumbers() => Check(LrpRule.Epsilon(), [4, -1, 0], 3);

    // d = W⁺x⁺ + W⁻x⁻ + b⁺ = [2+2+1+0, 1+0+2] = [5, 3]; s = [4/5, 2/3];
    // R_x = x⁺⊙W⁺ᵀs + x⁻⊙W⁻ᵀs = [2·4/5 + 2/3, (−1)(−1)(4/5), 2·(4/5)] = [34/15, 4/5, 8/5]; bias share 2·2/3 = 4/3.
    [TestMethod]
    public void Explain_ZPlusOnHandExample_MatchesWorkedNumbers() => Check(LrpRule.ZPlus(), [34.0 / 15, 4.0 / 5, 8.0 / 5], 4.0 / 3);

    // sα as ZPlus = [4/5, 2/3]; dβ = W⁻x⁺ + W⁺x⁻ + b⁻ = [0 + 0 − 1, −½·2 + (−1) + 0] = [−1, −2]; sβ = [−4, −1];
    // R_x = 2·[34/15, 4/5, 8/5] − [x⁺⊙W⁻ᵀsβ + x⁻⊙W⁺ᵀsβ] = 2·[34/15, 4/5, 8/5] − [0, 1, 1] = [68/15, 3/5, 11/5];
    // bias share 2·(4/3) − (−1)(−4) = −4/3 (so Σ R_x = 22/3 and 22/3 − 4/3 = 6).
    [TestMethod]
    public void Explain_AlphaBeta21OnHandExample_MatchesWorkedNumbers() => Check(LrpRule.AlphaBeta(2, 1), [68.0 / 15, 3.0 / 5, 11.0 / 5], -4.0 / 3);

    // γ = ¼: Wᵖ = [[2.5, −1, 1.25], [1.25, 1.25, −½]], Wⁿ = [[2, −1.25, 1], [1, 1, −0.625]], bᵖ = [−1, 2.5].
    // z > 0 for both outputs, so s⁻ = 0; d⁺ = Wᵖx⁺ + Wⁿx⁻ + bᵖ = [5 + 1.25 − 1, 0.25 − 1 + 2.5] = [21/4, 7/4]; s⁺ = [16/21, 8/7];
    // R_x = x⁺⊙Wᵖᵀs⁺ + x⁻⊙Wⁿᵀs⁺ = [2.5·16/21 + 1.25·8/7, (−1)(−1.25·16/21 + 8/7), 2(1.25·16/21 − ½·8/7)]
    //     = [10/3, −4/21, 16/21]; bias share −16/21 + 2.5·8/7 = 44/21.
    [TestMethod]
    public void Explain_GammaOnHandExample_MatchesWorkedNumbers() => Check(LrpRule.Gamma(0.25f), [10.0 / 3, -4.0 / 21, 16.0 / 21], 44.0 / 21);

    // n = [3, 3]; R_x = 4/3 + 2/3 = 2 for every input.
    [TestMethod]
    public void Explain_FlatOnHandExample_MatchesWorkedNumbers() => Check(LrpRule.Flat(), [2, 2, 2], 0);

    // d = W²·1 + b² = [4+1+1+1, 1+1+¼+4] = [7, 25/4]; s = [4/7, 8/25];
    // R_x = (W²)ᵀs = [4·4/7 + 8/25, 4/7 + 8/25, 4/7 + ¼·8/25] = [456/175, 156/175, 114/175]; bias share 4/7 + 4·8/25 = 324/175.
    [TestMethod]
    public void Explain_WSquareOnHandExample_MatchesWorkedNumbers() => Check(LrpRule.WSquare(), [456.0 / 175, 156.0 / 175, 114.0 / 175], 324.0 / 175);

    // l = −1, h = 2: Wx = [5, −1], W⁺l = [−3, −2], W⁻h = [−2, −1] → d = Wx − W⁺l − W⁻h = [10, 2]; s = [0.4, 1];
    // Wᵀs = [1.8, 0.6, −0.1], W⁺ᵀs = [1.8, 1, 0.4], W⁻ᵀs = [0, −0.4, −0.5];
    // R_x = x⊙Wᵀs − l⊙W⁺ᵀs − h⊙W⁻ᵀs = [1.8 + 1.8, −0.6 + 1 + 0.8, −0.2 + 0.4 + 1] = [3.6, 1.2, 1.2]; no bias share.
    [TestMethod]
    public void Explain_ZBoxOnHandExample_MatchesWorkedNumbers() => Check(LrpRule.ZBox(-1, 2), [3.6, 1.2, 1.2], 0);

    private static void Check(LrpRule rule, double[] expected, double expectedBiasShare)
    {
        var options = new ReferenceOptions
        {
            Composite = LrpComposite.Epsilon,
            Epsilon = 1e-9,
            Target = LrpTarget.Class(0),
            RuleOverrides = new Dictionary<string, LrpRule> { ["Gemm"] = rule, ["layer2"] = LrpRule.Epsilon() },
        };
        var result = ReferenceLrp.Explain(Model, [1, -1, 2], [1, 3], options);
        Assert.AreEqual(6.0, result.Seed, 1e-12);
        var hidden = result.RelevanceByValue["h"];
        Assert.AreEqual(4.0, hidden[0], 1e-6);
        Assert.AreEqual(2.0, hidden[1], 1e-6);
        for (int i = 0; i < 3; i++)
        {
            Assert.AreEqual(expected[i], result.Relevance[i], 1e-6, $"input {i}");
        }

        Assert.AreEqual(expectedBiasShare, result.Absorbed, 1e-6);
    }
}
