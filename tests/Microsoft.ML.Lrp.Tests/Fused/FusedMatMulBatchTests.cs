using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Fused;

/// <summary>
/// com.microsoft FusedMatMul with transBatchA/transBatchB (ONNX Runtime's fusion of a Transpose that moves the first
/// axis behind the batch axes): ONNX Runtime's fused kernel against the decomposed graph and against a naive
/// double-precision product written from the contrib-op definition, and the relevance of the fused node against an
/// explicit Transpose + MatMul twin.
/// </summary>
[TestClass]
public sealed class FusedMatMulBatchTests
{
    /// <summary>A [3, 2, 5, 4] read as [2, 5, 3, 4] (transBatchA) or, with transA, as [2, 5, 4, 3]; B a constant [2, 5, K, 6] or its transBatch/trans forms.</summary>
    [TestMethod]
    [DataRow(false, false, false, false)]
    [DataRow(true, false, false, false)]
    [DataRow(true, true, false, false)]
    [DataRow(false, false, true, false)]
    [DataRow(false, false, true, true)]
    [DataRow(true, true, true, true)]
    public void FusedMatMul_TransBatch_MatchesOnnxRuntimeAndNaiveFormula(bool batchA, bool transA, bool batchB, bool transB)
    {
        // Logical A: [2, 5, M=3, K=4]; logical B: [2, 5, K=4, N=6].
        long[] aShape = Stored([2, 5, 3, 4], batchA, transA);
        long[] bShape = Stored([2, 5, 4, 6], batchB, transB);
        float[] a = new SeededWeights(11).Uniform(120, -1f, 1f);
        float[] w = new SeededWeights(12).Uniform(240, -1f, 1f);
        byte[] model = new OnnxModelBuilder(5)
            .Input("a", [.. aShape.Cast<object>()]).Output("y")
            .Initializer("b", w, bShape)
            .MicrosoftNode("FusedMatMul", ["a", "b"], ["y"], "fmm", ("transA", transA ? 1L : 0L), ("transB", transB ? 1L : 0L), ("transBatchA", batchA ? 1L : 0L), ("transBatchB", batchB ? 1L : 0L), ("alpha", 0.75f))
            .Build();
        var feeds = new Dictionary<string, FeedValue> { ["a"] = new FeedValue(a, aShape) };
        Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(model, feeds, "y"));

        double[] actual = FusedRunner.Run(model, feeds, "y")[0];
        Assert.HasCount(2 * 5 * 3 * 6, actual);
        for (int p = 0; p < 2; p++)
        {
            for (int q = 0; q < 5; q++)
            {
                for (int m = 0; m < 3; m++)
                {
                    for (int n = 0; n < 6; n++)
                    {
                        double sum = 0;
                        for (int k = 0; k < 4; k++)
                        {
                            sum += (double)a[StoredIndex(aShape, p, q, m, k, batchA, transA)] * w[StoredIndex(bShape, p, q, k, n, batchB, transB)];
                        }

                        int i = (((((p * 5) + q) * 3) + m) * 6) + n;
                        Assert.AreEqual(0.75 * sum, actual[i], 1e-5, $"element {i}");
                    }
                }
            }
        }
    }

    /// <summary>
    /// x [N, 4, 6]; A = Transpose(x, [1, 0, 2]) stored [4, N, 6] and read back with transBatchA; B = Relu(x) read with
    /// transB (no declared shapes: ranks learnt from a run). Twin: the same with explicit Transposes, MatMul and Mul.
    /// </summary>
    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void FusedMatMul_TransBatch_RelevanceEqualsExplicitTwin(bool batchOnB)
    {
        var input = new SeededWeights(3).Uniform(2 * 24, -1f, 1f);
        float[] expected = Explain(Model(fused: false, batchOnB), input);
        float[] actual = Explain(Model(fused: true, batchOnB), input);
        Assert.IsGreaterThan(0f, expected.Max(Math.Abs));
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i], actual[i], 1e-6f * (1f + Math.Abs(expected[i])), $"element {i}");
        }
    }

    [TestMethod]
    public void FusedMatMul_TransBatch_ConservesPerNode()
    {
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = Model(fused: true, batchOnB: true), Composite = LrpComposite.AttnLrp, Target = LrpTarget.Class(5) });
        LrpExplanation result = explainer.Explain(new SeededWeights(4).Uniform(2 * 24, -1f, 1f), 2, conservationReport: true);
        Assert.IsTrue(result.ConservationReport!.Nodes.Any(n => n.DecomposedFrom == "FusedMatMul"), "the decomposed nodes are in the report");
        Assert.IsLessThan(1e-5, result.ConservationReport.MaxRelativeError, "per-node conservation");
        for (int row = 0; row < 2; row++)
        {
            Assert.IsLessThan(1e-4 * Math.Abs(result.SeedTotals[row]), Math.Abs(result.ConservationError(row)), $"row {row}");
        }
    }

    /// <summary>
    /// A = Reshape(Transpose(x), Concat(Unsqueeze(Gather(Shape(x), 1)), [−1, 6])) (a computed shape, as torch exports
    /// multi-head attention; its rank is the length of the shape tensor), B = Tile(Relu(x)) (rank unknown before a run,
    /// the same as A's since transBatch needs equal ranks): the analysis covers every node without running the model.
    /// </summary>
    [TestMethod]
    public void FusedMatMul_TransBatchOnComputedReshape_CoveredWithoutRun()
    {
        byte[] model = new OnnxModelBuilder(1).Opset(17).Input("x", "N", 4, 6).Output("y")
            .Initializer("one", [1L], 1).Initializer("axis0", [0L], 1).Initializer("rest", [-1L, 6L], 2).Initializer("repeats", [1L, 1L, 1L], 3)
            .Node("Transpose", "x", "t", "to_leading", ("perm", new long[] { 1, 0, 2 }))
            .Node("Shape", "x", "s", "shape")
            .Node("Gather", ["s", "one"], ["d"], "dim")
            .Node("Concat", ["d", "rest"], ["target"], "target", ("axis", 0L))
            .Node("Reshape", ["t", "target"], ["a"], "reshape")
            .Node("Relu", "x", "r", "relu")
            .Node("Tile", ["r", "repeats"], ["k"], "tile")
            .MicrosoftNode("FusedMatMul", ["a", "k"], ["y"], "fmm", ("transBatchA", 1L), ("transB", 1L))
            .Build();
        var report = LrpCoverage.Analyze(new LrpOptions { ModelBytes = model, Composite = LrpComposite.AttnLrp });
        Assert.IsGreaterThan(0, report.RelevanceNodes);
        Assert.AreEqual(report.RelevanceNodes, report.CoveredRelevanceNodes);
    }

    /// <summary>Batch-transposed models: A stored [4, N, 6] (transBatchA) or B stored [4, N, 6] read with transBatchB and transB.</summary>
    private static byte[] Model(bool fused, bool batchOnB)
    {
        var b = new OnnxModelBuilder(1).Input("x", "N", 4, 6).Output("y")
            .Node("Relu", "x", "r", "relu")
            .Node("Transpose", "x", "t", "to_leading", ("perm", new long[] { 1, 0, 2 }));
        if (!batchOnB)
        {
            // y = 0.5 · x · rᵀ: [N, 4, 4].
            return fused
                ? b.MicrosoftNode("FusedMatMul", ["t", "r"], ["y"], "fmm", ("transBatchA", 1L), ("transB", 1L), ("alpha", 0.5f)).Build()
                : b.Node("Transpose", "t", "a2", "back", ("perm", new long[] { 1, 0, 2 }))
                    .Node("Transpose", "r", "rt", "rt", ("perm", new long[] { 0, 2, 1 }))
                    .Node("MatMul", ["a2", "rt"], ["p"], "matmul").Node("Mul", ["p", "half"], ["y"], "scale")
                    .Initializer("half", [0.5f]).Build();
        }

        // y = r · (t read as [N, 6, 4]) = r · xᵀ: [N, 4, 4]; perm [1, 2, 0] of the stored [4, N, 6].
        return fused
            ? b.MicrosoftNode("FusedMatMul", ["r", "t"], ["y"], "fmm", ("transBatchB", 1L), ("transB", 1L)).Build()
            : b.Node("Transpose", "t", "b2", "back", ("perm", new long[] { 1, 2, 0 })).Node("MatMul", ["r", "b2"], ["y"], "matmul").Build();
    }

    private static float[] Explain(byte[] model, float[] input)
    {
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = model, Composite = LrpComposite.AttnLrp, Target = LrpTarget.Class(5) });
        return explainer.Explain(input, 2).Relevance;
    }

    /// <summary>The stored shape of a logical [p, q, r, c] operand: transBatch puts r first, trans swaps r and c.</summary>
    private static long[] Stored(long[] logical, bool batch, bool trans)
    {
        long r = trans ? logical[3] : logical[2];
        long c = trans ? logical[2] : logical[3];
        return batch ? [r, logical[0], logical[1], c] : [logical[0], logical[1], r, c];
    }

    /// <summary>The flat index in the stored tensor of logical element [p, q, r, c].</summary>
    private static int StoredIndex(long[] stored, int p, int q, int r, int c, bool batch, bool trans)
    {
        (int first, int last) = trans ? (c, r) : (r, c);
        int[] index = batch ? [first, p, q, last] : [p, q, first, last];
        long flat = 0;
        for (int d = 0; d < 4; d++)
        {
            flat = (flat * stored[d]) + index[d];
        }

        return (int)flat;
    }
}
