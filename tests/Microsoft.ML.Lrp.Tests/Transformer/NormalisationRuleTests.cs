using Microsoft.ML.Lrp.Tests.TestModels;
using static Microsoft.ML.Lrp.Tests.Reference.NaiveTransformerFormulas;

namespace Microsoft.ML.Lrp.Tests.Transformer;

/// <summary>LayerNormalization (the op and its PyTorch decomposition), gates and normalisers against RULES.md.</summary>
[TestClass]
public sealed class NormalisationRuleTests
{
    private const int Rows = 2, Tokens = 3, Width = 6;

    private static (float[] W, float[] B) LayerNormParameters()
    {
        var weights = new SeededWeights(9);
        return (weights.Uniform(Width, 0.5f, 1.5f), weights.Uniform(Width, -0.3f, 0.3f));
    }

    private static double[] ExpectedLayerNorm(float[] input, double[] r)
    {
        var (w, b) = LayerNormParameters();
        return LayerNormRelevance(input.Select(v => (double)v).ToArray(), w.Select(v => (double)v).ToArray(), b.Select(v => (double)v).ToArray(), r, Width, 1e-5);
    }

    [TestMethod]
    public void LayerNormalization_Op_MatchesSigmaConstantEpsilon()
    {
        var (w, b) = LayerNormParameters();
        var model = new OnnxModelBuilder().Opset(17).Input("input", "N", Tokens, Width).Initializer("w", w, Width).Initializer("b", b, Width)
            .Node("LayerNormalization", ["input", "w", "b"], ["output"], "ln", ("axis", -1), ("epsilon", 1e-5f))
            .Output("output", "N", Tokens, Width).Build();
        var input = RuleHarness.Input(Rows * Tokens * Width, 11);
        var (result, r) = RuleHarness.Explain(model, input, Rows, LrpComposite.AttnLrp);
        RuleHarness.AssertMatches(ExpectedLayerNorm(input, r), result, "LayerNormalization");
    }

    [TestMethod]
    public void LayerNorm_Decomposed_CompositionMatchesLayerNormFormula()
    {
        var (w, b) = LayerNormParameters();
        var builder = new OnnxModelBuilder().Input("input", "N", Tokens, Width).Initializer("two", [2f]).Initializer("eps", [1e-5f])
            .Initializer("ln_w", w, Width).Initializer("ln_b", b, Width);
        TransformerBlocksForTests.LayerNormWithGivenParameters(builder, "input", "output");
        var model = builder.Output("output", "N", Tokens, Width).Build();
        var input = RuleHarness.Input(Rows * Tokens * Width, 12);
        var (result, r) = RuleHarness.Explain(model, input, Rows, LrpComposite.AttnLrp);

        // Sub (Norm) + ReduceMean (Norm) + Div by its normaliser (R to the numerator) reproduce the formula up to stabilisers.
        RuleHarness.AssertMatches(ExpectedLayerNorm(input, r), result, "decomposed LayerNorm", 1e-3);
    }

    public static IEnumerable<object[]> Gates() => [["Gelu"], ["GeluHalfFirst"], ["Silu"], ["RmsReciprocal"], ["RmsDiv"]];

    [TestMethod]
    [DynamicData(nameof(Gates))]
    public void Gate_SignalTakesAllRelevance_GateNone(string gate)
    {
        var b = new OnnxModelBuilder().Input("input", "N", Width).Initializer("two", [2f]).Initializer("one", [1f]).Initializer("half", [0.5f])
            .Initializer("sqrt2", [MathF.Sqrt(2f)]).Initializer("eps", [1e-5f]);
        switch (gate)
        {
            case "Gelu":
                b.Node("Div", ["input", "sqrt2"], ["u"], "div").Node("Erf", "u", "e", "erf").Node("Add", ["e", "one"], ["p"], "add")
                    .Node("Mul", ["input", "p"], ["g"], "gate").Node("Mul", ["g", "half"], ["output"], "half");
                break;
            case "GeluHalfFirst":
                b.Node("Mul", ["input", "half"], ["xh"], "half").Node("Div", ["input", "sqrt2"], ["u"], "div").Node("Erf", "u", "e", "erf")
                    .Node("Add", ["e", "one"], ["p"], "add").Node("Mul", ["xh", "p"], ["output"], "gate");
                break;
            case "Silu":
                b.Node("Sigmoid", "input", "s", "sigmoid").Node("Mul", ["s", "input"], ["output"], "gate");
                break;
            default:
                b.Node("Pow", ["input", "two"], ["sq"], "pow").Node("ReduceMean", ["sq"], ["ms"], "mean", ("axes", new[] { -1 }))
                    .Node("Add", ["ms", "eps"], ["mse"], "add").Node("Sqrt", "mse", "rms", "sqrt");
                if (gate == "RmsDiv")
                {
                    b.Node("Div", ["input", "rms"], ["output"], "normalise");
                }
                else
                {
                    b.Node("Reciprocal", "rms", "inv", "reciprocal").Node("Mul", ["input", "inv"], ["output"], "normalise");
                }

                break;
        }

        var model = b.Output("output", "N", Width).Build();
        var input = RuleHarness.Input(Rows * Width, 13);
        var (result, r) = RuleHarness.Explain(model, input, Rows, LrpComposite.AttnLrp);
        RuleHarness.AssertMatches(r, result, gate, 1e-6);
        Assert.AreEqual(0.0, result.Absorbed.Sum(), 1e-9, "a gate absorbs nothing");
    }

    [TestMethod]
    public void Mul_TwoIndependentActivations_HalfEach()
    {
        var model = new OnnxModelBuilder().Input("input", "N", 2, Width).Initializer("split", new long[] { 1, 1 }, 2)
            .Node("Split", ["input", "split"], ["a", "b"], "split", ("axis", 1))
            .Node("Mul", ["a", "b"], ["output"], "product")
            .Output("output", "N", 1, Width).Build();
        var input = RuleHarness.Input(Rows * 2 * Width, 14);
        var (result, r) = RuleHarness.Explain(model, input, Rows, LrpComposite.AttnLrp);
        var expected = new double[input.Length];
        for (int i = 0; i < input.Length; i++)
        {
            int row = i / (2 * Width), k = i % Width;
            expected[i] = r[(row * Width) + k] / 2;
        }

        RuleHarness.AssertMatches(expected, result, "product");
    }
}
