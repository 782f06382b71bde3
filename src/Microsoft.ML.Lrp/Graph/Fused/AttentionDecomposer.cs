namespace Microsoft.ML.Lrp.Graph.Fused;

/// <summary>
/// com.microsoft <c>Attention</c> and <c>MultiHeadAttention</c> without key/value caches.
/// <para>
/// Attention(input, weights, bias?, mask_index?, past?, attention_bias?): <c>QKV = input·W (+ bias)</c> with the
/// packed weights (input_hidden, h + h + h_v), sliced into Q, K, V (sizes from <c>qkv_hidden_sizes</c> or thirds of
/// the weights' second dimension); then <see cref="AttentionCore"/> with <c>num_heads</c>, <c>scale</c> (default
/// 1/√head), the mask (raw (B, L) or (B, S, L), or key lengths (B) or end/start positions (2B), as
/// EmbedLayerNormalization produces), <c>attention_bias</c> and <c>unidirectional</c>.
/// </para>
/// <para>
/// MultiHeadAttention(query, key, value, bias?, key_padding_mask?, attention_bias?): separate (B, S, D) query and
/// (B, L, D) key/value projections, the optional packed bias added to each, the same masks.
/// </para>
/// MultiHeadAttention's past_key/past_value caches are concatenated in front of the new heads (<see cref="HeadAttention"/>).
/// Rejected: Attention's past/present state, <c>past_sequence_length</c>, <c>cache_indirection</c>, <c>do_rotary</c>, shared
/// past/present buffers, packed QKV or KV and 4-D key/value inputs, the (B, 1, M, M) mask, the <c>qk</c> output.
/// </summary>
internal sealed class AttentionDecomposer : IFusedOpDecomposer
{
    private const float DefaultMaskFilter = -10000f;

    public IReadOnlyList<string> OpTypes { get; } = ["Attention", "MultiHeadAttention"];

    public void Decompose(FusedGraphBuilder b)
    {
        long numHeads = b.Fused.GetInt("num_heads", 0);
        if (numHeads <= 0)
        {
            throw b.Unsupported($"attribute num_heads={numHeads}", "num_heads is required and must be positive.");
        }

        if (b.Fused.OpType == "Attention")
        {
            Attention(b, numHeads);
        }
        else
        {
            MultiHeadAttention(b, numHeads);
        }
    }

    private static void Attention(FusedGraphBuilder b, long numHeads)
    {
        RejectAttributes(b, "do_rotary", "past_present_share_buffer");
        RejectInputs(b, (4, "past"), (6, "past_sequence_length"));
        RejectOutputs(b, (1, "present"));

        string input = b.Input(0);
        string weights = b.Input(1);
        long[] sizes = b.Fused.GetInts("qkv_hidden_sizes") ?? ThirdsOf(b, weights);
        if (sizes.Length != 3 || sizes[0] != sizes[1] || sizes.Any(s => s <= 0 || s % numHeads != 0))
        {
            throw b.Unsupported($"attribute qkv_hidden_sizes=[{string.Join(", ", sizes)}]", "Q and K need the same size, each a positive multiple of num_heads.");
        }

        string qkv = b.MatMul(input, weights);
        if (b.Input(2).Length > 0)
        {
            qkv = b.Add(qkv, b.Input(2));
        }

        string q = b.Slice(qkv, [0], [sizes[0]], [-1]);
        string k = b.Slice(qkv, [sizes[0]], [sizes[0] + sizes[1]], [-1]);
        string v = b.Slice(qkv, [sizes[0] + sizes[1]], [sizes[0] + sizes[1] + sizes[2]], [-1]);
        var terms = new List<string>();
        float filter = b.Fused.GetFloat("mask_filter_value", DefaultMaskFilter);
        AddMask(b, terms, b.Input(3), input, input, filter, "mask_index");
        AddBiasAndCausal(b, terms, b.Input(5), input, input, filter);
        float scale = b.Fused.GetFloat("scale", 1f / MathF.Sqrt(sizes[0] / numHeads));
        AttentionCore.Emit(b, q, k, v, numHeads, scale, terms, b.Output(0));
    }

    private static void MultiHeadAttention(FusedGraphBuilder b, long numHeads)
    {
        RejectInputs(b, (8, "past_sequence_length"), (9, "cache_indirection"));
        RejectOutputs(b, (3, "qk"));
        bool hasPast = b.Input(6).Length > 0 || b.Input(7).Length > 0;
        if (hasPast && (b.Input(6).Length == 0 || b.Input(7).Length == 0))
        {
            throw b.Unsupported("past_key without past_value (or the reverse)", "Give both caches or neither.");
        }

        if (!hasPast)
        {
            RejectOutputs(b, (1, "present_key"), (2, "present_value"));
        }

        string query = b.Input(0);
        string key = b.Input(1);
        string value = b.Input(2);
        if (key.Length == 0 || value.Length == 0)
        {
            throw b.Unsupported("packed QKV or packed KV (key or value omitted)", "Give query, key and value as separate (batch, sequence, hidden) inputs.");
        }

        foreach (string operand in (string[])[query, key, value])
        {
            if (b.Rank(operand) is { } rank && rank != 3)
            {
                throw b.Unsupported($"an input '{operand}' of rank {rank}", "query, key and value must be (batch, sequence, hidden); packed or past-key forms are not supported.");
            }
        }

        long? hidden = LastDim(b, query) ?? LastDim(b, key);
        if (b.Input(3).Length > 0)
        {
            long biasLength = b.StaticShape(b.Input(3)) is { Length: 1 } bs && bs[0] is { } n ? n
                : throw b.Unsupported($"a bias '{b.Input(3)}' of unknown length", "Make the bias a constant or declare its shape.");
            long h = hidden ?? biasLength / 3;
            long hv = LastDim(b, value) ?? biasLength - (2 * h);
            query = b.Add(query, b.Slice(b.Input(3), [0], [h], [0]));
            key = b.Add(key, b.Slice(b.Input(3), [h], [2 * h], [0]));
            value = b.Add(value, b.Slice(b.Input(3), [2 * h], [(2 * h) + hv], [0]));
            hidden = h;
        }

        float scale = b.Fused.HasAttribute("scale") ? b.Fused.GetFloat("scale", 1f)
            : hidden is { } d ? 1f / MathF.Sqrt(d / numHeads)
            : throw b.Unsupported("a query of unknown hidden size without the scale attribute", "Declare the query's shape or set the scale attribute.");
        var terms = new List<string>();
        float filter = b.Fused.GetFloat("mask_filter_value", DefaultMaskFilter);
        if (hasPast)
        {
            WithPast(b, numHeads, scale, filter, query, key, value);
            return;
        }

        AddMask(b, terms, b.Input(4), b.Input(0), b.Input(1), filter, "key_padding_mask");
        AddBiasAndCausal(b, terms, b.Input(5), b.Input(0), b.Input(1), filter);
        AttentionCore.Emit(b, query, key, value, numHeads, scale, terms, b.Output(0));
    }

    /// <summary>
    /// MultiHeadAttention with past_key/past_value (B, N, P, H): the caches go in front of the new key and value heads
    /// (and are the present outputs when read); the key padding mask covers the P + L keys; the causal mask is
    /// bottom-right aligned (query i sees keys up to P + i).
    /// </summary>
    private static void WithPast(FusedGraphBuilder b, long numHeads, float scale, float filter, string query, string key, string value)
    {
        string qh = HeadAttention.Split(b, query, numHeads);
        string kh = HeadAttention.AppendToCache(b, b.Input(6), HeadAttention.Split(b, key, numHeads), b.OutputUsed(1) ? b.Output(1) : null);
        string vh = HeadAttention.AppendToCache(b, b.Input(7), HeadAttention.Split(b, value, numHeads), b.OutputUsed(2) ? b.Output(2) : null);
        string scores = HeadAttention.Scores(b, qh, kh, scale);
        string mask = b.Input(4);
        if (mask.Length > 0)
        {
            int? rank = b.Rank(mask);
            if (rank is not (2 or 3))
            {
                throw b.Unsupported($"input key_padding_mask of rank {rank?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"} with past_key", "With a cache the mask must be (batch, total keys) or (batch, queries, total keys), declared in the model.");
            }

            scores = b.Add(scores, AttentionCore.MaskTerm(b, mask, rank.Value, query, key, filter));
        }

        if (b.Input(5).Length > 0)
        {
            scores = b.Add(scores, b.Input(5));
        }

        if (b.Fused.GetInt("unidirectional", 0) != 0)
        {
            scores = b.Add(scores, HeadAttention.Causal(b, qh, kh));
        }

        HeadAttention.Merge(b, HeadAttention.Mix(b, scores, vh), b.Output(0));
    }

    private static void AddMask(FusedGraphBuilder b, List<string> terms, string mask, string query, string key, float filter, string inputName)
    {
        if (mask.Length == 0)
        {
            return;
        }

        int rank = b.Rank(mask)
            ?? (b.Graph.Producer(mask) is { OpType: "EmbedLayerNormalization" } ? 1 : (int?)null)
            ?? throw b.Unsupported($"input {inputName} '{mask}' of unknown rank", "Declare the mask's shape in the model.");
        if (rank is not (1 or 2 or 3))
        {
            throw b.Unsupported($"input {inputName} of rank {rank}", "Supported masks: (batch) lengths, (2·batch) end/start positions, (batch, keys) or (batch, queries, keys).");
        }

        terms.Add(AttentionCore.MaskTerm(b, mask, rank, query, key, filter));
    }

    private static void AddBiasAndCausal(FusedGraphBuilder b, List<string> terms, string attentionBias, string query, string key, float filter)
    {
        if (attentionBias.Length > 0)
        {
            terms.Add(attentionBias);
        }

        if (b.Fused.GetInt("unidirectional", 0) != 0)
        {
            terms.Add(AttentionCore.CausalTerm(b, query, key, filter));
        }
    }

    private static long[] ThirdsOf(FusedGraphBuilder b, string weights)
    {
        if (b.StaticShape(weights) is { Length: 2 } shape && shape[1] is { } columns && columns % 3 == 0)
        {
            return [columns / 3, columns / 3, columns / 3];
        }

        throw b.Unsupported($"weights '{weights}' of unknown shape without qkv_hidden_sizes", "Make the weights a constant (input_hidden, 3·hidden) or set qkv_hidden_sizes.");
    }

    private static long? LastDim(FusedGraphBuilder b, string value)
        => b.StaticShape(value) is { Length: > 0 } shape ? shape[^1] : null;

    private static void RejectAttributes(FusedGraphBuilder b, params string[] names)
    {
        foreach (string name in names)
        {
            if (b.Fused.GetInt(name, 0) != 0)
            {
                throw b.Unsupported($"attribute {name}={b.Fused.GetInt(name, 0)}", "Export the model without it.");
            }
        }
    }

    private static void RejectInputs(FusedGraphBuilder b, params (int Index, string Name)[] inputs)
    {
        foreach (var (index, name) in inputs)
        {
            if (b.Input(index).Length > 0)
            {
                throw b.Unsupported($"input {name}", "Key/value caches are not supported: export the model without past state.");
            }
        }
    }

    private static void RejectOutputs(FusedGraphBuilder b, params (int Index, string Name)[] outputs)
    {
        foreach (var (index, name) in outputs)
        {
            if (b.OutputUsed(index))
            {
                throw b.Unsupported($"output {name} being read", "Export the model without present state or the qk output.");
            }
        }
    }
}
