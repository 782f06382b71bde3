using Microsoft.ML.Lrp.Tests.Promises;
using Microsoft.ML.Lrp.Tests.TestModels;
using static Microsoft.ML.Lrp.Tests.Reference.NaiveRmsNormFormulas;

namespace Microsoft.ML.Lrp.Tests.Transformer;

/// <summary>The RMSNormalization op (opset 23) against the σ-constant Epsilon formula, its decomposition and the policies.</summary>
[TestClass]
public sealed class RmsNormalizationTests
{
    private const int Rows = 2, Tokens = 3, Width = 6;

    private static float[] Scale(int count) => new SeededWeights(19).Uniform(count, 0.5f, 1.5f);

    private static double[] Doubles(float[] values) => values.Select(v => (double)v).ToArray();

    internal static byte[] RmsNormModel(int axis, float epsilon)
    {
        int[] scaleDims = axis == -1 ? [Width] : [Tokens, Width];
        return new OnnxModelBuilder().Opset(23).Input("input", "N", Tokens, Width)
            .Initializer("scale", Scale(scaleDims.Aggregate(1, (a, b) => a * b)), scaleDims.Select(d => (long)d).ToArray())
            .Node("RMSNormalization", ["input", "scale"], ["output"], "rmsnorm", ("axis", (long)axis), ("epsilon", epsilon))
            .Output("output", "N", Tokens, Width).Build();
    }

    [TestMethod]
    [DataRow(-1, Width)]
    [DataRow(1, Tokens * Width)]
    public void RmsNormalization_Opset23_OnnxRuntimeOutputMatchesFormula(int axis, int group)
    {
        var input = RuleHarness.Input(Rows * Tokens * Width, 31);
        var (result, _) = RuleHarness.Explain(RmsNormModel(axis, 1e-5f), input, Rows, LrpComposite.AttnLrp);
        var expected = RmsNorm(Doubles(input), Doubles(Scale(group)), group, 1e-5);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i], result.Output[i], 1e-5, $"output[{i}]");
        }
    }

    [TestMethod]
    [DataRow(-1, Width)]
    [DataRow(1, Tokens * Width)]
    public void RmsNormalization_Op_MatchesSigmaConstantEpsilon(int axis, int group)
    {
        var input = RuleHarness.Input(Rows * Tokens * Width, 32);
        var (result, r) = RuleHarness.Explain(RmsNormModel(axis, 1e-3f), input, Rows, LrpComposite.AttnLrp);
        var expected = RmsNormRelevance(Doubles(input), Doubles(Scale(group)), r, group, 1e-3);
        RuleHarness.AssertMatches(expected, result, $"RMSNormalization axis {axis}", 1e-5);
        Assert.AreEqual(r.Sum() - expected.Sum(), result.Absorbed.Sum(), 1e-4, "absorbed: the stabiliser's share");
    }

    [TestMethod]
    public void RmsNormalization_LargeStabiliser_StabiliserShareAbsorbed()
    {
        const double stabiliser = 0.05;
        var input = RuleHarness.Input(Rows * Tokens * Width, 34);
        var direction = new SeededWeights(7).Uniform(Tokens * Width, -1f, 1f);
        using var explainer = new LrpExplainer(new LrpOptions
        {
            ModelBytes = RmsNormModel(-1, 1e-2f), Composite = LrpComposite.AttnLrp, Epsilon = (float)stabiliser, Target = LrpTarget.Direction(direction),
        });
        var result = explainer.Explain(input, Rows, null, null, conservationReport: true);
        var r = result.Output.Select((y, i) => (double)y * direction[i % direction.Length]).ToArray();
        var expected = RmsNormRelevance(Doubles(input), Doubles(Scale(Width)), r, Width, 1e-2, (float)stabiliser);
        RuleHarness.AssertMatches(expected, result, "RMSNormalization, ε = 0.05", 1e-5);
        Assert.AreEqual(r.Sum() - expected.Sum(), result.Absorbed.Sum(), 1e-4, "absorbed: the stabiliser's share");
        Assert.IsGreaterThan(1e-3, Math.Abs(r.Sum() - expected.Sum()), "the stabiliser takes a visible share");
    }

    [TestMethod]
    public void RmsNormalization_Op_EqualsDecomposedGraph()
    {
        var scale = Scale(Width);
        var decomposed = new OnnxModelBuilder().Opset(17).Input("input", "N", Tokens, Width)
            .Initializer("two", [2f]).Initializer("eps", [1e-5f]).Initializer("scale", scale, Width)
            .Node("Pow", ["input", "two"], ["sq"], "pow").Node("ReduceMean", ["sq"], ["ms"], "mean", ("axes", new[] { -1 }))
            .Node("Add", ["ms", "eps"], ["mse"], "add").Node("Sqrt", "mse", "rms", "sqrt")
            .Node("Div", ["input", "rms"], ["normalised"], "normalise").Node("Mul", ["normalised", "scale"], ["output"], "scale_mul")
            .Output("output", "N", Tokens, Width).Build();
        var input = RuleHarness.Input(Rows * Tokens * Width, 33);
        var (op, _) = RuleHarness.Explain(RmsNormModel(-1, 1e-5f), input, Rows, LrpComposite.AttnLrp);
        var (composed, _) = RuleHarness.Explain(decomposed, input, Rows, LrpComposite.AttnLrp);
        double largest = composed.Relevance.Max(v => Math.Abs((double)v));
        Assert.IsGreaterThan(0.0, largest, "decomposed RMSNorm: relevance reached the input");
        for (int i = 0; i < input.Length; i++)
        {
            Assert.AreEqual(composed.Relevance[i], op.Relevance[i], 1e-5 * largest, $"relevance[{i}]");
        }
    }

    [TestMethod]
    public void RmsNormalization_Network_PoliciesAgreeAndOutputReplayed()
    {
        var b = new OnnxModelBuilder(seed: 317).Opset(23).Input("input", "N", 6).RandomUniform("gamma", 0.5f, 1.5f, 8)
            .RandomWeight("dense0_W", 8, 6).RandomUniform("dense0_B", -0.2f, 0.2f, 8)
            .RandomWeight("head_W", 3, 8).RandomUniform("head_B", -0.2f, 0.2f, 3)
            .Node("Gemm", ["input", "dense0_W", "dense0_B"], ["z"], "dense0", ("transB", 1L))
            .Node("RMSNormalization", ["z", "gamma"], ["h"], "rmsnorm", ("epsilon", 1e-5f))
            .Node("Gemm", ["h", "head_W", "head_B"], ["output"], "head", ("transB", 1L));
        var network = new TestNetwork("RmsNormalizationOp", b.Output("output", "N", 3).Build(), [2, 6]) { FirstLayers = ["dense0"] };
        var runs = TransformerPromiseRuns.AllPolicies(network, LrpComposite.AttnLrp, 25);
        var memory = runs[LrpCapturePolicy.MinimizeMemory].Schedule;
        CollectionAssert.Contains(memory.Promised, "h");
        Assert.AreEqual(1, PromiseRuns.ReplayCount(memory, "rmsnorm"));
    }

    [TestMethod]
    public void Attention_DefaultDomainOpset23_IsDecomposedAndConserves()
    {
        var model = new OnnxModelBuilder().Opset(23).Input("input", "N", 2, 3, 4)
            .Node("Attention", ["input", "input", "input"], ["output"], "sdpa")
            .Output("output", "N", 2, 3, 4).Build();
        var (result, _) = RuleHarness.Explain(model, RuleHarness.Input(48, 8), 2, LrpComposite.AttnLrp);
        Assert.IsTrue(result.Relevance.All(float.IsFinite), "finite relevance");
        Assert.IsGreaterThan(1e-3, result.Relevance.Sum(Math.Abs), "non-zero relevance");
        Assert.IsLessThan(1e-4, result.ConservationReport!.MaxRelativeError, "per-node conservation");
    }
}
