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
