using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Graph.Fused;

/// <summary>
/// Scaled dot-product attention on values already split into heads, (batch, heads, sequence, head) ("BNSH"), for
/// the decompositions with key/value caches and grouped heads: <c>Y = softmax(cap·tanh(s·QKᵀ/cap) + M)·V</c>, where
/// the key/value caches are concatenated in front of the new keys and values, each of the <c>g = N_q / N_kv</c>
/// query heads of a group reads the same key/value head, and the causal mask is aligned to the bottom right
/// (query i sees the keys up to <c>past + i</c>).
/// </summary>
internal static class HeadAttention
{
    /// <summary>A large negative score for blocked keys: finite, so that a sum of a few such terms stays finite and the rules never see infinities.</summary>
    public const float Blocked = float.MinValue / 4;

    /// <summary>(B, S, N·H) → (B, N, S, H).</summary>
    public static string Split(FusedGraphBuilder b, string x, long numHeads)
        => b.Transpose(b.Reshape(x, [0, 0, numHeads, -1]), [0, 2, 1, 3]);

    /// <summary>(B, N, S, H) → (B, S, N·H), written to <paramref name="output"/>.</summary>
    public static string Merge(FusedGraphBuilder b, string heads, string output)
        => b.Reshape(b.Transpose(heads, [0, 2, 1, 3]), [0, 0, -1], output);

    /// <summary>The cache followed by the new heads along the sequence axis (axis 2); <paramref name="output"/> names it when the present state is read.</summary>
    public static string AppendToCache(FusedGraphBuilder b, string past, string heads, string? output)
        => past.Length == 0 ? (output is null ? heads : b.Op("Identity", [heads], output))
            : b.Op("Concat", [past, heads], output, ("axis", 2L));

    /// <summary>Each key/value head repeated for the <paramref name="queryHeads"/>/<paramref name="kvHeads"/> query heads of its group (a Gather on axis 1).</summary>
    public static string Repeat(FusedGraphBuilder b, string heads, long kvHeads, long queryHeads)
    {
        if (kvHeads == queryHeads)
        {
            return heads;
        }

        long group = queryHeads / kvHeads;
        long[] indices = [.. Enumerable.Range(0, (int)queryHeads).Select(i => i / group)];
        return b.Op("Gather", [heads, b.Int64s(indices)], null, ("axis", 1L));
    }

    /// <summary><c>scale · Q Kᵀ</c>, (B, N, S, L).</summary>
    public static string Scores(FusedGraphBuilder b, string queryHeads, string keyHeads, float scale)
        => b.Mul(b.MatMul(queryHeads, b.Transpose(keyHeads, [0, 1, 3, 2])), b.Scalar(scale));

    /// <summary><c>cap · tanh(x / cap)</c>.</summary>
    public static string Softcap(FusedGraphBuilder b, string scores, float cap)
        => b.Mul(b.Op("Tanh", [b.Div(scores, b.Scalar(cap))]), b.Scalar(cap));

    /// <summary>The (S, L) term that blocks key j for query i when <c>j &gt; i + L − S</c>.</summary>
    public static string Causal(FusedGraphBuilder b, string queryHeads, string keyHeads)
    {
        string s = Length(b, queryHeads, 2), l = Length(b, keyHeads, 2);
        string i = b.Unsqueeze(b.Add(b.Op("Range", [b.Int64Scalar(0), s, b.Int64Scalar(1)]), b.Sub(l, s)), [1]);
        string j = b.Unsqueeze(b.Op("Range", [b.Int64Scalar(0), l, b.Int64Scalar(1)]), [0]);
        return b.Op("Where", [b.Op("Greater", [j, i]), b.Scalar(Blocked), b.Scalar(0f)]);
    }

    /// <summary>The additive term of a boolean mask (true: visible).</summary>
    public static string BooleanMask(FusedGraphBuilder b, string mask)
        => b.Op("Where", [mask, b.Scalar(0f), b.Scalar(Blocked)]);

    /// <summary><c>softmax(scores) · V</c>, (B, N, S, Hv).</summary>
    public static string Mix(FusedGraphBuilder b, string scores, string valueHeads, string? output = null)
    {
        string probabilities = b.Op("Softmax", [scores], null, ("axis", b.Opset >= 13 ? -1L : 3L));
        return b.MatMul(probabilities, valueHeads, output);
    }

    /// <summary>The length of <paramref name="axis"/> of <paramref name="x"/> as an int64 scalar.</summary>
    public static string Length(FusedGraphBuilder b, string x, long axis)
        => b.Op("Gather", [b.Op("Shape", [x]), b.Int64Scalar(axis)], null, ("axis", 0L));

    /// <summary>The element type of an initializer or a declared value; null when unknown.</summary>
    public static OnnxElementType? ElementType(FusedGraphBuilder b, string value)
        => b.Graph.Initializers.TryGetValue(value, out OnnxTensorData? init) ? init.ElementType
            : b.Graph.ValueInfos.TryGetValue(value, out OnnxValueInfo? info) ? info.ElementType
            : null;
}
