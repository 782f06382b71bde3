using Microsoft.ML.Lrp.Tests.TestModels;
using Microsoft.ML.Lrp.Tests.Transformer;

namespace Microsoft.ML.Lrp.Tests.Elementwise;

/// <summary>
/// The identity rule (Pass, <c>R_x = R</c>) of the element-wise non-linearities, Pow with an activation exponent
/// (relevance to the base), Div by an activation (relevance to the numerator) and HardSwish decomposed as a gate.
/// </summary>
[TestClass]
public sealed class UnaryPassTests
{
    private const int Rows = 2, Width = 5;

    private static byte[] Chain(params (string Op, (string Name, object Value)[] Attributes)[] ops)
    {
        var b = new OnnxModelBuilder().Opset(14).Input("input", "N", Width).Initializer("exponent", [1.5f]);
        string value = "input";
        for (int i = 0; i < ops.Length; i++)
        {
            string next = i == ops.Length - 1 ? "output" : $"v{i}";
            string[] inputs = ops[i].Op == "Pow" ? [value, "exponent"] : [value];
            b.Node(ops[i].Op, inputs, [next], $"{ops[i].Op.ToLowerInvariant()}{i}", ops[i].Attributes);
            value = next;
        }

        return b.Output("output", "N", Width).Build();
    }

    private static (string, (string, object)[]) Op(string op, params (string, object)[] attributes) => (op, attributes);

    [TestMethod]
    [DataRow("Exp")]
    [DataRow("Log")]
    [DataRow("Sqrt")]
    [DataRow("Reciprocal")]
    [DataRow("Pow")]
    public void PositiveDomainOp_AfterExp_IsIdentity(string op)
    {
        var input = RuleHarness.Input(Rows * Width, 61);
        var (result, r) = RuleHarness.Explain(Chain(Op("Exp"), Op(op)), input, Rows, LrpComposite.Epsilon);
        RuleHarness.AssertMatches(r, result, op, 1e-6);
        Assert.IsGreaterThan(0.0, r.Max(Math.Abs), "a non-zero seed");
    }

    [TestMethod]
    [DataRow("Abs")]
    [DataRow("Neg")]
    [DataRow("Erf")]
    [DataRow("Softplus")]
    [DataRow("HardSigmoid")]
    [DataRow("HardSwish")]
    public void ElementwiseOp_IsIdentity(string op)
    {
        var input = RuleHarness.Input(Rows * Width, 62);
        var (result, r) = RuleHarness.Explain(Chain(Op(op)), input, Rows, LrpComposite.Epsilon);
        RuleHarness.AssertMatches(r, result, op, 1e-6);
    }

    [TestMethod]
    public void Pow_ActivationExponent_RelevanceToBaseOnly()
    {
        var model = new OnnxModelBuilder().Input("input", "N", 2, Width).Initializer("split", new long[] { 1, 1 }, 2)
            .Node("Split", ["input", "split"], ["a", "b"], "split", ("axis", 1))
            .Node("Exp", "a", "base", "exp").Node("Pow", ["base", "b"], ["output"], "power")
            .Output("output", "N", 1, Width).Build();
        var input = RuleHarness.Input(Rows * 2 * Width, 63);
        var (result, r) = RuleHarness.Explain(model, input, Rows, LrpComposite.Epsilon);
        var expected = new double[input.Length];
        for (int row = 0; row < Rows; row++)
        {
            for (int k = 0; k < Width; k++)
            {
                expected[(row * 2 * Width) + k] = r[(row * Width) + k];
            }
        }

        RuleHarness.AssertMatches(expected, result, "Pow(base, activation exponent)", 1e-6);
    }

    [TestMethod]
    public void Div_ByIndependentActivation_NumeratorTakesAll()
    {
        var model = new OnnxModelBuilder().Input("input", "N", 2, Width).Initializer("split", new long[] { 1, 1 }, 2)
            .Node("Split", ["input", "split"], ["a", "b"], "split", ("axis", 1))
            .Node("Exp", "b", "positive", "exp").Node("Div", ["a", "positive"], ["output"], "ratio")
            .Output("output", "N", 1, Width).Build();
        var input = RuleHarness.Input(Rows * 2 * Width, 64);
        var (result, r) = RuleHarness.Explain(model, input, Rows, LrpComposite.Epsilon);
        var expected = new double[input.Length];
        for (int row = 0; row < Rows; row++)
        {
            for (int k = 0; k < Width; k++)
            {
                expected[(row * 2 * Width) + k] = r[(row * Width) + k];
            }
        }

        RuleHarness.AssertMatches(expected, result, "Div(a, exp(b))", 1e-6);
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = model });
        Assert.IsFalse(explainer.Plan.Graph.RelevanceNodes.Any(n => n.Name == "exp"), "the denominator's branch carries no relevance");
    }

    [TestMethod]
    public void Div_ConstantOverActivation_DenominatorTakesAll()
    {
        var model = new OnnxModelBuilder().Input("input", "N", Width).Initializer("one", [2f])
            .Node("Exp", "input", "positive", "exp").Node("Div", ["one", "positive"], ["output"], "inverse")
            .Output("output", "N", Width).Build();
        var input = RuleHarness.Input(Rows * Width, 65);
        var (result, r) = RuleHarness.Explain(model, input, Rows, LrpComposite.Epsilon);
        RuleHarness.AssertMatches(r, result, "2 / exp(x)", 1e-6);
    }

    [TestMethod]
    public void HardSwish_DecomposedAsProductWithHardSigmoid_IsGate()
    {
        var model = new OnnxModelBuilder().Input("input", "N", Width)
            .Node("HardSigmoid", "input", "gate", "hardsigmoid", ("alpha", 1f / 6), ("beta", 0.5f))
            .Node("Mul", ["input", "gate"], ["output"], "hardswish")
            .Output("output", "N", Width).Build();
        AssertGate(model, "hardsigmoid", 66);
    }

    [TestMethod]
    public void HardSwish_DecomposedWithClip_IsGate()
    {
        // PyTorch's older export: x · Clip(x + 3, 0, 6) / 6.
        var model = new OnnxModelBuilder().Input("input", "N", Width)
            .Initializer("three", [3f]).Initializer("zero", [0f]).Initializer("six", [6f])
            .Node("Add", ["input", "three"], ["shifted"], "shift").Node("Clip", ["shifted", "zero", "six"], ["clipped"], "relu6")
            .Node("Mul", ["input", "clipped"], ["product"], "product").Node("Div", ["product", "six"], ["output"], "scale")
            .Output("output", "N", Width).Build();
        AssertGate(model, "relu6", 67);
    }

    private static void AssertGate(byte[] model, string gateNode, int seed)
    {
        var input = RuleHarness.Input(Rows * Width, seed);
        var (result, r) = RuleHarness.Explain(model, input, Rows, LrpComposite.AttnLrp);
        RuleHarness.AssertMatches(r, result, "x · gate(x): the signal takes R", 1e-6);
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = model, Composite = LrpComposite.AttnLrp });
        Assert.IsFalse(explainer.Plan.Graph.RelevanceNodes.Any(n => n.Name == gateNode), $"{gateNode} is a gate, off the relevance path");
    }
}
