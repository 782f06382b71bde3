using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Graph.Fused;

/// <summary>
/// com.microsoft <c>GroupQueryAttention(query, key, value, past_key?, past_value?, seqlens_k, total_sequence_length)</c>
/// with separate (B, S, N·H) query and (B, S, N_kv·H) key/value: the caches (B, N_kv, P, H) go in front of the new
/// key/value heads (the present outputs when read; P may be 0), each group of <c>N/N_kv</c> query heads reads one
/// key/value head, <c>Y = softmax(cap·tanh(s·QKᵀ/cap) + M)·V</c> with <c>s = scale</c> (default 1/√H), the softcap
/// when <c>softcap</c> &gt; 0, and M blocking key j for query i when <c>j &gt; P + i</c> (causal) or
/// <c>j &gt; seqlens_k[b]</c> (padding). The caches are taken as holding P valid positions for every row (separate
/// past and present buffers, as exporters feed them). Rejected, naming the attribute or input: packed QKV,
/// <c>do_rotary</c>, <c>local_window_size</c>, <c>smooth_softmax</c>, position_ids, attention_bias, head_sink, the
/// output_qk output being read.
/// </summary>
internal sealed class GroupQueryAttentionDecomposer : IFusedOpDecomposer
{
    public IReadOnlyList<string> OpTypes { get; } = ["GroupQueryAttention"];

    public void Decompose(FusedGraphBuilder b)
    {
        long heads = b.Fused.GetInt("num_heads", 0), kvHeads = b.Fused.GetInt("kv_num_heads", 0);
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0)
        {
            throw b.Unsupported($"attribute num_heads={heads} / kv_num_heads={kvHeads}", "Both must be positive and num_heads a multiple of kv_num_heads.");
        }

        Reject(b);
        string query = b.Input(0), key = b.Input(1), value = b.Input(2);
        if (key.Length == 0 || value.Length == 0)
        {
            throw b.Unsupported("packed QKV (key or value omitted)", "Give query, key and value as separate (batch, sequence, hidden) inputs.");
        }

        if ((b.Input(3).Length > 0) != (b.Input(4).Length > 0))
        {
            throw b.Unsupported("past_key without past_value (or the reverse)", "Give both caches or neither.");
        }

        float scale = b.Fused.GetFloat("scale", 0f) is > 0f and var s ? s
            : b.StaticShape(query) is { Length: 3 } shape && shape[2] is { } hidden ? 1f / MathF.Sqrt(hidden / heads)
            : throw b.Unsupported("a query of unknown hidden size without the scale attribute", "Declare the query's shape or set the scale attribute.");

        string qh = HeadAttention.Split(b, query, heads);
        string kh = HeadAttention.AppendToCache(b, b.Input(3), HeadAttention.Split(b, key, kvHeads), b.OutputUsed(1) ? b.Output(1) : null);
        string vh = HeadAttention.AppendToCache(b, b.Input(4), HeadAttention.Split(b, value, kvHeads), b.OutputUsed(2) ? b.Output(2) : null);
        string scores = HeadAttention.Scores(b, qh, HeadAttention.Repeat(b, kh, kvHeads, heads), scale);
        float softcap = b.Fused.GetFloat("softcap", 0f);
        if (softcap > 0f)
        {
            scores = HeadAttention.Softcap(b, scores, softcap);
        }

        scores = b.Add(scores, HeadAttention.Causal(b, qh, kh));
        if (b.Input(5).Length > 0)
        {
            scores = b.Add(scores, PaddingTerm(b, b.Input(5), kh));
        }

        HeadAttention.Merge(b, HeadAttention.Mix(b, scores, HeadAttention.Repeat(b, vh, kvHeads, heads)), b.Output(0));
    }

    /// <summary>(B, 1, 1, L): blocked where key j &gt; seqlens_k[b] (the last valid position of row b).</summary>
    private static string PaddingTerm(FusedGraphBuilder b, string seqlensK, string keyHeads)
    {
        string last = b.Unsqueeze(b.Cast(seqlensK, OnnxElementType.Int64), [1, 2, 3]);
        string length = HeadAttention.Length(b, keyHeads, 2);
        string j = b.Op("Range", [b.Int64Scalar(0), length, b.Int64Scalar(1)]);
        return b.Op("Where", [b.Op("Greater", [j, last]), b.Scalar(HeadAttention.Blocked), b.Scalar(0f)]);
    }

    private static void Reject(FusedGraphBuilder b)
    {
        foreach (string name in (string[])["do_rotary", "smooth_softmax", "rotary_interleaved"])
        {
            if (b.Fused.GetInt(name, 0) != 0)
            {
                throw b.Unsupported($"attribute {name}={b.Fused.GetInt(name, 0)}", "Export the model without it.");
            }
        }

        if (b.Fused.GetInt("local_window_size", -1) != -1)
        {
            throw b.Unsupported($"attribute local_window_size={b.Fused.GetInt("local_window_size", -1)}", "Only global attention (local_window_size=-1) is supported.");
        }

        foreach (var (index, name) in (ValueTuple<int, string>[])[(7, "cos_cache"), (8, "sin_cache"), (9, "position_ids"), (10, "attention_bias"), (11, "head_sink")])
        {
            if (b.Input(index).Length > 0)
            {
                throw b.Unsupported($"input {name}", "Export the model without it.");
            }
        }

        if (b.OutputUsed(3))
        {
            throw b.Unsupported("output output_qk being read", "Export the model without it.");
        }
    }
}
