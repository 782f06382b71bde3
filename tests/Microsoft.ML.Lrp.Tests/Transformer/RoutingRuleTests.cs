using Microsoft.ML.Lrp.Tests.TestModels;
using static Microsoft.ML.Lrp.Tests.Reference.NaiveTransformerFormulas;

namespace Microsoft.ML.Lrp.Tests.Transformer;

/// <summary>Where, Trilu, CumSum, Expand and the Sin/Cos stop against RULES.md.</summary>
[TestClass]
public sealed class RoutingRuleTests
{
    private const int Rows = 2;

    [TestMethod]
    public void Where_RoutesByCondition_FillAbsorbs()
    {
        // cond = Equal(pattern, 1) from int64 constants: [1, 0, 1, 1, 0, 0].
        var model = new OnnxModelBuilder().Input("input", "N", 6)
            .Initializer("pattern", new long[] { 1, 0, 1, 1, 0, 0 }, 6).Initializer("one_i", new long[] { 1 }, 1).Initializer("fill", [-3f])
            .Node("Equal", ["pattern", "one_i"], ["cond"], "equal")
            .Node("Where", ["cond", "input", "fill"], ["output"], "where")
            .Output("output", "N", 6).Build();
        var input = RuleHarness.Input(Rows * 6, 21);
        var (result, r) = RuleHarness.Explain(model, input, Rows, LrpComposite.AttnLrp);
        long[] pattern = [1, 0, 1, 1, 0, 0];
        var expected = r.Select((v, i) => pattern[i % 6] == 1 ? v : 0).ToArray();
        RuleHarness.AssertMatches(expected, result, "where");
        Assert.AreEqual(r.Where((_, i) => pattern[i % 6] == 0).Sum(), result.Absorbed.Sum(), 1e-5);
    }

    /// <summary>Where on ILGPU's CPU accelerator: audited for residency, so it runs in the pass workspace (whose checks fail any undeclared host access), and matches the CPU backend.</summary>
    [TestMethod]
    [TestCategory("Ilgpu")]
    public void Where_IlgpuCpuAccelerator_ResidentAndMatchesCpu()
    {
        var model = new OnnxModelBuilder().Input("input", "N", 6)
            .Initializer("pattern", new long[] { 1, 0, 1, 1, 0, 0 }, 6).Initializer("one_i", new long[] { 1 }, 1)
            .RandomWeight("w", 6, 6)
            .Node("Equal", ["pattern", "one_i"], ["cond"], "equal")
            .Node("MatMul", ["input", "w"], ["h"], "matmul")
            .Node("Where", ["cond", "h", "input"], ["output"], "where")
            .Output("output", "N", 6).Build();
        RuleHarness.AssertIlgpuResidentMatchesCpu(model, RuleHarness.Input(Rows * 6, 22), Rows);
    }

    /// <summary>Trilu on ILGPU's CPU accelerator, in the pass workspace: the CPU backend's relevance and absorbed relevance.</summary>
    [TestMethod]
    [TestCategory("Ilgpu")]
    [DataRow(0L, 0)]
    [DataRow(1L, -1)]
    public void Trilu_IlgpuCpuAccelerator_ResidentAndMatchesCpu(long upper, int k)
    {
        var model = new OnnxModelBuilder().Opset(14).Input("input", "N", 4, 4).Initializer("k", new long[] { k }).RandomWeight("w", 4, 4)
            .Node("MatMul", ["input", "w"], ["h"], "matmul")
            .Node("Trilu", ["h", "k"], ["output"], "trilu", ("upper", upper))
            .Output("output", "N", 4, 4).Build();
        RuleHarness.AssertIlgpuResidentMatchesCpu(model, RuleHarness.Input(Rows * 16, 23), Rows);
    }

    [TestMethod]
    [DataRow(0L, 0)]
    [DataRow(1L, 1)]
    public void Trilu_RoutesKeptTriangle(long upper, int k)
    {
        var model = new OnnxModelBuilder().Opset(14).Input("input", "N", 4, 4).Initializer("k", new long[] { k })
            .Node("Trilu", ["input", "k"], ["output"], "trilu", ("upper", upper))
            .Output("output", "N", 4, 4).Build();
        var input = RuleHarness.Input(Rows * 16, 22);
        var (result, r) = RuleHarness.Explain(model, input, Rows, LrpComposite.AttnLrp);
        var expected = r.Select((v, i) =>
        {
            int d = (i % 4) - ((i / 4) % 4);
            return (upper == 1 ? d >= k : d <= k) ? v : 0;
        }).ToArray();
        RuleHarness.AssertMatches(expected, result, "trilu");
    }

    [TestMethod]
    [DataRow(0L, 0L)]
    [DataRow(1L, 0L)]
    [DataRow(0L, 1L)]
    [DataRow(1L, 1L)]
    public void CumSum_IsNormOverPrefixWindows(long exclusive, long reverse)
    {
        var model = new OnnxModelBuilder().Input("input", "N", 5).Initializer("axis", new long[] { 1 })
            .Node("CumSum", ["input", "axis"], ["output"], "cumsum", ("exclusive", exclusive), ("reverse", reverse))
            .Output("output", "N", 5).Build();
        var input = RuleHarness.Input(Rows * 5, 23).Select(v => v + 1.5f).ToArray();
        var (result, r) = RuleHarness.Explain(model, input, Rows, LrpComposite.AttnLrp);
        var expected = CumSumRelevance(input.Select(v => (double)v).ToArray(), r, 5, exclusive == 1, reverse == 1);
        RuleHarness.AssertMatches(expected, result, "cumsum");
    }

    /// <summary>CumSum between two MatMuls (its relevance lives on the device) on ILGPU's CPU accelerator, in the pass workspace: the CPU backend's relevance and absorbed relevance (last axis, and a middle axis with inner lines).</summary>
    [TestMethod]
    [TestCategory("Ilgpu")]
    [DataRow(0L, 0L, 2L)]
    [DataRow(1L, 1L, 2L)]
    [DataRow(0L, 1L, 1L)]
    [DataRow(1L, 0L, 1L)]
    public void CumSum_IlgpuCpuAccelerator_ResidentAndMatchesCpu(long exclusive, long reverse, long axis)
    {
        var model = new OnnxModelBuilder().Input("input", "N", 3, 4).Initializer("axis", new long[] { axis }).RandomWeight("w", 4, 4).RandomWeight("w2", 4, 4)
            .Node("MatMul", ["input", "w"], ["h"], "matmul")
            .Node("CumSum", ["h", "axis"], ["sums"], "cumsum", ("exclusive", exclusive), ("reverse", reverse))
            .Node("MatMul", ["sums", "w2"], ["output"], "after")
            .Output("output", "N", 3, 4).Build();
        RuleHarness.AssertIlgpuResidentMatchesCpu(model, RuleHarness.Input(Rows * 12, 26).Select(v => v + 1.5f).ToArray(), Rows);
    }

    [TestMethod]
    public void Expand_SumsRelevanceOverCopies()
    {
        var model = new OnnxModelBuilder().Input("input", "N", 1, 4).Initializer("shape", new long[] { 1, 3, 4 }, 3)
            .Node("Expand", ["input", "shape"], ["output"], "expand")
            .Output("output", "N", 3, 4).Build();
        var input = RuleHarness.Input(Rows * 4, 24);
        var (result, r) = RuleHarness.Explain(model, input, Rows, LrpComposite.AttnLrp);
        var expected = input.Select((_, i) => Enumerable.Range(0, 3).Sum(c => r[((i / 4) * 12) + (c * 4) + (i % 4)])).ToArray();
        RuleHarness.AssertMatches(expected, result, "expand");
    }

    [TestMethod]
    [DataRow("Sin")]
    [DataRow("Cos")]
    public void SinCos_CarryNoRelevance(string op)
    {
        var model = new OnnxModelBuilder().Input("input", "N", 4)
            .Node(op, "input", "wave", "wave")
            .Node("Add", ["input", "wave"], ["output"], "add")
            .Output("output", "N", 4).Build();
        var input = RuleHarness.Input(Rows * 4, 25);
        var (result, r) = RuleHarness.Explain(model, input, Rows, LrpComposite.AttnLrp);
        var expected = input.Select((x, i) =>
        {
            double wave = op == "Sin" ? Math.Sin(x) : Math.Cos(x);
            return x * r[i] / Stab(x + wave);
        }).ToArray();
        RuleHarness.AssertMatches(expected, result, op);
        Assert.AreEqual(r.Sum() - expected.Sum(), result.Absorbed.Sum(), 1e-4);
    }
}
