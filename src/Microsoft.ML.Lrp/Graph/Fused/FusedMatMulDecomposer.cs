using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Graph.Fused;

/// <summary>
/// <c>FusedMatMul(A, B) = alpha · op(A) · op(B)</c>, decomposed into Transpose, MatMul, and Mul by <c>alpha</c> when it
/// is not 1. <c>op</c> is ONNX Runtime's (contrib_ops FusedMatMul, MatMulComputeHelper): with <c>transBatchA</c> the
/// stored operand is <c>[M, b0, …, bn, K]</c> and its first axis moves behind the batch axes (perm
/// <c>[1, …, r−2, 0, r−1]</c>); then <c>transA</c> swaps the last two axes of that (so both together read
/// <c>[K, b0, …, bn, M]</c>, perm <c>[1, …, r−2, r−1, 0]</c>); the same for B. Each operand gets one Transpose with
/// the composed permutation; it needs the operand's rank (from a constant, a declared shape, or learnt by running
/// the model: <see cref="FusedOpDecomposition.ValuesNeedingRank"/>). ONNX Runtime requires rank ≥ 3 and equal ranks
/// when either transBatch attribute is set; the decomposition refuses what it refuses.
/// </summary>
internal sealed class FusedMatMulDecomposer : IFusedOpDecomposer
{
    public IReadOnlyList<string> OpTypes { get; } = ["FusedMatMul"];

    /// <summary>True when operand <paramref name="index"/> (0 = A, 1 = B) of <paramref name="node"/> is permuted before the product.</summary>
    public static bool Permutes(OnnxNode node, int index)
        => node.GetInt(index == 0 ? "transA" : "transB", 0) != 0 || node.GetInt(index == 0 ? "transBatchA" : "transBatchB", 0) != 0;

    public void Decompose(FusedGraphBuilder b)
    {
        bool batchA = b.Fused.GetInt("transBatchA", 0) != 0;
        bool batchB = b.Fused.GetInt("transBatchB", 0) != 0;
        int? rankA = null, rankB = null;
        if (batchA || batchB)
        {
            // ONNX Runtime requires equal ranks here, so one operand's known rank is the other's.
            string attribute = batchA ? "transBatchA" : "transBatchB";
            int? knownA = b.Rank(b.Input(0)), knownB = b.Rank(b.Input(1));
            rankA = knownA ?? knownB ?? KnownRank(b, b.Input(0), attribute);
            rankB = knownB ?? rankA;
            if (rankA < 3 || rankA != rankB)
            {
                throw b.Unsupported($"transBatchA/transBatchB on operands of ranks {rankA} and {rankB}", "They need equal ranks of 3 or more (as ONNX Runtime requires).");
            }
        }

        string a = Operand(b, 0, b.Fused.GetInt("transA", 0) != 0, batchA, rankA);
        string m = Operand(b, 1, b.Fused.GetInt("transB", 0) != 0, batchB, rankB);
        float alpha = b.Fused.GetFloat("alpha", 1f);
        if (alpha == 1f)
        {
            b.MatMul(a, m, b.Output(0));
        }
        else
        {
            b.Mul(b.MatMul(a, m), b.Scalar(alpha), b.Output(0));
        }
    }

    private static string Operand(FusedGraphBuilder b, int index, bool transpose, bool batch, int? knownRank)
    {
        string value = b.Input(index);
        string attribute = (batch ? "transBatch" : "trans") + (index == 0 ? "A" : "B");
        if (!transpose && !batch)
        {
            return value;
        }

        int rank = knownRank ?? KnownRank(b, value, attribute);
        if (rank < 2)
        {
            // ONNX Runtime ignores transA/transB on a vector (numpy's transpose of a 1-D array is itself).
            return value;
        }

        // The stored axes in the order the product reads them: the batch axes, then the matrix axes.
        long[] perm = [.. Enumerable.Range(0, rank).Select(i => (long)i)];
        if (batch)
        {
            perm = [.. Enumerable.Range(1, rank - 2).Select(i => (long)i), 0L, rank - 1];
        }

        if (transpose)
        {
            (perm[rank - 2], perm[rank - 1]) = (perm[rank - 1], perm[rank - 2]);
        }

        return b.Transpose(value, perm);
    }

    private static int KnownRank(FusedGraphBuilder b, string value, string attribute)
        => b.Rank(value)
            ?? throw b.Unsupported($"attribute {attribute}=1 on an operand of unknown rank ('{value}')", "Its rank is learnt when the explainer runs the model; declare the operand's shape in the model (value_info) to analyse it without a run.");
}
