using Microsoft.ML.Lrp.Rules.Indexing;
using Microsoft.ML.Lrp.Tests.TestModels;
using Microsoft.ML.Lrp.Tests.Transformer;

namespace Microsoft.ML.Lrp.Tests.Rules;

/// <summary>TopK, GatherElements, GatherND, ScatterElements and ScatterND against naive loops over the ONNX definitions.</summary>
[TestClass]
public sealed class IndexingRuleTests
{
    private const int Rows = 3;

    /// <summary>input [N, 6] → TopK(3) → output [N, 3].</summary>
    internal static byte[] TopKModel(long largest) => new OnnxModelBuilder().Opset(13).Input("input", "N", 6).Initializer("k", new long[] { 3 }, 1)
        .Node("TopK", ["input", "k"], ["output", "indices"], "topk", ("axis", 1L), ("largest", largest))
        .Output("output", "N", 3).Build();

    /// <summary>input [N, 6] → GatherElements(Neg(x), TopK(x, 2).indices) → output [N, 2].</summary>
    internal static byte[] GatherElementsModel() => new OnnxModelBuilder().Opset(13).Input("input", "N", 6).Initializer("k", new long[] { 2 }, 1)
        .Node("TopK", ["input", "k"], ["values", "indices"], "topk", ("axis", 1L))
        .Node("Neg", ["input"], ["negated"], "neg")
        .Node("GatherElements", ["negated", "indices"], ["output"], "gather", ("axis", 1L))
        .Output("output", "N", 2).Build();

    /// <summary>input [N, 4, 3] → GatherND(x, ArgMax(x), batch_dims 1) → output [N, 4, 3].</summary>
    internal static byte[] GatherNdModel() => new OnnxModelBuilder().Opset(13).Input("input", "N", 4, 3)
        .Node("ArgMax", ["input"], ["idx"], "argmax", ("axis", 2L), ("keepdims", 1L))
        .Node("GatherND", ["input", "idx"], ["output"], "gathernd", ("batch_dims", 1L))
        .Output("output", "N", 4, 3).Build();

    /// <summary>input [N, 5] → ScatterElements(x, TopK(x, 2).indices, x[:, 0:2]) → output [N, 5].</summary>
    internal static byte[] ScatterElementsModel(string reduction) => new OnnxModelBuilder().Opset(16).Input("input", "N", 5).Initializer("k", new long[] { 2 }, 1)
        .Initializer("starts", new long[] { 0 }, 1).Initializer("ends", new long[] { 2 }, 1).Initializer("axes", new long[] { 1 }, 1)
        .Node("TopK", ["input", "k"], ["values", "indices"], "topk", ("axis", 1L))
        .Node("Slice", ["input", "starts", "ends", "axes"], ["updates"], "slice")
        .Node("ScatterElements", ["input", "indices", "updates"], ["output"], "scatter", ("axis", 1L), ("reduction", reduction))
        .Output("output", "N", 5).Build();

    [TestMethod]
    [DataRow(1L)]
    [DataRow(0L)]
    public void TopK_RoutesValueRelevanceToSelectedElements(long largest)
    {
        var model = TopKModel(largest);
        var input = RuleHarness.Input(Rows * 6, 31);
        var (result, r) = RuleHarness.Explain(model, input, Rows, LrpComposite.Epsilon);
        var expected = new double[input.Length];
        for (int n = 0; n < Rows; n++)
        {
            var order = NaiveTopK(input.AsSpan(n * 6, 6).ToArray(), 3, largest == 1);
            for (int t = 0; t < 3; t++)
            {
                expected[(n * 6) + order[t]] += r[(n * 3) + t];
            }
        }

        RuleHarness.AssertMatches(expected, result, "topk");
    }

    [TestMethod]
    public void GatherElements_IndicesFromTopK_RoutesToGatheredElements()
    {
        // y = GatherElements(Neg(x), TopK(x).indices): the smallest of -x at the positions of the largest of x.
        var model = GatherElementsModel();
        var input = RuleHarness.Input(Rows * 6, 32);
        var (result, r) = RuleHarness.Explain(model, input, Rows, LrpComposite.Epsilon);
        var expected = new double[input.Length];
        for (int n = 0; n < Rows; n++)
        {
            var order = NaiveTopK(input.AsSpan(n * 6, 6).ToArray(), 2, largest: true);
            for (int t = 0; t < 2; t++)
            {
                expected[(n * 6) + order[t]] += r[(n * 2) + t];
            }
        }

        RuleHarness.AssertMatches(expected, result, "gather elements");
    }

    [TestMethod]
    public void GatherNd_BatchDimsOne_RoutesSlices()
    {
        // idx[n, m, 0] = argmax over the last axis (values 0..2) selects row idx of x[n] (4 rows of 3).
        var model = GatherNdModel();
        var input = RuleHarness.Input(Rows * 12, 33);
        var (result, r) = RuleHarness.Explain(model, input, Rows, LrpComposite.Epsilon);
        var expected = new double[input.Length];
        for (int n = 0; n < Rows; n++)
        {
            for (int m = 0; m < 4; m++)
            {
                var row = input.AsSpan((n * 12) + (m * 3), 3).ToArray();
                int pick = Array.IndexOf(row, row.Max());
                for (int e = 0; e < 3; e++)
                {
                    expected[(n * 12) + (pick * 3) + e] += r[(n * 12) + (m * 3) + e];
                }
            }
        }

        RuleHarness.AssertMatches(expected, result, "gather nd");
    }

    [TestMethod]
    [DataRow("none")]
    [DataRow("add")]
    public void ScatterElements_UpdatesAtTopKPositions_MatchesNaive(string reduction)
    {
        // y = ScatterElements(x, TopK(x, 2).indices, x[:, 0:2], axis 1).
        var model = ScatterElementsModel(reduction);
        var input = RuleHarness.Input(Rows * 5, 34);
        var (result, r) = RuleHarness.Explain(model, input, Rows, LrpComposite.Epsilon);
        var expected = new double[input.Length];
        for (int n = 0; n < Rows; n++)
        {
            var x = input.AsSpan(n * 5, 5).ToArray().Select(v => (double)v).ToArray();
            var idx = NaiveTopK(input.AsSpan(n * 5, 5).ToArray(), 2, largest: true);
            var z = (double[])x.Clone();
            for (int t = 0; t < 2; t++)
            {
                z[idx[t]] = reduction == "add" ? z[idx[t]] + x[t] : x[t];
            }

            for (int j = 0; j < 5; j++)
            {
                double rj = r[(n * 5) + j];
                if (reduction == "add")
                {
                    double s = rj / (z[j] + (z[j] >= 0 ? 1e-6 : -1e-6));
                    expected[(n * 5) + j] += x[j] * s;
                    for (int t = 0; t < 2; t++)
                    {
                        if (idx[t] == j)
                        {
                            expected[(n * 5) + t] += x[t] * s;
                        }
                    }
                }
                else
                {
                    int writer = Array.IndexOf(idx, j);
                    expected[(n * 5) + (writer >= 0 ? writer : j)] += rj;
                }
            }
        }

        RuleHarness.AssertMatches(expected, result, $"scatter elements ({reduction})");
    }

    /// <summary>
    /// The indexing ops between two MatMuls (the relevance they route is computed on the device, where the workspace
    /// poisons its host copy) on ILGPU's CPU accelerator:
    /// audited for residency, they run in the pass workspace, whose checks fail any undeclared host access, and give
    /// the CPU backend's relevance and absorbed relevance.
    /// </summary>
    [TestMethod]
    [TestCategory("Ilgpu")]
    [DataRow("TopK")]
    [DataRow("GatherElements")]
    [DataRow("GatherND")]
    [DataRow("none")]
    [DataRow("add")]
    public void Indexing_IlgpuCpuAccelerator_ResidentAndMatchesCpu(string op)
    {
        var builder = new OnnxModelBuilder().Opset(16).Initializer("k", new long[] { 2 }, 1);
        int length;
        if (op == "GatherND")
        {
            length = 12;
            builder.Input("input", "N", 4, 3).RandomWeight("w", 3, 3).RandomWeight("w2", 3, 3)
                .Node("MatMul", ["input", "w"], ["h"], "matmul")
                .Node("ArgMax", ["h"], ["idx"], "argmax", ("axis", 2L), ("keepdims", 1L))
                .Node("GatherND", ["h", "idx"], ["picked"], "gathernd", ("batch_dims", 1L))
                .Node("MatMul", ["picked", "w2"], ["output"], "after")
                .Output("output", "N", 4, 3);
        }
        else
        {
            length = 5;
            builder.Input("input", "N", 5).RandomWeight("w", 5, 5)
                .Node("MatMul", ["input", "w"], ["h"], "matmul")
                .Node("TopK", ["h", "k"], ["values", "indices"], "topk", ("axis", 1L));
            int width = op is "TopK" or "GatherElements" ? 2 : 5;
            builder.RandomWeight("w2", width, width);
            _ = op switch
            {
                "TopK" => builder,
                "GatherElements" => builder.Node("Neg", ["h"], ["negated"], "neg")
                    .Node("GatherElements", ["negated", "indices"], ["picked"], "gather", ("axis", 1L)),
                _ => builder.Initializer("starts", new long[] { 0 }, 1).Initializer("ends", new long[] { 2 }, 1).Initializer("axes", new long[] { 1 }, 1)
                    .Node("Slice", ["h", "starts", "ends", "axes"], ["updates"], "slice")
                    .Node("ScatterElements", ["h", "indices", "updates"], ["picked"], "scatter", ("axis", 1L), ("reduction", op)),
            };
            builder.Node("MatMul", [op == "TopK" ? "values" : "picked", "w2"], ["output"], "after").Output("output", "N", width);
        }

        RuleHarness.AssertIlgpuResidentMatchesCpu(builder.Build(), RuleHarness.Input(Rows * length, 35), Rows);
    }

    [TestMethod]
    public void ScatterElements_MulReduction_IsRefusedNamingTheNode()
    {
        var model = new OnnxModelBuilder().Opset(16).Input("input", "N", 5).Initializer("k", new long[] { 2 }, 1)
            .Initializer("starts", new long[] { 0 }, 1).Initializer("ends", new long[] { 2 }, 1).Initializer("axes", new long[] { 1 }, 1)
            .Node("TopK", ["input", "k"], ["values", "indices"], "topk", ("axis", 1L))
            .Node("Slice", ["input", "starts", "ends", "axes"], ["updates"], "slice")
            .Node("ScatterElements", ["input", "indices", "updates"], ["output"], "scatter_mul", ("axis", 1L), ("reduction", "mul"))
            .Output("output", "N", 5).Build();
        var error = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(new LrpOptions { ModelBytes = model }));
        StringAssert.Contains(error.Message, "scatter_mul");
        StringAssert.Contains(error.Message, "reduction 'mul'");
    }

    [TestMethod]
    public void GatherNdMap_BatchDimsZero_TuplesOfTwo_MatchesNaive()
    {
        int[] dataShape = [3, 4, 2];
        long[] indices = [0, 1, 2, -1, 1, 0];  // three tuples (i, j) selecting data[i, j, :]
        var map = IndexingMaps.GatherNd(dataShape, indices, [3, 2], 0);
        var expected = new List<int>();
        for (int t = 0; t < 3; t++)
        {
            long i = indices[2 * t], j = indices[(2 * t) + 1];
            j = j < 0 ? j + 4 : j;
            for (int e = 0; e < 2; e++)
            {
                expected.Add((int)((i * 8) + (j * 2) + e));
            }
        }

        CollectionAssert.AreEqual(expected.ToArray(), map);
    }

    [TestMethod]
    public void GatherElementsMap_IndexOutOfRange_ThrowsNamingTheOp()
    {
        var error = Assert.ThrowsExactly<LrpException>(() => IndexingMaps.GatherElements([2, 3], [0, 5], [1, 2], 1));
        StringAssert.Contains(error.Message, "GatherElements");
    }

    /// <summary>Indices of the k largest (or smallest) values, ties to the lower index, in order.</summary>
    private static int[] NaiveTopK(float[] values, int k, bool largest)
    {
        var order = Enumerable.Range(0, values.Length).ToList();
        order.Sort((a, b) =>
        {
            int c = largest ? values[b].CompareTo(values[a]) : values[a].CompareTo(values[b]);
            return c != 0 ? c : a.CompareTo(b);
        });
        return order.Take(k).ToArray();
    }
}
