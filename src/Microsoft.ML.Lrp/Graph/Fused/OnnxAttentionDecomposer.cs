using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Graph.Fused;

/// <summary>
/// The default-domain (opset 23) <c>Attention(Q, K, V, attn_mask?, past_key?, past_value?)</c>:
/// Q (B, N_q, S, H) or (B, S, N_q·H), K and V likewise with <c>kv_num_heads</c>; the caches (B, N_kv, P, H) are
/// concatenated in front of K and V (and are the <c>present_key</c>/<c>present_value</c> outputs); each group of
/// <c>N_q/N_kv</c> query heads reads one key/value head; <c>Y = softmax(cap·tanh(s·QKᵀ/cap) + M)·V</c> with
/// <c>s = scale</c> (default 1/√H), the softcap only when <c>softcap</c> &gt; 0, and M the sum of the float mask (or
/// the blocked score where a boolean mask is false) and the causal term of <c>is_causal</c> (bottom-right aligned).
/// Y has the layout of Q. Rejected: <c>nonpad_kv_seqlen</c> (opset 24), the <c>qk_matmul_output</c> output being read.
/// </summary>
internal sealed class OnnxAttentionDecomposer : IFusedOpDecomposer
{
    public IReadOnlyList<string> OpTypes { get; } = ["Attention"];

    public void Decompose(FusedGraphBuilder b)
    {
        if (b.Input(6).Length > 0)
        {
            throw b.Unsupported("input nonpad_kv_seqlen", "Give the padding as attn_mask instead.");
        }

        if (b.OutputUsed(3))
        {
            throw b.Unsupported("output qk_matmul_output being read", "Export the model without it.");
        }

        string q = b.Input(0), k = b.Input(1), v = b.Input(2);
        int rank = b.Rank(q) ?? throw b.Unsupported($"input Q '{q}' of unknown rank", "Declare the shape of Q (rank 3 or 4) in the model.");
        if (rank is not (3 or 4))
        {
            throw b.Unsupported($"a Q of rank {rank}", "Q must be (batch, heads, sequence, head) or (batch, sequence, hidden).");
        }

        var (queryHeads, kvHeads) = HeadCounts(b, rank);
        string qh = rank == 4 ? q : HeadAttention.Split(b, q, queryHeads);
        string kh = rank == 4 ? k : HeadAttention.Split(b, k, kvHeads);
        string vh = rank == 4 ? v : HeadAttention.Split(b, v, kvHeads);
        if ((b.Input(4).Length > 0) != (b.Input(5).Length > 0))
        {
            throw b.Unsupported("past_key without past_value (or the reverse)", "Give both caches or neither.");
        }

        kh = HeadAttention.AppendToCache(b, b.Input(4), kh, b.OutputUsed(1) ? b.Output(1) : null);
        vh = HeadAttention.AppendToCache(b, b.Input(5), vh, b.OutputUsed(2) ? b.Output(2) : null);

        float scale = b.Fused.HasAttribute("scale") ? b.Fused.GetFloat("scale", 1f)
            : HeadSize(b, q, rank, queryHeads) is { } h ? 1f / MathF.Sqrt(h)
            : throw b.Unsupported("attribute scale absent with a Q of unknown head size", "Declare the shape of Q or set the scale attribute.");
        string scores = HeadAttention.Scores(b, qh, HeadAttention.Repeat(b, kh, kvHeads, queryHeads), scale);
        float softcap = b.Fused.GetFloat("softcap", 0f);
        if (softcap < 0f)
        {
            throw b.Unsupported($"attribute softcap={softcap}", "softcap must be 0 (off) or positive.");
        }

        if (softcap > 0f)
        {
            scores = HeadAttention.Softcap(b, scores, softcap);
        }

        if (b.Input(3).Length > 0)
        {
            scores = b.Add(scores, MaskTerm(b, b.Input(3)));
        }

        if (b.Fused.GetInt("is_causal", 0) != 0)
        {
            scores = b.Add(scores, HeadAttention.Causal(b, qh, kh));
        }

        string vAll = HeadAttention.Repeat(b, vh, kvHeads, queryHeads);
        if (rank == 4)
        {
            HeadAttention.Mix(b, scores, vAll, b.Output(0));
        }
        else
        {
            HeadAttention.Merge(b, HeadAttention.Mix(b, scores, vAll), b.Output(0));
        }
    }

    private static (long Query, long KeyValue) HeadCounts(FusedGraphBuilder b, int rank)
    {
        long query = b.Fused.GetInt("q_num_heads", 0), kv = b.Fused.GetInt("kv_num_heads", 0);
        if (rank == 4)
        {
            query = query > 0 ? query : b.StaticShape(b.Input(0))?[1] ?? 0;
            kv = kv > 0 ? kv : b.StaticShape(b.Input(1))?[1] ?? 0;
        }

        if (query <= 0 || kv <= 0)
        {
            throw b.Unsupported($"attribute q_num_heads={query} / kv_num_heads={kv}", "Both are required for 3-D inputs (or 4-D inputs with a declared head axis) and must be positive.");
        }

        if (query % kv != 0)
        {
            throw b.Unsupported($"attribute q_num_heads={query} with kv_num_heads={kv}", "q_num_heads must be a multiple of kv_num_heads.");
        }

        return (query, kv);
    }

    private static long? HeadSize(FusedGraphBuilder b, string q, int rank, long heads)
        => b.StaticShape(q) is { } shape && shape[^1] is { } last ? (rank == 4 ? last : last / heads) : null;

    private static string MaskTerm(FusedGraphBuilder b, string mask)
    {
        return HeadAttention.ElementType(b, mask) switch
        {
            OnnxElementType.Bool => HeadAttention.BooleanMask(b, mask),
            OnnxElementType.Float => mask,
            var t => throw b.Unsupported($"input attn_mask '{mask}' of element type {(t is null ? "unknown" : t.ToString())}", "The mask must be declared bool or float."),
        };
    }
}
