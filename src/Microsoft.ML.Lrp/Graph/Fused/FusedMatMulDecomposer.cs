namespace Microsoft.ML.Lrp.Graph.Fused;

/// <summary>
/// <c>FusedMatMul(A, B) = alpha · op(A) · op(B)</c> where <c>op</c> swaps the last two axes when
/// <c>transA</c>/<c>transB</c> is set: Transpose (needs the operand's rank, from a constant, a declared shape, or
/// learnt by running the model: <see cref="FusedOpDecomposition.ValuesNeedingRank"/>),
/// MatMul, and Mul by <c>alpha</c> when it is not 1. <c>transBatchA</c>/<c>transBatchB</c> are rejected.
/// </summary>
internal sealed class FusedMatMulDecomposer : IFusedOpDecomposer
{
    public IReadOnlyList<string> OpTypes { get; } = ["FusedMatMul"];

    public void Decompose(FusedGraphBuilder b)
    {
        foreach (string attribute in (string[])["transBatchA", "transBatchB"])
        {
            if (b.Fused.GetInt(attribute, 0) != 0)
            {
                throw b.Unsupported($"attribute {attribute}=1", "Only transA, transB and alpha are supported.");
            }
        }

        string a = Operand(b, b.Input(0), b.Fused.GetInt("transA", 0) != 0, "transA");
        string m = Operand(b, b.Input(1), b.Fused.GetInt("transB", 0) != 0, "transB");
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

    private static string Operand(FusedGraphBuilder b, string value, bool transpose, string attribute)
    {
        if (!transpose)
        {
            return value;
        }

        int rank = b.Rank(value)
            ?? throw b.Unsupported($"attribute {attribute}=1 on an operand of unknown rank ('{value}')", "Its rank is learnt when the explainer runs the model; declare the operand's shape in the model (value_info) to analyse it without a run.");
        if (rank < 2)
        {
            throw b.Unsupported($"attribute {attribute}=1 on an operand of rank {rank}", "Transposition needs rank 2 or more.");
        }

        long[] perm = [.. Enumerable.Range(0, rank).Select(i => (long)i)];
        (perm[rank - 2], perm[rank - 1]) = (perm[rank - 1], perm[rank - 2]);
        return b.Transpose(value, perm);
    }
}
