using Microsoft.ML.Lrp.Tests.Reference;
using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Backends.Cpu;
using Microsoft.ML.Lrp.Backends.Ilgpu;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Engine;

/// <summary>
/// The Gamma rule's fast paths: an input of one sign (after a ReLU, or its negation: the output and <c>γW⁺x</c> give
/// both denominators; two transposed products, stacked into one on an ungrouped convolution) and an input of both
/// signs (two forward, three transposed products): against the double-precision reference written from RULES.md's
/// formula (which has no such shortcut), with conservation per row, on the CPU backend and on ILGPU's CPU accelerator.
/// </summary>
[TestClass]
public sealed class GammaFastPathTests
{
    /// <summary>
    /// The input as it is (<paramref name="sign"/> "mixed"), after a Relu ("positive") or a Relu then · −1
    /// ("negative") → Conv (stride 2, pad 1, <paramref name="group"/> groups) whose output channel 1 has zero weights
    /// and bias (z = 0 there: nothing passes).
    /// </summary>
    private static TestNetwork SignedConv(int group, string sign)
    {
        int perGroup = 4 / group;
        var weights = new SeededWeights(23).Uniform(4 * perGroup * 3 * 3, -1f, 1f);
        Array.Clear(weights, perGroup * 9, perGroup * 9);
        var b = new OnnxModelBuilder(seed: 23).Input("input", "N", 4, 7, 7)
            .Initializer("W", weights, 4, perGroup, 3, 3).Initializer("B", [0.1f, 0f, -0.2f, 0.05f], 4);
        string source = Signed(b, sign);
        b.Node("Conv", [source, "W", "B"], ["output"], "conv", ("strides", new[] { 2, 2 }), ("pads", new[] { 1, 1, 1, 1 }), ("group", group));
        return new TestNetwork($"SignedConv_g{group}_{sign}", b.Output("output", "N", 4, 4, 4).Build(), [2, 4, 7, 7]);
    }

    /// <summary>The input as it is, after a Relu, or after a Relu then · −1 → Gemm 6 → 5 whose unit 2 has zero weights and bias.</summary>
    private static TestNetwork SignedGemm(string sign)
    {
        var weights = new SeededWeights(24).Uniform(5 * 6, -1f, 1f);
        Array.Clear(weights, 2 * 6, 6);
        var b = new OnnxModelBuilder(seed: 24).Input("input", "N", 6)
            .Initializer("W", weights, 5, 6).Initializer("B", [0.3f, 0f, 0f, -0.2f, 0.4f], 5);
        string source = Signed(b, sign);
        b.Node("Gemm", [source, "W", "B"], ["output"], "dense", ("transB", 1));
        return new TestNetwork($"SignedGemm_{sign}", b.Output("output", "N", 5).Build(), [3, 6]);
    }

    /// <summary>MatMul with a constant weight [2, 6, 5] (one dense map per slice) on an input of both signs: the general path.</summary>
    private static TestNetwork BatchedMatMul()
    {
        var b = new OnnxModelBuilder(seed: 29).Input("input", "N", 2, 3, 6)
            .Initializer("W", new SeededWeights(29).Uniform(2 * 6 * 5, -1f, 1f), 2, 6, 5)
            .Node("MatMul", ["input", "W"], ["output"], "matmul");
        return new TestNetwork("BatchedMatMul", b.Output("output", "N", 2, 3, 5).Build(), [2, 2, 3, 6]) { HasBiases = false };
    }

    /// <summary>Adds the nodes that give the linear node's input its sign; returns that input's name.</summary>
    private static string Signed(OnnxModelBuilder b, string sign)
    {
        if (sign == "mixed")
        {
            return "input";
        }

        b.Node("Relu", "input", "r", "relu");
        if (sign == "positive")
        {
            return "r";
        }

        b.Initializer("minus", [-1f], 1).Node("Mul", ["r", "minus"], ["n"], "negate");
        return "n";
    }

    [TestMethod]
    [DataRow(1, "positive")]
    [DataRow(1, "negative")]
    [DataRow(1, "mixed")]
    [DataRow(2, "positive")]
    [DataRow(2, "negative")]
    [DataRow(2, "mixed")]
    public void GammaConv_InputOfEitherOrBothSigns_MatchesReferenceAndConserves(int group, string sign)
        => Check(SignedConv(group, sign), "conv", () => new CpuBackend());

    [TestMethod]
    [DataRow("positive")]
    [DataRow("negative")]
    [DataRow("mixed")]
    public void GammaDense_InputOfEitherOrBothSigns_MatchesReferenceAndConserves(string sign)
        => Check(SignedGemm(sign), "dense", () => new CpuBackend());

    [TestMethod]
    public void GammaBatchedMatMul_GeneralPath_MatchesNaiveFormulaAndConserves()
    {
        // The double reference has no batched MatMul: RULES.md's generalised Gamma written out per slice instead.
        const double Gamma = 0.25, Epsilon = 1e-6;
        var network = BatchedMatMul();
        var weight = new SeededWeights(29).Uniform(2 * 6 * 5, -1f, 1f);
        var input = network.RandomInput(31).Select(v => (float)v).ToArray();
        var options = new LrpOptions
        {
            ModelBytes = network.Model,
            Target = LrpTarget.AllOutputs,
            OutputSeed = LrpOutputSeed.One,
            RuleOverrides = new Dictionary<string, LrpRule> { ["matmul"] = LrpRule.Gamma((float)Gamma) },
        };
        using var explainer = new LrpExplainer(options, () => new CpuBackend());
        var result = explainer.Explain(input, 2, conservationReport: true);

        var expected = new double[input.Length];
        for (int n = 0; n < 2; n++)
        {
            for (int slice = 0; slice < 2; slice++)
            {
                for (int row = 0; row < 3; row++)
                {
                    int x0 = (((n * 2) + slice) * 3 + row) * 6;
                    double W(int k, int m) => weight[(((slice * 6) + k) * 5) + m];
                    double WP(int k, int m) => W(k, m) + (Gamma * Math.Max(W(k, m), 0));
                    double WN(int k, int m) => W(k, m) + (Gamma * Math.Min(W(k, m), 0));
                    double Xp(int k) => Math.Max(input[x0 + k], 0f);
                    double Xn(int k) => Math.Min(input[x0 + k], 0f);
                    for (int m = 0; m < 5; m++)
                    {
                        double z = 0, dPos = 0, dNeg = 0;
                        for (int k = 0; k < 6; k++)
                        {
                            z += W(k, m) * input[x0 + k];
                            dPos += (WP(k, m) * Xp(k)) + (WN(k, m) * Xn(k));
                            dNeg += (WN(k, m) * Xp(k)) + (WP(k, m) * Xn(k));
                        }

                        // R = 1 at every output (AllOutputs, seed One); no bias.
                        double sPos = z > 0 ? 1 / (dPos + (dPos >= 0 ? Epsilon : -Epsilon)) : 0;
                        double sNeg = z < 0 ? 1 / (dNeg + (dNeg >= 0 ? Epsilon : -Epsilon)) : 0;
                        for (int k = 0; k < 6; k++)
                        {
                            expected[x0 + k] += (Xp(k) * ((WP(k, m) * sPos) + (WN(k, m) * sNeg))) + (Xn(k) * ((WN(k, m) * sPos) + (WP(k, m) * sNeg)));
                        }
                    }
                }
            }
        }

        double scale = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i], result.Relevance[i], 1e-5 * scale, $"relevance[{i}]");
        }

        for (int r = 0; r < 2; r++)
        {
            Assert.AreEqual(0.0, result.ConservationError(r) / Math.Max(1e-3, Math.Abs(result.SeedTotals[r])), 1e-5, $"row {r}");
        }
    }

    [TestMethod]
    [TestCategory("Ilgpu")]
    [DataRow(1, "negative")]
    [DataRow(2, "positive")]
    [DataRow(1, "mixed")]
    public void GammaConv_InputSignsOnIlgpuCpuAccelerator_MatchesReferenceAndConserves(int group, string sign)
        => Check(SignedConv(group, sign), "conv", () => new IlgpuBackend(IlgpuDevice.CpuEmulator()));

    [TestMethod]
    [TestCategory("Ilgpu")]
    [DataRow("positive")]
    [DataRow("mixed")]
    public void GammaDense_InputSignsOnIlgpuCpuAccelerator_MatchesReferenceAndConserves(string sign)
        => Check(SignedGemm(sign), "dense", () => new IlgpuBackend(IlgpuDevice.CpuEmulator()));

    private static void Check(TestNetwork network, string nodeName, Func<IRelevanceBackend> backend)
    {
        var options = new LrpOptions
        {
            ModelBytes = network.Model,
            Target = LrpTarget.AllOutputs,
            OutputSeed = LrpOutputSeed.One,
            RuleOverrides = new Dictionary<string, LrpRule> { [nodeName] = LrpRule.Gamma(0.25f) },
        };

        var input = network.RandomInput(31).Select(v => (float)v).ToArray();
        var expected = ReferenceLrp.Explain(network.Model, input.Select(v => (double)v).ToArray(), network.InputShape, ReferenceOptions.From(options));
        using var explainer = new LrpExplainer(options, backend);
        int rows = network.InputShape[0];
        var result = explainer.Explain(input, rows, conservationReport: true);
        EngineVersusReferenceTests.AssertClose(expected, result.Relevance, network.Name);
        Assert.IsTrue(result.Relevance.Any(v => v != 0f), "some relevance reaches the input");
        for (int r = 0; r < rows; r++)
        {
            double scale = Math.Max(1e-3, Math.Abs(result.SeedTotals[r]));
            Assert.AreEqual(0.0, result.ConservationError(r) / scale, 1e-5, $"{network.Name} row {r}: seed {result.SeedTotals[r]}, absorbed {result.Absorbed[r]}");
        }
    }
}
