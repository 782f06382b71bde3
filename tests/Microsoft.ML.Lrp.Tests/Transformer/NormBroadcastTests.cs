using Microsoft.ML.Lrp.Tests.TestModels;
using static Microsoft.ML.Lrp.Tests.Reference.NaiveTransformerFormulas;

namespace Microsoft.ML.Lrp.Tests.Transformer;

/// <summary>The Norm rule for sums with broadcast operands (bias, per-token mean, an operand shared across an axis) against RULES.md.</summary>
[TestClass]
public sealed class NormBroadcastTests
{
    private const int Rows = 2;

    [TestMethod]
    public void Norm_BiasAndPerTokenMean_MatchesFormula()
    {
        // input [N, 3, 5] → x [N, 3, 4] and m [N, 3, 1]; y = x + bias[4]; output = y − m.
        var bias = new SeededWeights(4).Uniform(4, -0.5f, 0.5f);
        var model = new OnnxModelBuilder().Input("input", "N", 3, 5).Initializer("split", new long[] { 4, 1 }, 2).Initializer("bias", bias, 4)
            .Node("Split", ["input", "split"], ["x", "m"], "split", ("axis", 2))
            .Node("Add", ["x", "bias"], ["y"], "add")
            .Node("Sub", ["y", "m"], ["output"], "sub")
            .Output("output", "N", 3, 4).Build();
        var input = RuleHarness.Input(Rows * 15, 21);
        var (result, r) = RuleHarness.Explain(model, input, Rows, LrpComposite.AttnLrp);
        var expected = new double[input.Length];
        for (int t = 0; t < Rows * 3; t++)
        {
            double m = input[(t * 5) + 4];
            double sumS = 0;
            for (int j = 0; j < 4; j++)
            {
                double x = input[(t * 5) + j], y = x + bias[j];
                double s = r[(t * 4) + j] / Stab(y - m);
                sumS += s;
                expected[(t * 5) + j] = x * (y * s) / Stab(y);
            }

            expected[(t * 5) + 4] = -m * sumS;
        }

        RuleHarness.AssertMatches(expected, result, "bias and mean", 1e-3);
    }

    [TestMethod]
    public void Norm_OperandBroadcastOverAxis_SharesSummedOverThatAxis()
    {
        // input [N, 3, 4] → a [N, 2, 4] and b [N, 1, 4]; output = a + b (b broadcast over axis 1).
        var model = new OnnxModelBuilder().Input("input", "N", 3, 4).Initializer("split", new long[] { 2, 1 }, 2)
            .Node("Split", ["input", "split"], ["a", "b"], "split", ("axis", 1))
            .Node("Add", ["a", "b"], ["output"], "add")
            .Output("output", "N", 2, 4).Build();
        var input = RuleHarness.Input(Rows * 12, 22);
        var (result, r) = RuleHarness.Explain(model, input, Rows, LrpComposite.AttnLrp);
        var expected = new double[input.Length];
        for (int n = 0; n < Rows; n++)
        {
            for (int i = 0; i < 2; i++)
            {
                for (int j = 0; j < 4; j++)
                {
                    double a = input[(n * 12) + (i * 4) + j], b = input[(n * 12) + 8 + j];
                    double s = r[(n * 8) + (i * 4) + j] / Stab(a + b);
                    expected[(n * 12) + (i * 4) + j] = a * s;
                    expected[(n * 12) + 8 + j] += b * s;
                }
            }
        }

        RuleHarness.AssertMatches(expected, result, "broadcast operand", 1e-3);
    }
}
