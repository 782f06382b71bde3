using Microsoft.ML.Lrp.Tests.TestModels;
using Microsoft.ML.Lrp.Tests.Transformer;
using static Microsoft.ML.Lrp.Tests.Elementwise.NaiveElementwise;

namespace Microsoft.ML.Lrp.Tests.Elementwise;

/// <summary>Max, Min (winner takes all per element) and Mean (Norm) of broadcast operands against the naive reference.</summary>
[TestClass]
public sealed class ElementwiseWinnerTests
{
    private const int Rows = 2;

    // A row with ties: p0 = q0 (max at (0,0)), p2 = q3 (max at (2,3)), p1 = q1 = k1 (three-way at (1,1), one a
    // constant), q1 = k1 (min at (0,1): an activation and the constant share it).
    private static readonly float[] TieRow = [0.5f, -0.2f, 0.3f, 0.5f, -0.2f, -0.9f, 0.3f];

    private static readonly float[] Floor = [0.3f, -0.2f, -0.5f, 0.2f];

    /// <summary>input [N, 7] → p [N, 3, 1], q [N, 1, 4] → op(p, q, k[4]) → [N, 3, 4].</summary>
    private static byte[] BroadcastModel(string op) => new OnnxModelBuilder().Input("input", "N", 7)
        .Initializer("split", new long[] { 3, 4 }, 2).Initializer("axis2", new long[] { 2 }, 1).Initializer("axis1", new long[] { 1 }, 1)
        .Initializer("k", Floor, 4)
        .Node("Split", ["input", "split"], ["p", "q"], "split", ("axis", 1))
        .Node("Unsqueeze", ["p", "axis2"], ["p3"], "p_column").Node("Unsqueeze", ["q", "axis1"], ["q4"], "q_row")
        .Node(op, ["p3", "q4", "k"], ["output"], "combine")
        .Output("output", "N", 3, 4).Build();

    private static float[] Input() => [.. TieRow, .. RuleHarness.Input(7, 41)];

    private static List<Operand> Operands(float[] input, int row)
    {
        var x = input.Skip(row * 7).Take(7).Select(v => (double)v).ToArray();
        return [new(x[..3], [3, 1], true), new(x[3..], [1, 4], true), new(Floor.Select(v => (double)v).ToArray(), [4], false)];
    }

    [TestMethod]
    [DataRow("Max")]
    [DataRow("Min")]
    public void MaxMin_BroadcastWithConstantAndTies_MatchesNaiveWinnerTakesAll(string op)
    {
        var input = Input();
        var (result, r) = RuleHarness.Explain(BroadcastModel(op), input, Rows, LrpComposite.Epsilon);
        var expected = new List<double>();
        double absorbed = 0;
        for (int row = 0; row < Rows; row++)
        {
            var (relevance, rowAbsorbed) = WinnerPerElement(Operands(input, row), [3, 4], r.Skip(row * 12).Take(12).ToArray(), op == "Max");
            expected.AddRange(relevance[0]);
            expected.AddRange(relevance[1]);
            absorbed += rowAbsorbed;
        }

        RuleHarness.AssertMatches([.. expected], result, op, 1e-6);
        Assert.AreEqual(absorbed, result.Absorbed.Sum(), 1e-5, $"{op}: the constant's winning share is absorbed");
        Assert.IsGreaterThan(1e-3, Math.Abs(absorbed), $"{op}: the constant wins somewhere");
    }

    [TestMethod]
    public void Max_TiedOperands_SplitEqually()
    {
        // Row 0, element (0,0): p0 = q0 = 0.5 beat k0 = 0.3, so p0 and q0 take half of R[0,0] each from that element.
        var input = Input();
        var (result, r) = RuleHarness.Explain(BroadcastModel("Max"), input, Rows, LrpComposite.Epsilon);
        var (relevance, _) = WinnerPerElement(Operands(input, 0), [3, 4], r.Take(12).ToArray(), max: true);
        Assert.AreEqual(relevance[0][0], result.Relevance[0], 1e-6, "p0");
        Assert.AreEqual(relevance[1][0], result.Relevance[3], 1e-6, "q0");
        // q0 wins (0,0) half and (1,0), (2,0) whole: r[0]/2 + r[4] + r[8].
        Assert.AreEqual((r[0] / 2) + r[4] + r[8], result.Relevance[3], 1e-6, "q0 by hand");
    }

    [TestMethod]
    public void Mean_BroadcastWithConstant_MatchesNaiveNorm()
    {
        var input = Input();
        var (result, r) = RuleHarness.Explain(BroadcastModel("Mean"), input, Rows, LrpComposite.Epsilon);
        var expected = new List<double>();
        for (int row = 0; row < Rows; row++)
        {
            var relevance = Mean(Operands(input, row), [3, 4], r.Skip(row * 12).Take(12).ToArray(), 1e-6);
            expected.AddRange(relevance[0]);
            expected.AddRange(relevance[1]);
        }

        RuleHarness.AssertMatches([.. expected], result, "Mean", 1e-5);
    }

    [TestMethod]
    public void Mean_LargeStabiliser_ScaledLikeTheMean()
    {
        const double stabiliser = 0.05;
        var model = new OnnxModelBuilder().Input("input", "N", 8).Initializer("split", new long[] { 4, 4 }, 2)
            .Node("Split", ["input", "split"], ["a", "b"], "split", ("axis", 1))
            .Node("Mean", ["a", "b"], ["output"], "mean").Output("output", "N", 4).Build();
        var input = RuleHarness.Input(Rows * 8, 42);
        var direction = RuleHarness.Input(4, 43);
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = model, Epsilon = (float)stabiliser, Target = LrpTarget.Direction(direction) });
        var result = explainer.Explain(input, Rows, null, null, conservationReport: true);
        var expected = new List<double>();
        for (int row = 0; row < Rows; row++)
        {
            var x = input.Skip(row * 8).Take(8).Select(v => (double)v).ToArray();
            var r = result.Output.Skip(row * 4).Take(4).Select((y, i) => (double)y * direction[i]).ToArray();
            var relevance = Mean([new(x[..4], [4], true), new(x[4..], [4], true)], [4], r, stabiliser);
            expected.AddRange(relevance[0]);
            expected.AddRange(relevance[1]);
        }

        RuleHarness.AssertMatches([.. expected], result, "Mean, ε = 0.05", 1e-5);
    }

    [TestMethod]
    public void Max_SingleOperand_IsPass()
    {
        var model = new OnnxModelBuilder().Input("input", "N", 5).Node("Max", "input", "output", "max1").Output("output", "N", 5).Build();
        var input = RuleHarness.Input(Rows * 5, 44);
        var (result, r) = RuleHarness.Explain(model, input, Rows, LrpComposite.Epsilon);
        RuleHarness.AssertMatches(r, result, "Max of one operand", 1e-6);
    }
}
