using Microsoft.ML.Lrp.Graph.Fused;
using Microsoft.ML.Lrp.Tests.Fused;
using Microsoft.ML.Lrp.Tests.Reference;
using Microsoft.ML.Lrp.Tests.TestModels;
using Microsoft.ML.Lrp.Tests.Transformer;

namespace Microsoft.ML.Lrp.Tests.AttentionOps;

/// <summary>Einsum of three or more operands as a chain of two-operand Einsums: ONNX Runtime equality, and the chained bilinear rule against <see cref="NaiveEinsum"/>.</summary>
[TestClass]
public sealed class EinsumChainTests
{
    [TestMethod]
    [DataRow("bi,ij,jk->bk", new[] { 2, 3 }, new[] { 3, 4 }, new[] { 4, 2 }, null)]
    [DataRow("ij,jk,kl", new[] { 2, 3 }, new[] { 3, 4 }, new[] { 4, 5 }, null)]
    [DataRow("...i,ij,j->...", new[] { 2, 3, 4 }, new[] { 4, 5 }, new[] { 5 }, null)]
    [DataRow("ab,bc,cd,de->ae", new[] { 2, 3 }, new[] { 3, 4 }, new[] { 4, 2 }, new[] { 2, 3 })]
    [DataRow("bi,bi,bj->bj", new[] { 2, 3 }, new[] { 2, 3 }, new[] { 2, 4 }, null)]
    public void Chain_MatchesOnnxRuntime(string equation, int[] s0, int[] s1, int[] s2, int[]? s3)
    {
        int[][] shapes = s3 is null ? [s0, s1, s2] : [s0, s1, s2, s3];
        var builder = new OnnxModelBuilder(46).Opset(17);
        var feeds = new Dictionary<string, FeedValue>();
        for (int i = 0; i < shapes.Length; i++)
        {
            builder.Input($"x{i}", [.. shapes[i].Select(d => (object)d)]);
            feeds[$"x{i}"] = DecompositionRunner.Random(i + 1, [.. shapes[i].Select(d => (long)d)]);
        }

        byte[] model = builder.Output("y").Node("Einsum", [.. Enumerable.Range(0, shapes.Length).Select(i => $"x{i}")], ["y"], "chain", ("equation", equation)).Build();
        DecompositionRunner.AssertMatches(model, "Einsum", feeds, 1e-5, "y");
    }

    [TestMethod]
    [DataRow("nxi,nxj,ij->nx", "nxi,nxj", "nxij")]
    [DataRow("ab,bc,cd,de->ae", "ab,bc", "ac")]
    public void FirstLink_KeepsOnlyTheLettersStillNeeded(string equation, string firstPair, string expected)
    {
        string[] operands = equation.Split("->")[0].Split(',');
        Assert.AreEqual(firstPair, $"{operands[0]},{operands[1]}");
        Assert.AreEqual(expected, EinsumChainDecomposer.Keep(operands[0] + operands[1], operands[2..], equation.Split("->")[1]));
    }

    [TestMethod]
    public void WrongTermCount_ThrowsNamingNode()
    {
        byte[] model = new OnnxModelBuilder(47).Opset(17).Input("a", 2, 3).Input("b", 3, 4).Input("c", 4, 2).Output("y")
            .Node("Einsum", ["a", "b", "c"], ["y"], "miscounted", ("equation", "ij,jk->ik")).Build();
        var e = Assert.ThrowsExactly<LrpException>(() => DecompositionRunner.Decompose(model, "Einsum"));
        StringAssert.Contains(e.Message, "'miscounted'");
        StringAssert.Contains(e.Message, "equation");
    }

    /// <summary>
    /// Input [N, 2, 4] split into a [N, 1, 4] and c [N, 1, 4]; y = einsum("nxi,nxj,ij->nx", a, c, W) becomes
    /// T = einsum("nxi,nxj->nxij", a, c) (both carry: AttnLRP uniform) and y = einsum("nxij,ij->nx", T, W) (W constant: Epsilon).
    /// </summary>
    [TestMethod]
    public void ThreeOperandBilinearForm_MatchesChainedNaiveRuleAndConserves()
    {
        const int rows = 3;
        float[] w = new SeededWeights(48).Uniform(16, -1f, 1f);
        byte[] model = new OnnxModelBuilder(49).Opset(17).Input("input", "N", 2, 4).Initializer("split", new long[] { 1, 1 }, 2)
            .Initializer("W", w, 4, 4)
            .Node("Split", ["input", "split"], ["a", "c"], "split", ("axis", 1))
            .Node("Einsum", ["a", "c", "W"], ["output"], "form", ("equation", "nxi,nxj,ij->nx"))
            .Output("output", "N", 1).Build();
        float[] input = RuleHarness.Input(rows * 8, 50);
        var (result, r) = RuleHarness.Explain(model, input, rows, LrpComposite.AttnLrp);

        double[] wd = [.. w.Select(v => (double)v)];
        var outer = new NaiveEinsum("xi,xj->xij", [1, 4], [1, 4]);
        var contract = new NaiveEinsum("xij,ij->x", [1, 4, 4], [4, 4]);
        var expected = new double[input.Length];
        for (int n = 0; n < rows; n++)
        {
            double[] a = [.. input.Skip(n * 8).Take(4).Select(v => (double)v)];
            double[] c = [.. input.Skip((n * 8) + 4).Take(4).Select(v => (double)v)];
            double[] t = outer.Forward(a, c);
            var (rt, _) = contract.Bilinear(t, wd, [r[n]], bCarries: false);
            var (ra, rc) = outer.Bilinear(a, c, rt, bCarries: true);
            ra.CopyTo(expected, n * 8);
            rc.CopyTo(expected, (n * 8) + 4);
        }

        RuleHarness.AssertMatches(expected, result, "einsum chain");
        Assert.IsGreaterThan(0.0, expected.Sum(Math.Abs), "the reference relevance is not all zero");
    }
}
