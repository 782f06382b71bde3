using Microsoft.ML.Lrp.Tests.TestModels;
using static Microsoft.ML.Lrp.Tests.Reference.NaiveTransformerFormulas;

namespace Microsoft.ML.Lrp.Tests.Transformer;

/// <summary>MatMul of two activations, Softmax inside the network, and two-operand Einsum against the formulas of RULES.md.</summary>
[TestClass]
public sealed class BilinearRuleTests
{
    // Input [N, 3, 3, 4] split on axis 1 into A [N, 2, 3, 4] and Bᵀ [N, 1, 3, 4]; B = Transpose → [N, 1, 4, 3], broadcast over axis 1.
    internal static byte[] MatMulModel(bool einsum)
    {
        var b = new OnnxModelBuilder().Input("input", "N", 3, 3, 4).Initializer("split", new long[] { 2, 1 }, 2)
            .Node("Split", ["input", "split"], ["a", "bt"], "split", ("axis", 1));
        if (einsum)
        {
            b.Node("Einsum", ["a", "bt"], ["output"], "einsum", ("equation", "nhqd,nxkd->nhqk"));
        }
        else
        {
            b.Node("Transpose", "bt", "b", "transpose", ("perm", new[] { 0, 1, 3, 2 }))
                .Node("MatMul", ["a", "b"], ["output"], "matmul");
        }

        return b.Output("output", "N", 2, 3, 3).Build();
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void BilinearMatMul_BroadcastHeads_MatchesUniformFormula(bool einsum)
    {
        const int rows = 2;
        var input = RuleHarness.Input(rows * 36, 1);
        var (result, r) = RuleHarness.Explain(MatMulModel(einsum), input, rows, LrpComposite.AttnLrp);
        var expected = new double[input.Length];
        for (int n = 0; n < rows; n++)
        {
            var a = input.Skip(n * 36).Take(24).Select(v => (double)v).ToArray();
            var bt = input.Skip((n * 36) + 24).Take(12).Select(v => (double)v).ToArray();
            var bm = new double[12];
            for (int q = 0; q < 4; q++)
            {
                for (int j = 0; j < 3; j++)
                {
                    bm[(q * 3) + j] = bt[(j * 4) + q];
                }
            }

            var (ra, rb) = BilinearMatMul(a, bm, r.Skip(n * 18).Take(18).ToArray(), 2, 3, 4, 3, _ => 0, aCarries: true);
            ra.CopyTo(expected, n * 36);
            for (int q = 0; q < 4; q++)
            {
                for (int j = 0; j < 3; j++)
                {
                    expected[(n * 36) + 24 + (j * 4) + q] = rb[(q * 3) + j];
                }
            }
        }

        RuleHarness.AssertMatches(expected, result, einsum ? "einsum" : "matmul");
        Assert.AreEqual(r.Sum(), result.Relevance.Sum() + result.Absorbed.Sum(), 1e-4 * Math.Abs(r.Sum()) + 1e-6);
    }

    // Input [N, 2, 3, 3] split into logits X [N, 1, 3, 3] (one masked with −1e9) and V [N, 1, 3, 3]; A = Softmax(X); Z = A·V.
    internal static byte[] AttentionCoreModel() => new OnnxModelBuilder().Input("input", "N", 2, 3, 3).Initializer("split", new long[] { 1, 1 }, 2)
        .Node("Split", ["input", "split"], ["x", "v"], "split", ("axis", 1))
        .Node("Softmax", "x", "attn", "softmax", ("axis", -1))
        .Node("MatMul", ["attn", "v"], ["output"], "context")
        .Output("output", "N", 1, 3, 3).Build();

    [TestMethod]
    [DataRow(LrpComposite.AttnLrp)]
    [DataRow(LrpComposite.CpLrp)]
    public void SoftmaxThenMatMul_MaskedLogit_MatchesAttnLrpOrCpLrp(LrpComposite composite)
    {
        const int rows = 2;
        var input = RuleHarness.Input(rows * 18, 2);
        input[4] = -1e9f;   // row 0, query 1, key 1 masked
        var (result, r) = RuleHarness.Explain(AttentionCoreModel(), input, rows, composite);
        var expected = new double[input.Length];
        for (int n = 0; n < rows; n++)
        {
            var x = input.Skip(n * 18).Take(9).Select(v => (double)v).ToArray();
            var v = input.Skip((n * 18) + 9).Take(9).Select(v => (double)v).ToArray();
            var a = Softmax(x, 3);
            bool cp = composite == LrpComposite.CpLrp;
            var (ra, rv) = BilinearMatMul(a, v, r.Skip(n * 9).Take(9).ToArray(), 1, 3, 3, 3, _ => 0, aCarries: !cp);
            var rx = cp ? new double[9] : SoftmaxRelevance(x, ra, 3);
            rx.CopyTo(expected, n * 18);
            rv.CopyTo(expected, (n * 18) + 9);
        }

        RuleHarness.AssertMatches(expected, result, composite.ToString());
        Assert.AreEqual(0f, result.Relevance[4], "a masked logit gets exactly 0");
    }

    [TestMethod]
    public void Einsum_ConstantOperand_IsEpsilon()
    {
        var w = new SeededWeights(5).Uniform(12, -1f, 1f);
        var model = new OnnxModelBuilder().Opset(12).Input("input", "N", 2, 4).Initializer("W", w, 4, 3)
            .Node("Einsum", ["input", "W"], ["output"], "einsum", ("equation", "nsd,de->nse"))
            .Output("output", "N", 2, 3).Build();
        var input = RuleHarness.Input(2 * 8, 3);
        var (result, r) = RuleHarness.Explain(model, input, 2, LrpComposite.AttnLrp);
        var wd = w.Select(v => (double)v).ToArray();
        var expected = new double[input.Length];
        for (int p = 0; p < 4; p++)
        {
            var x = input.Skip(p * 4).Take(4).Select(v => (double)v).ToArray();
            // Epsilon with W constant: R_x = x ⊙ W·s, s = R / stab(z).
            for (int d = 0; d < 4; d++)
            {
                double acc = 0;
                for (int e = 0; e < 3; e++)
                {
                    double z = Enumerable.Range(0, 4).Sum(k => x[k] * wd[(k * 3) + e]);
                    acc += wd[(d * 3) + e] * r[(p * 3) + e] / Stab(z);
                }

                expected[(p * 4) + d] = x[d] * acc;
            }
        }

        RuleHarness.AssertMatches(expected, result, "einsum-constant");
    }

    /// <summary>
    /// Two-operand Einsum between MatMuls (its relevance and operands come from the device) on ILGPU's CPU accelerator,
    /// in the pass workspace (a contraction of two activations, a diagonal, letters summed within one operand, a
    /// constant operand): the CPU backend's relevance and absorbed relevance.
    /// </summary>
    [TestMethod]
    [TestCategory("Ilgpu")]
    [DataRow("nij,nkj->nik", 4)]
    [DataRow("nii,nij->nj", 1)]
    [DataRow("nij,nkl->nik", 4)]
    [DataRow("nij,jk->nik", 4)]
    public void Einsum_IlgpuCpuAccelerator_ResidentAndMatchesCpu(string equation, int outRows)
    {
        bool constant = equation.Split(',')[1].StartsWith('j');
        var builder = new OnnxModelBuilder().Opset(12).Input("input", "N", 4, 4).RandomWeight("w", 4, 4).RandomWeight("w2", 4, 4)
            .Node("MatMul", ["input", "w"], ["h"], "matmul");
        string second = constant ? "W" : "h2";
        _ = constant ? builder.RandomWeight("W", 4, 4) : builder.RandomWeight("w3", 4, 4).Node("MatMul", ["input", "w3"], ["h2"], "matmul2");
        var model = builder.Node("Einsum", ["h", second], ["e"], "einsum", ("equation", equation))
            .Node("MatMul", ["e", "w2"], ["output"], "after")
            .Output("output", outRows == 1 ? ["N", 4] : ["N", outRows, 4]).Build();
        RuleHarness.AssertIlgpuResidentMatchesCpu(model, RuleHarness.Input(2 * 16, 37), 2, LrpComposite.AttnLrp);
    }

    [TestMethod]
    public void Softmax_Opset11InsideNetwork_CoercesToTwoDimensions()
    {
        var model = new OnnxModelBuilder().Opset(11).Input("input", "N", 2, 3).Initializer("two", [2f])
            .Node("Softmax", "input", "s", "softmax", ("axis", 1))
            .Node("Mul", ["s", "two"], ["output"], "scale")
            .Output("output", "N", 2, 3).Build();
        var input = RuleHarness.Input(2 * 6, 4);
        var (result, r) = RuleHarness.Explain(model, input, 2, LrpComposite.AttnLrp);
        RuleHarness.AssertMatches(SoftmaxRelevance(input.Select(v => (double)v).ToArray(), r, 6), result, "softmax opset 11");
    }

    [TestMethod]
    public void Softmax_NegativeInfinityMask_MaskedLogitsZeroEverythingFinite()
    {
        float ninf = float.NegativeInfinity;
        var model = new OnnxModelBuilder().Input("input", "N", 2, 3, 3).Initializer("split", new long[] { 1, 1 }, 2)
            .Initializer("mask", [0f, ninf, ninf, 0f, 0f, ninf, 0f, 0f, 0f], 3, 3)
            .Node("Split", ["input", "split"], ["x", "v"], "split", ("axis", 1))
            .Node("Add", ["x", "mask"], ["xm"], "mask")
            .Node("Softmax", "xm", "attn", "softmax", ("axis", -1))
            .Node("MatMul", ["attn", "v"], ["output"], "context")
            .Output("output", "N", 1, 3, 3).Build();
        var (result, _) = RuleHarness.Explain(model, RuleHarness.Input(36, 3), 2, LrpComposite.AttnLrp);
        Assert.IsTrue(result.Relevance.All(float.IsFinite) && result.Absorbed.All(float.IsFinite), "finite");
        foreach (int masked in new[] { 1, 2, 5 })
        {
            Assert.AreEqual(0f, result.Relevance[masked], $"masked logit {masked}");
            Assert.AreEqual(0f, result.Relevance[18 + masked], $"masked logit {masked}, row 1");
        }

        Assert.IsLessThan(1e-4, result.ConservationReport!.MaxRelativeError);
    }
}
