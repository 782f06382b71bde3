using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Transformer;

/// <summary>The block form of the Norm rule for ReduceMean / ReduceSum against the naive formula of RULES.md.</summary>
[TestClass]
public sealed class ReductionNormTests
{
    private const int Rows = 2;
    private const int Tokens = 128;
    private const int Width = 160;

    [TestMethod]
    [DataRow("ReduceMean", 1)]
    [DataRow("ReduceMean", 2)]
    [DataRow("ReduceSum", 1)]
    public void Reduce_LargeInput_MatchesNaiveNorm(string op, int axis)
    {
        // R_x[n, t, w] = x · scale · R[kept] / (scale · Σ x) on [N, 128, 160] (the parallel block path).
        int[] kept = axis == 1 ? [1, Width] : [Tokens, 1];
        var b = new OnnxModelBuilder().Input("input", "N", Tokens, Width);
        if (op == "ReduceSum")
        {
            b.Initializer("axes", new long[] { axis }, 1).Node(op, ["input", "axes"], ["output"], "reduce");
        }
        else
        {
            b.Node(op, ["input"], ["output"], "reduce", ("axes", new[] { axis }));
        }

        var model = b.Output("output", "N", kept[0], kept[1]).Build();

        // Positive inputs keep the stabiliser (1e-6) far below the tolerance.
        var input = new SeededWeights(17).Uniform(Rows * Tokens * Width, 0.5f, 1.5f);
        var (result, r) = RuleHarness.Explain(model, input, Rows, LrpComposite.AttnLrp);
        float scale = op == "ReduceSum" ? 1f : 1f / (axis == 1 ? Tokens : Width);
        int outLength = kept[0] * kept[1];
        var sums = new double[Rows * outLength];
        int Out(int n, int t, int w) => (n * outLength) + (axis == 1 ? w : t);
        for (int n = 0; n < Rows; n++)
        {
            for (int t = 0; t < Tokens; t++)
            {
                for (int w = 0; w < Width; w++)
                {
                    sums[Out(n, t, w)] += input[(((n * Tokens) + t) * Width) + w];
                }
            }
        }

        var expected = new double[input.Length];
        for (int n = 0; n < Rows; n++)
        {
            for (int t = 0; t < Tokens; t++)
            {
                for (int w = 0; w < Width; w++)
                {
                    int i = (((n * Tokens) + t) * Width) + w, o = Out(n, t, w);
                    expected[i] = input[i] * scale * r[o] / (scale * sums[o]);
                }
            }
        }

        RuleHarness.AssertMatches(expected, result, $"{op} axis {axis}", 1e-5);
    }
}
