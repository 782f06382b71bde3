using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.Graph.Fused;

/// <summary>
/// Scaled dot-product attention over projected Q, K, V, written as exporters write it:
/// Reshape/Transpose into heads, <c>MatMul(Q, Kᵀ)</c>, Mul by the scale, Add of the additive masks and biases,
/// Softmax over the keys, <c>MatMul(A, V)</c>, Transpose/Reshape back to (batch, sequence, heads·head).
/// Masks become an additive term that is 0 where a key is visible and <c>mask_filter_value</c> where it is not,
/// computed from the integer mask on a side path (no relevance flows through it).
/// </summary>
internal static class AttentionCore
{
    /// <summary>The attention output of (B, S, ·) queries over (B, L, ·) keys and values into <paramref name="output"/>.</summary>
    public static void Emit(FusedGraphBuilder b, string q, string k, string v, long numHeads, float scale, IReadOnlyList<string> additiveTerms, string output)
    {
        string qh = b.Transpose(b.Reshape(q, [0, 0, numHeads, -1]), [0, 2, 1, 3]);
        string kt = b.Transpose(b.Reshape(k, [0, 0, numHeads, -1]), [0, 2, 3, 1]);
        string vh = b.Transpose(b.Reshape(v, [0, 0, numHeads, -1]), [0, 2, 1, 3]);
        string scores = b.Mul(b.MatMul(qh, kt), b.Scalar(scale));
        foreach (string term in additiveTerms)
        {
            scores = b.Add(scores, term);
        }

        string probabilities = b.Op("Softmax", [scores], null, ("axis", b.Opset >= 13 ? -1L : 3L));
        string context = b.Transpose(b.MatMul(probabilities, vh), [0, 2, 1, 3]);
        b.Reshape(context, [0, 0, -1], output);
    }

    /// <summary>
    /// The additive term of an integer mask: a raw 0/1 mask (B, L) or (B, S, L), or key lengths (B) / end and start
    /// positions (2B) of each row (rank 1). Returns a value broadcastable to (B, heads, S, L).
    /// </summary>
    public static string MaskTerm(FusedGraphBuilder b, string mask, int rank, string query, string key, float filter)
    {
        string zero = b.Scalar(0f);
        string blocked = b.Scalar(filter);
        switch (rank)
        {
            case 2:
                return b.Unsqueeze(b.Op("Where", [b.Op("Greater", [mask, Int32(b, 0)]), zero, blocked]), [1, 2]);
            case 3:
                return b.Unsqueeze(b.Op("Where", [b.Op("Greater", [mask, Int32(b, 0)]), zero, blocked]), [1]);
            default:
                string batch = b.ShapeSlice(query, 0, 1);
                string ends = b.Cast(b.Slice(mask, b.Int64s(0), batch, [0]), OnnxElementType.Int64);
                var zeroInt = new TensorProto { DataType = (int)OnnxElementType.Int32, Dims = { 1 } };
                zeroInt.Int32Data.Add(0);
                string padded = b.Op("Concat", [mask, b.Op("ConstantOfShape", [batch], null, ("value", zeroInt))], null, ("axis", 0L));
                string starts = b.Cast(b.Slice(padded, batch, b.Mul(batch, b.Int64s(2)), [0]), OnnxElementType.Int64);
                string j = b.Unsqueeze(Positions(b, key), [0]);
                string visible = b.Op("And", [
                    b.Op("Less", [j, b.Unsqueeze(ends, [1])]),
                    b.Op("Not", [b.Op("Less", [j, b.Unsqueeze(starts, [1])])])]);
                return b.Unsqueeze(b.Op("Where", [visible, zero, blocked]), [1, 2]);
        }
    }

    /// <summary>The causal term (S, L): <c>filter</c> where key j comes after query i.</summary>
    public static string CausalTerm(FusedGraphBuilder b, string query, string key, float filter)
    {
        string i = b.Unsqueeze(Positions(b, query), [1]);
        string j = b.Unsqueeze(Positions(b, key), [0]);
        return b.Op("Where", [b.Op("Greater", [j, i]), b.Scalar(filter), b.Scalar(0f)]);
    }

    /// <summary>0, 1, … up to the length of axis 1 of <paramref name="x"/> (int64).</summary>
    private static string Positions(FusedGraphBuilder b, string x)
    {
        string length = b.Op("Gather", [b.Op("Shape", [x]), b.Int64Scalar(1)], null, ("axis", 0L));
        return b.Op("Range", [b.Int64Scalar(0), length, b.Int64Scalar(1)]);
    }

    private static string Int32(FusedGraphBuilder b, int value) => b.Cast(b.Int64Scalar(value), OnnxElementType.Int32);
}
