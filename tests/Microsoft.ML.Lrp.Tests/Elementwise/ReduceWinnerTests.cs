using Microsoft.ML.Lrp.Tests.TestModels;
using Microsoft.ML.Lrp.Tests.Transformer;

namespace Microsoft.ML.Lrp.Tests.Elementwise;

/// <summary>ReduceMax / ReduceMin (winner takes all over the reduced axes) against the naive reference.</summary>
[TestClass]
public sealed class ReduceWinnerTests
{
    private const int Rows = 2;

    // Ties in windows of every reduction below: equal maxima and minima along rows and columns.
    private static readonly float[] TieRow = [1f, 1f, 0f, -1f, 0.5f, 0.2f, 0.5f, 1f, -1f, -1f, -1f, -1f];

    private static float[] Input() => [.. TieRow, .. RuleHarness.Input(12, 51)];

    private static byte[] Model(string op, long opset, int[] axes, long keepdims, long noop, object[] outDims)
    {
        var b = new OnnxModelBuilder().Opset(opset).Input("input", "N", 3, 4);
        var attributes = new List<(string Name, object Value)> { ("keepdims", keepdims) };
        string[] inputs = ["input"];
        if (opset >= 18)
        {
            attributes.Add(("noop_with_empty_axes", noop));
            if (axes.Length > 0)
            {
                b.Initializer("axes", axes.Select(a => (long)a).ToArray(), axes.Length);
                inputs = ["input", "axes"];
            }
        }
        else
        {
            attributes.Add(("axes", axes));
        }

        return b.Node(op, inputs, ["output"], "reduce", [.. attributes]).Output("output", ["N", .. outDims]).Build();
    }

    [TestMethod]
    [DataRow("ReduceMax", 13, new[] { 2 }, 1L, 0L, new object[] { 3, 1 })]
    [DataRow("ReduceMax", 13, new[] { 1 }, 0L, 0L, new object[] { 4 })]
    [DataRow("ReduceMax", 13, new[] { -1, 1 }, 0L, 0L, new object[0])]
    [DataRow("ReduceMax", 18, new[] { 1 }, 1L, 0L, new object[] { 1, 4 })]
    [DataRow("ReduceMax", 18, new int[0], 1L, 1L, new object[] { 3, 4 })]
    [DataRow("ReduceMin", 13, new[] { 2 }, 0L, 0L, new object[] { 3 })]
    [DataRow("ReduceMin", 18, new[] { -2 }, 0L, 0L, new object[] { 4 })]
    [DataRow("ReduceMin", 18, new[] { 1, 2 }, 1L, 0L, new object[] { 1, 1 })]
    public void ReduceMaxMin_MatchesNaiveWinnerTakesAll(string op, int opset, int[] axes, long keepdims, long noop, object[] outDims)
    {
        var input = Input();
        var (result, r) = RuleHarness.Explain(Model(op, opset, axes, keepdims, noop, outDims), input, Rows, LrpComposite.Epsilon);
        var reduced = axes.Select(a => a < 0 ? a + 3 : a).ToArray();
        var expected = NaiveElementwise.ReduceWinner(input.Select(v => (double)v).ToArray(), [Rows, 3, 4], reduced, r, op == "ReduceMax");
        RuleHarness.AssertMatches(expected, result, $"{op} axes [{string.Join(",", axes)}] opset {opset}", 1e-6);
        Assert.AreEqual(0.0, result.Absorbed.Sum(), 1e-6, "nothing absorbed: every window has a winner");
    }

    [TestMethod]
    public void ReduceMax_TiedWindow_SplitsEqually()
    {
        // Row 0, axis 2: the first row [1, 1, 0, -1] has two maxima, which take half of R[0, 0] each.
        var input = Input();
        var (result, r) = RuleHarness.Explain(Model("ReduceMax", 13, [2], 1, 0, [3, 1]), input, Rows, LrpComposite.Epsilon);
        Assert.AreEqual(r[0] / 2, result.Relevance[0], 1e-6);
        Assert.AreEqual(r[0] / 2, result.Relevance[1], 1e-6);
        Assert.AreEqual(0.0, result.Relevance[2], 1e-12);
        // The last row [-1, -1, -1, -1]: four-way tie.
        Assert.AreEqual(r[2] / 4, result.Relevance[11], 1e-6);
    }
}
