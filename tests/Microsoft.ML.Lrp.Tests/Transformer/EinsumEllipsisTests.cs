using Microsoft.ML.Lrp.Tests.Reference;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Transformer;

/// <summary>Two-operand Einsum with an ellipsis or a diagonal against the naive reference, and against explicit twins.</summary>
[TestClass]
public sealed class EinsumEllipsisTests
{
    private const int Rows = 2;

    // Input [N, ha + hb, 3, 4] split on axis 1 into A [N, ha, 3, 4] and B [N, hb, 3, 4].
    private static byte[] TwoActivations(string equation, int ha, int hb, int[] outShape) => new OnnxModelBuilder()
        .Input("input", "N", ha + hb, 3, 4).Initializer("split", new long[] { ha, hb }, 2)
        .Node("Split", ["input", "split"], ["a", "b"], "split", ("axis", 1))
        .Node("Einsum", ["a", "b"], ["output"], "einsum", ("equation", equation))
        .Output("output", ["N", .. outShape.Cast<object>()]).Build();

    private static LrpExplanation RunTwoActivations(string equation, int ha, int hb)
    {
        var input = RuleHarness.Input(Rows * (ha + hb) * 12, 41);
        int[] aShape = [Rows, ha, 3, 4], bShape = [Rows, hb, 3, 4];
        var naive = new NaiveEinsum(equation, aShape, bShape);
        var (result, r) = RuleHarness.Explain(TwoActivations(equation, ha, hb, naive.OutputShape[1..]), input, Rows, LrpComposite.AttnLrp);
        var a = new double[Rows * ha * 12];
        var b = new double[Rows * hb * 12];
        for (int n = 0; n < Rows; n++)
        {
            input.Skip(n * (ha + hb) * 12).Take(ha * 12).Select(v => (double)v).ToArray().CopyTo(a, n * ha * 12);
            input.Skip((n * (ha + hb) * 12) + (ha * 12)).Take(hb * 12).Select(v => (double)v).ToArray().CopyTo(b, n * hb * 12);
        }

        AssertForward(naive.Forward(a, b), result, equation);
        var (ra, rb) = naive.Bilinear(a, b, r, bCarries: true);
        var expected = new double[input.Length];
        for (int n = 0; n < Rows; n++)
        {
            ra.Skip(n * ha * 12).Take(ha * 12).ToArray().CopyTo(expected, n * (ha + hb) * 12);
            rb.Skip(n * hb * 12).Take(hb * 12).ToArray().CopyTo(expected, (n * (ha + hb) * 12) + (ha * 12));
        }

        RuleHarness.AssertMatches(expected, result, equation, 1e-5);
        Assert.AreEqual(r.Sum(), result.Relevance.Sum() + result.Absorbed.Sum(), 1e-5 * Math.Abs(r.Sum()) + 1e-6, $"{equation}: conservation");
        return result;
    }

    private static void AssertForward(double[] forward, LrpExplanation result, string equation)
    {
        Assert.HasCount(forward.Length, result.Output, $"{equation}: output length");
        for (int i = 0; i < forward.Length; i++)
        {
            Assert.AreEqual(forward[i], result.Output[i], 1e-5 * Math.Max(1, Math.Abs(forward[i])), $"{equation}: output[{i}]");
        }
    }

    [TestMethod]
    [DataRow("...qd,...kd->...qk", "nhqd,nhkd->nhqk", 2, 2)]
    [DataRow("...qd,...kd", "nhqd,nhkd->nhkq", 2, 2)]
    [DataRow("n...d,n...d->n...", "nhqd,nhqd->nhq", 2, 2)]
    [DataRow("...qd,...kd->...qk", "nhqd,nhkd->nhqk", 2, 1)]
    [DataRow("nh...,nx...->nh...", "nhqd,nxqd->nhqd", 2, 1)]
    public void Einsum_EllipsisTwoActivations_MatchesNaiveAndExplicitTwin(string ellipsis, string twin, int ha, int hb)
    {
        var result = RunTwoActivations(ellipsis, ha, hb);
        var explicitResult = RunTwoActivations(twin, ha, hb);
        for (int i = 0; i < result.Relevance.Length; i++)
        {
            Assert.AreEqual(explicitResult.Relevance[i], result.Relevance[i], 1e-6, $"{ellipsis}: relevance[{i}] against {twin}");
        }
    }

    [TestMethod]
    [DataRow("...sd,...ed->...se", true)]
    [DataRow("nsd,xed->nse", true)]
    [DataRow("...d,ed->...e", false)]
    [DataRow("nsd,ed->nse", false)]
    public void Einsum_EllipsisConstantOperand_IsEpsilon(string equation, bool broadcastWeight)
    {
        // ONNX wants every ellipsis of one rank: a broadcast weight is [1, 3, 4], else the weight names its axes.
        var w = new SeededWeights(6).Uniform(12, -1f, 1f);
        int[] wShape = broadcastWeight ? [1, 3, 4] : [3, 4];
        var model = new OnnxModelBuilder().Input("input", "N", 2, 4).Initializer("W", w, wShape.Select(d => (long)d).ToArray())
            .Node("Einsum", ["input", "W"], ["output"], "einsum", ("equation", equation))
            .Output("output", "N", 2, 3).Build();
        var input = RuleHarness.Input(Rows * 8, 42);
        var (result, r) = RuleHarness.Explain(model, input, Rows, LrpComposite.AttnLrp);
        var naive = new NaiveEinsum(equation, [Rows, 2, 4], wShape);
        var x = input.Select(v => (double)v).ToArray();
        var wd = w.Select(v => (double)v).ToArray();
        AssertForward(naive.Forward(x, wd), result, equation);
        RuleHarness.AssertMatches(naive.Bilinear(x, wd, r, bCarries: false).Ra, result, equation, 1e-5);
    }

    [TestMethod]
    [DataRow("nii,nij->nj")]
    [DataRow("...ii,...ij->...j")]
    public void Einsum_DiagonalOperand_MatchesNaive(string equation)
    {
        // Input [N, 2, 3, 3] split into A [N, 1, 3, 3] and B [N, 1, 3, 3], reshaped to [N, 3, 3].
        var model = new OnnxModelBuilder().Input("input", "N", 2, 3, 3).Initializer("split", new long[] { 1, 1 }, 2)
            .Initializer("shape", new long[] { -1, 3, 3 }, 3)
            .Node("Split", ["input", "split"], ["a4", "b4"], "split", ("axis", 1))
            .Node("Reshape", ["a4", "shape"], ["a"], "ra").Node("Reshape", ["b4", "shape"], ["b"], "rb")
            .Node("Einsum", ["a", "b"], ["output"], "einsum", ("equation", equation))
            .Output("output", "N", 3).Build();
        var input = RuleHarness.Input(Rows * 18, 43);
        var (result, r) = RuleHarness.Explain(model, input, Rows, LrpComposite.AttnLrp);
        var a = new double[Rows * 9];
        var b = new double[Rows * 9];
        for (int n = 0; n < Rows; n++)
        {
            input.Skip(n * 18).Take(9).Select(v => (double)v).ToArray().CopyTo(a, n * 9);
            input.Skip((n * 18) + 9).Take(9).Select(v => (double)v).ToArray().CopyTo(b, n * 9);
        }

        var naive = new NaiveEinsum(equation, [Rows, 3, 3], [Rows, 3, 3]);
        AssertForward(naive.Forward(a, b), result, equation);
        var (ra, rb) = naive.Bilinear(a, b, r, bCarries: true);
        var expected = new double[input.Length];
        for (int n = 0; n < Rows; n++)
        {
            ra.Skip(n * 9).Take(9).ToArray().CopyTo(expected, n * 18);
            rb.Skip(n * 9).Take(9).ToArray().CopyTo(expected, (n * 18) + 9);
        }

        RuleHarness.AssertMatches(expected, result, equation, 1e-5);
        Assert.AreEqual(0f, result.Relevance[1], $"{equation}: an off-diagonal entry of A gets 0");
    }

    [TestMethod]
    public void Einsum_ThreeOperands_IsExplainedAsAChainAndConserves()
    {
        var model = new OnnxModelBuilder(5).Input("input", "N", 3, 3).RandomUniform("w1", -1f, 1f, 3, 3).RandomUniform("w2", -1f, 1f, 3, 3)
            .Node("Einsum", ["input", "w1", "w2"], ["output"], "einsum", ("equation", "nij,jk,kl->nil"))
            .Output("output", "N", 3, 3).Build();
        var (result, _) = RuleHarness.Explain(model, RuleHarness.Input(18, 6), 2, LrpComposite.AttnLrp);
        Assert.IsGreaterThan(1e-3, result.Relevance.Sum(Math.Abs), "non-zero relevance");
        Assert.IsLessThan(1e-4, result.ConservationReport!.MaxRelativeError, "per-node conservation");
    }
}
