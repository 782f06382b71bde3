namespace Microsoft.ML.Lrp.Graph.Fused;

/// <summary>
/// <c>RotaryEmbedding(x, position_ids, cos_cache, sin_cache)</c> as Gather/Slice/Mul/Sub/Add/Concat. With
/// <c>c = cos_cache[pos]</c>, <c>s = sin_cache[pos]</c> and <c>h</c> half the rotary dimension: the default
/// (half-split) form rotates <c>(x[:h], x[h:2h])</c> to <c>(x₁c − x₂s, x₂c + x₁s)</c>; the interleaved form rotates
/// each pair <c>(x[2i], x[2i+1])</c> the same way; channels past the rotary dimension pass unchanged.
/// <c>x</c> is (batch, sequence, hidden), split into heads with <c>num_heads</c> (or the head size 2h), or
/// (batch, heads, sequence, head); <c>position_ids</c> is (batch, sequence) or a one-element start offset.
/// Packed batching and a <c>scale</c> other than 1 are rejected.
/// The default-domain opset-23 form takes <c>(x, cos_cache, sin_cache, position_ids?)</c>: the same rotation; without
/// position_ids the caches are already the (batch, sequence, h) rows.
/// </summary>
internal sealed class RotaryEmbeddingDecomposer : IFusedOpDecomposer
{
    public IReadOnlyList<string> OpTypes { get; } = ["RotaryEmbedding"];

    public void Decompose(FusedGraphBuilder b)
    {
        if (b.Fused.GetInt("is_packed_batching", 0) != 0)
        {
            throw b.Unsupported("attribute is_packed_batching=1", "Only padded (batch, sequence) inputs are supported.");
        }

        if (b.Fused.GetFloat("scale", 1f) != 1f)
        {
            throw b.Unsupported($"attribute scale={b.Fused.GetFloat("scale", 1f)}", "Only scale=1 is supported.");
        }

        bool onnxForm = b.Fused.Domain.Length == 0;
        string x = b.Input(0);
        string positionIds = onnxForm ? b.Input(3) : b.Input(1);
        string cosCache = onnxForm ? b.Input(1) : b.Input(2);
        string sinCache = onnxForm ? b.Input(2) : b.Input(3);
        int rank = b.Rank(x) ?? throw b.Unsupported($"an input '{x}' of unknown rank", "Declare its shape (rank 3 or 4) in the model.");
        if (rank is not (3 or 4))
        {
            throw b.Unsupported($"an input of rank {rank}", "The input must be (batch, sequence, hidden) or (batch, heads, sequence, head).");
        }

        long rotaryDim = b.Fused.GetInt("rotary_embedding_dim", 0);
        long numHeads = b.Fused.GetInt("num_heads", 0);
        long? cacheHalf = b.StaticShape(cosCache) is { Length: 2 or 3 } cacheShape ? cacheShape[^1] : null;
        long half = rotaryDim > 0 ? rotaryDim / 2
            : cacheHalf ?? throw b.Unsupported("a cos_cache of unknown shape without rotary_embedding_dim", "Make cos_cache a constant or set rotary_embedding_dim.");

        long? headSize = rank == 4 ? b.StaticShape(x)![3]
            : numHeads > 0 ? (b.StaticShape(x)![2] is { } hidden ? hidden / numHeads : null)
            : 2 * half;
        string heads = rank == 4 ? x
            : numHeads > 0 ? b.Reshape(x, [0, 0, numHeads, -1]) : b.Reshape(x, [0, 0, -1, 2 * half]);

        // cos/sin rows for each (batch, position), shaped to broadcast against the head layout.
        string cos, sin;
        if (onnxForm && positionIds.Length == 0)
        {
            cos = Unsqueezed(b, cosCache, 2, rank);
            sin = Unsqueezed(b, sinCache, 2, rank);
        }
        else
        {
            int positionRank = b.Rank(positionIds) ?? throw b.Unsupported($"position_ids '{positionIds}' of unknown rank", "Declare its shape: (1) or (batch, sequence).");
            if (onnxForm && positionRank != 2)
            {
                throw b.Unsupported($"position_ids of rank {positionRank}", "The opset-23 form takes (batch, sequence) position ids.");
            }

            string positions = positionRank == 2 ? positionIds : OffsetPositions(b, positionIds, x, rank == 3 ? 1 : 2);
            cos = Unsqueezed(b, b.Op("Gather", [cosCache, positions], null, ("axis", 0L)), positionRank, rank);
            sin = Unsqueezed(b, b.Op("Gather", [sinCache, positions], null, ("axis", 0L)), positionRank, rank);
        }

        string rotated = b.Fused.GetInt("interleaved", 0) != 0
            ? Interleaved(b, b.Slice(heads, [0], [2 * half], [-1]), cos, sin, half)
            : HalfSplit(b, heads, cos, sin, half);
        bool hasRest = headSize is null || headSize > 2 * half;
        string all = hasRest
            ? b.Op("Concat", [rotated, b.Slice(heads, [2 * half], [long.MaxValue], [-1])], null, ("axis", -1L))
            : rotated;
        if (rank == 4)
        {
            b.Op("Identity", [all], b.Output(0));
        }
        else
        {
            b.Reshape(all, [0, 0, -1], b.Output(0));
        }
    }

    private static string HalfSplit(FusedGraphBuilder b, string x, string cos, string sin, long half)
    {
        string x1 = b.Slice(x, [0], [half], [-1]);
        string x2 = b.Slice(x, [half], [2 * half], [-1]);
        string first = b.Sub(b.Mul(x1, cos), b.Mul(x2, sin));
        string second = b.Add(b.Mul(x2, cos), b.Mul(x1, sin));
        return b.Op("Concat", [first, second], null, ("axis", -1L));
    }

    private static string Interleaved(FusedGraphBuilder b, string x, string cos, string sin, long half)
    {
        string pairs = b.Reshape(x, [0, 0, 0, half, 2]);
        string even = b.Slice(pairs, [0], [1], [-1]);
        string odd = b.Slice(pairs, [1], [2], [-1]);
        string c = b.Unsqueeze(cos, [-1]);
        string s = b.Unsqueeze(sin, [-1]);
        string first = b.Sub(b.Mul(even, c), b.Mul(odd, s));
        string second = b.Add(b.Mul(odd, c), b.Mul(even, s));
        return b.Reshape(b.Op("Concat", [first, second], null, ("axis", -1L)), [0, 0, 0, 2 * half]);
    }

    /// <summary>Positions offset, offset+1, … over the sequence axis of <paramref name="x"/> (a 1-D value).</summary>
    private static string OffsetPositions(FusedGraphBuilder b, string offset, string x, int sequenceAxis)
    {
        string start = b.Op("Gather", [offset, b.Int64Scalar(0)], null, ("axis", 0L));
        string length = b.Op("Gather", [b.Op("Shape", [x]), b.Int64Scalar(sequenceAxis)], null, ("axis", 0L));
        return b.Op("Range", [start, b.Add(start, length), b.Int64Scalar(1)]);
    }

    /// <summary>Cache rows (batch, seq, h) or (seq, h), unsqueezed to broadcast against the heads.</summary>
    private static string Unsqueezed(FusedGraphBuilder b, string rows, int positionRank, int inputRank)
    {
        return (positionRank, inputRank) switch
        {
            (2, 3) => b.Unsqueeze(rows, [2]),     // (B, S, 1, h) against (B, S, N, H)
            (2, _) => b.Unsqueeze(rows, [1]),     // (B, 1, S, h) against (B, N, S, H)
            (_, 3) => b.Unsqueeze(rows, [1]),     // (S, 1, h)
            _ => rows,                            // (S, h)
        };
    }
}
