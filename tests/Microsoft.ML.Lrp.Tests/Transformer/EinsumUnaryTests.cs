using Microsoft.ML.Lrp.Tests.Reference;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Transformer;

/// <summary>One-operand Einsum (permutation, diagonal, sums) against the naive reference of RULES.md.</summary>
[TestClass]
public sealed class EinsumUnaryTests
{
    private const int Rows = 2;

    private static byte[] Model(string equation, int[] inShape, int[] outShape) => new OnnxModelBuilder()
        .Input("input", ["N", .. inShape.Cast<object>()])
        .Node("Einsum", ["input"], ["output"], "einsum", ("equation", equation))
        .Output("output", ["N", .. outShape.Cast<object>()]).Build();

    private static (LrpExplanation Result, double[] Seed, double[] Expected, NaiveEinsum Naive) Run(string equation, params int[] rowShape)
    {
        var shape = new[] { Rows }.Concat(rowShape).ToArray();
        var input = RuleHarness.Input(shape.Aggregate(1, (p, d) => p * d), 31).Select(v => v + 0.25f).ToArray();
        var naive = new NaiveEinsum(equation, shape);
        var (result, r) = RuleHarness.Explain(Model(equation, rowShape, naive.OutputShape[1..]), input, Rows, LrpComposite.AttnLrp);
        var x = input.Select(v => (double)v).ToArray();
        var forward = naive.Forward(x);
        Assert.HasCount(forward.Length, result.Output, $"{equation}: output length");
        for (int i = 0; i < forward.Length; i++)
        {
            Assert.AreEqual(forward[i], result.Output[i], 1e-5 * Math.Max(1, Math.Abs(forward[i])), $"{equation}: output[{i}]");
        }

        return (result, r, naive.Unary(x, r), naive);
    }

    [TestMethod]
    [DataRow("nij->nji", 3, 4)]
    [DataRow("...ij->...ji", 3, 4)]
    [DataRow("nijk->nkij", 2, 3, 4)]
    [DataRow("...ijk->...kij", 2, 3, 4)]
    [DataRow("aji", 3, 4)]
    public void EinsumUnary_Permutation_RoutesRelevanceExactly(string equation, params int[] rowShape)
    {
        var (result, r, expected, naive) = Run(equation, rowShape);
        Assert.IsFalse(naive.Sums, "a permutation sums nothing");
        RuleHarness.AssertMatches(expected, result, equation, 1e-5);
        Assert.AreEqual(r.Sum(), result.Relevance.Sum(), 1e-5, $"{equation}: relevance moves unchanged");
        Assert.AreEqual(0, result.Absorbed.Sum(a => Math.Abs(a)), 1e-6, $"{equation}: nothing absorbed");
    }

    [TestMethod]
    [DataRow("nii->ni")]
    [DataRow("...ii->...i")]
    public void EinsumUnary_Diagonal_RoutesToDiagonalZerosElsewhere(string equation)
    {
        var (result, r, expected, _) = Run(equation, 3, 3);
        RuleHarness.AssertMatches(expected, result, equation, 1e-5);
        for (int i = 0; i < result.Relevance.Length; i++)
        {
            if ((i % 9) / 3 != i % 3)
            {
                Assert.AreEqual(0f, result.Relevance[i], $"{equation}: off-diagonal relevance[{i}]");
            }
        }

        Assert.AreEqual(r.Sum(), result.Relevance.Sum(), 1e-5, $"{equation}: relevance moves unchanged");
    }

    [TestMethod]
    [DataRow("nij->ni", 3, 4)]
    [DataRow("nij->nj", 3, 4)]
    [DataRow("nij->n", 3, 4)]
    [DataRow("...ij->...i", 3, 4)]
    [DataRow("nijk->nki", 2, 3, 4)]
    [DataRow("nij->ni", 3, 1)]
    [DataRow("nii->n", 3, 3)]
    [DataRow("nijj->nj", 2, 3, 3)]
    public void EinsumUnary_Sum_IsNormOverTerms(string equation, params int[] rowShape)
    {
        var (result, r, expected, _) = Run(equation, rowShape);
        RuleHarness.AssertMatches(expected, result, equation, 1e-5);
        Assert.AreEqual(r.Sum(), result.Relevance.Sum() + result.Absorbed.Sum(), 1e-5, $"{equation}: conservation");
    }

    [TestMethod]
    [DataRow("nij->nji", "...ij->...ji", 3, 4)]
    [DataRow("nii->ni", "...ii->...i", 3, 3)]
    [DataRow("nij->ni", "...ij->...i", 3, 4)]
    [DataRow("nijk->nk", "...ijk->...k", 2, 3, 4)]
    public void EinsumUnary_Ellipsis_EqualsExplicitTwin(string explicitEquation, string ellipsisEquation, params int[] rowShape)
    {
        var (twin, _, _, _) = Run(explicitEquation, rowShape);
        var (result, _, _, _) = Run(ellipsisEquation, rowShape);
        for (int i = 0; i < twin.Relevance.Length; i++)
        {
            Assert.AreEqual(twin.Relevance[i], result.Relevance[i], 1e-6, $"{ellipsisEquation}: relevance[{i}]");
        }
    }

    /// <summary>
    /// One-operand Einsum between two MatMuls (its relevance lives on the device) on ILGPU's CPU accelerator, in the pass
    /// workspace (routing, a diagonal, a plain reduction, sums with a diagonal and over a middle axis): the CPU
    /// backend's relevance and absorbed relevance.
    /// </summary>
    [TestMethod]
    [TestCategory("Ilgpu")]
    [DataRow("nij->nji", 4, 4)]
    [DataRow("nii->ni", 4, 4)]
    [DataRow("nij->ni", 4, 4)]
    [DataRow("nijj->nj", 2, 3, 3)]
    [DataRow("nijk->nki", 2, 3, 4)]
    public void EinsumUnary_IlgpuCpuAccelerator_ResidentAndMatchesCpu(string equation, params int[] rowShape)
    {
        var outShape = new NaiveEinsum(equation, [Rows, .. rowShape]).OutputShape[1..];
        int last = rowShape[^1], outLast = outShape[^1];
        var model = new OnnxModelBuilder()
            .Input("input", ["N", .. rowShape.Cast<object>()]).RandomWeight("w", last, last).RandomWeight("w2", outLast, outLast)
            .Node("MatMul", ["input", "w"], ["h"], "matmul")
            .Node("Einsum", ["h"], ["e"], "einsum", ("equation", equation))
            .Node("MatMul", ["e", "w2"], ["output"], "after")
            .Output("output", ["N", .. outShape.Cast<object>()]).Build();
        var input = RuleHarness.Input(Rows * rowShape.Aggregate(1, (p, d) => p * d), 36).Select(v => v + 0.5f).ToArray();
        RuleHarness.AssertIlgpuResidentMatchesCpu(model, input, Rows);
    }
}
