using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx.Proto;
using Microsoft.ML.Lrp.Tests.TestModels;
using DataType = Microsoft.ML.Lrp.Onnx.Proto.TensorProto.Types.DataType;

namespace Microsoft.ML.Lrp.Tests.Shapes;

/// <summary>
/// Small models whose inputs go beyond a batch dimension: a streaming state <c>[2, batch, 4]</c> with a scalar
/// sample rate, a decoder with a key/value cache, an encoder–decoder with two lengths and a RoBERTa-style encoder
/// whose token-type table has one row. Each can be built with its variable dimensions symbolic or fixed (or with
/// the side inputs baked in as initializers), so that a test compares one form against the other.
/// </summary>
internal static class ShapeTestModels
{
    public const int Width = 4;
    public const int Vocabulary = 10;

    /// <summary>
    /// <c>x [batch, 4]</c>, <c>state [2, batch, 4]</c>, <c>sr int64[]</c> → <c>y [batch, 3]</c>:
    /// <c>c = relu(x·W1 + state[0])</c>, new state <c>[c; state[1]]</c>, <c>h = mean over the state axis</c>,
    /// <c>y = (h·W2 + b2) · sr / 16000</c>. The output depends on <c>x</c> only through the new state. With
    /// <paramref name="bakedState"/> (one row's <c>[2, 4]</c>) and <paramref name="bakedRate"/> the side inputs are
    /// initializers and the batch is fixed at 1 (the reference's form).
    /// </summary>
    public static byte[] StateModel(float[]? bakedState = null, long bakedRate = 0)
    {
        var b = new OnnxModelBuilder(seed: 11);
        bool baked = bakedState is not null;
        b.Input("x", baked ? 1 : "batch", Width);
        if (baked)
        {
            b.Initializer("state", bakedState!, 2, 1, Width);
            b.Initializer("sr", [bakedRate]);
        }
        else
        {
            b.Input("state", 2, "batch", Width);
            b.TypedInput("sr", DataType.Int64, "scalar-placeholder");
        }

        b.RandomWeight("W1", Width, Width)
            .RandomWeight("W2", Width, 3)
            .RandomUniform("b2", -0.1f, 0.1f, 3)
            .Initializer("i0", [0L])
            .Initializer("i1", [1L])
            .Initializer("axis0", [0L], 1)
            .Initializer("rate", [16000f])
            .Node("Gather", ["state", "i0"], ["s0"], "state0", ("axis", 0))
            .Node("Gather", ["state", "i1"], ["s1"], "state1", ("axis", 0))
            .Node("MatMul", ["x", "W1"], ["a"], "input_dense")
            .Node("Add", ["a", "s0"], ["b"], "add_state")
            .Node("Relu", "b", "c", "relu")
            .Node("Unsqueeze", ["c", "axis0"], ["cu"], "unsqueeze_c")
            .Node("Unsqueeze", ["s1", "axis0"], ["s1u"], "unsqueeze_s1")
            .Node("Concat", ["cu", "s1u"], ["new_state"], "new_state", ("axis", 0))
            .Node("ReduceMean", ["new_state"], ["h"], "mean_state", ("axes", new long[] { 0 }), ("keepdims", 0))
            .Node("Gemm", ["h", "W2", "b2"], ["z"], "head")
            .Node("Cast", ["sr"], ["srf"], "cast_rate", ("to", (int)DataType.Float))
            .Node("Div", ["srf", "rate"], ["g"], "rate_gain")
            .Node("Mul", ["z", "g"], ["y"], "scale")
            .Output("y", baked ? 1 : "batch", 3);
        return baked ? b.Build() : MakeScalar(b.Build(), "sr");
    }

    /// <summary>
    /// A decoder-only model: <c>input_ids [batch, seq]</c>, <c>past_key_values.0.key/value [batch, 1, past, 4]</c>,
    /// <c>attention_mask [batch, total]</c> → <c>logits [batch, 5]</c>, <c>present.0.key/value</c>. One attention
    /// head over the cache and the new tokens, mean over the positions, a dense head. <paramref name="fixedShapes"/>
    /// gives (seq, past) as fixed dimensions instead of symbolic ones; <paramref name="withPast"/> false drops the
    /// cache inputs (and the mask covers the new tokens only).
    /// </summary>
    public static byte[] CacheDecoder(bool withPast = true, (int Sequence, int Past)? fixedShapes = null)
    {
        var b = new OnnxModelBuilder(seed: 12);
        object seq = fixedShapes is { } f ? f.Sequence : "sequence";
        object past = fixedShapes is { } g ? g.Past : "past_sequence";
        object total = fixedShapes is { } h ? (withPast ? h.Sequence + h.Past : h.Sequence) : "total_sequence";
        b.TypedInput("input_ids", DataType.Int64, "batch", seq);
        if (withPast)
        {
            b.Input("past_key_values.0.key", "batch", 1, past, Width);
            b.Input("past_key_values.0.value", "batch", 1, past, Width);
        }

        b.TypedInput("attention_mask", DataType.Int64, "batch", total);
        b.RandomUniform("E", -1f, 1f, Vocabulary, Width)
            .RandomWeight("Wq", Width, Width)
            .RandomWeight("Wk", Width, Width)
            .RandomWeight("Wv", Width, Width)
            .RandomWeight("Wo", Width, 5)
            .Initializer("axis1", [1L], 1)
            .Initializer("axes12", [1L, 2L], 2)
            .Initializer("half", [0.5f])
            .Initializer("one", [1f])
            .Initializer("big", [-10000f])
            .Node("Gather", ["E", "input_ids"], ["emb"], "embed")
            .Node("MatMul", ["emb", "Wq"], ["q"], "q_proj")
            .Node("MatMul", ["emb", "Wk"], ["k"], "k_proj")
            .Node("MatMul", ["emb", "Wv"], ["v"], "v_proj")
            .Node("Unsqueeze", ["q", "axis1"], ["q4"], "q_heads")
            .Node("Unsqueeze", ["k", "axis1"], ["k4"], "k_heads")
            .Node("Unsqueeze", ["v", "axis1"], ["v4"], "v_heads");
        if (withPast)
        {
            b.Node("Concat", ["past_key_values.0.key", "k4"], ["K"], "cache_k", ("axis", 2))
                .Node("Concat", ["past_key_values.0.value", "v4"], ["V"], "cache_v", ("axis", 2))
                .Node("Identity", "K", "present.0.key", "present_k")
                .Node("Identity", "V", "present.0.value", "present_v");
        }
        else
        {
            b.Node("Identity", "k4", "K", "cache_k").Node("Identity", "v4", "V", "cache_v");
        }

        b.Node("Transpose", ["K"], ["KT"], "k_t", ("perm", new long[] { 0, 1, 3, 2 }))
            .Node("MatMul", ["q4", "KT"], ["scores"], "scores")
            .Node("Mul", ["scores", "half"], ["scaled"], "scale")
            .Node("Cast", ["attention_mask"], ["maskf"], "mask_float", ("to", (int)DataType.Float))
            .Node("Sub", ["one", "maskf"], ["masked"], "mask_invert")
            .Node("Mul", ["masked", "big"], ["bias"], "mask_bias")
            .Node("Unsqueeze", ["bias", "axes12"], ["bias4"], "mask_heads")
            .Node("Add", ["scaled", "bias4"], ["biased"], "add_mask")
            .Node("Softmax", ["biased"], ["att"], "softmax", ("axis", -1))
            .Node("MatMul", ["att", "V"], ["ctx"], "context")
            .Node("Squeeze", ["ctx", "axis1"], ["ctx3"], "merge_heads")
            .Node("ReduceMean", ["ctx3"], ["pooled"], "pool", ("axes", new long[] { 1 }), ("keepdims", 0))
            .Node("Gemm", ["pooled", "Wo"], ["logits"], "lm_head")
            .Output("logits", "batch", 5);
        if (withPast)
        {
            b.Output("present.0.key", "batch", 1, "present_sequence", Width).Output("present.0.value", "batch", 1, "present_sequence", Width);
        }

        return b.Build();
    }

    /// <summary>
    /// An encoder–decoder: <c>input_ids [batch, encoder_sequence]</c> and <c>decoder_input_ids [batch,
    /// decoder_sequence]</c> → <c>logits [batch, decoder_sequence, 6]</c>: the decoder embedding attends to the
    /// encoder embedding (one cross-attention head) with a residual, then a dense head. <paramref name="fixedShapes"/>
    /// fixes (encoder, decoder) lengths.
    /// </summary>
    public static byte[] EncoderDecoder((int Encoder, int Decoder)? fixedShapes = null)
    {
        var b = new OnnxModelBuilder(seed: 13);
        object enc = fixedShapes is { } f ? f.Encoder : "encoder_sequence";
        object dec = fixedShapes is { } g ? g.Decoder : "decoder_sequence";
        return b.TypedInput("input_ids", DataType.Int64, "batch", enc)
            .TypedInput("decoder_input_ids", DataType.Int64, "batch", dec)
            .RandomUniform("Ee", -1f, 1f, Vocabulary, Width)
            .RandomUniform("Ed", -1f, 1f, Vocabulary, Width)
            .RandomWeight("Wq", Width, Width)
            .RandomWeight("Wk", Width, Width)
            .RandomWeight("Wv", Width, Width)
            .RandomWeight("Wo", Width, 6)
            .Node("Gather", ["Ee", "input_ids"], ["ee"], "encoder_embed")
            .Node("Gather", ["Ed", "decoder_input_ids"], ["de"], "decoder_embed")
            .Node("MatMul", ["de", "Wq"], ["q"], "q_proj")
            .Node("MatMul", ["ee", "Wk"], ["k"], "k_proj")
            .Node("MatMul", ["ee", "Wv"], ["v"], "v_proj")
            .Node("Transpose", ["k"], ["kt"], "k_t", ("perm", new long[] { 0, 2, 1 }))
            .Node("MatMul", ["q", "kt"], ["scores"], "scores")
            .Node("Softmax", ["scores"], ["att"], "softmax", ("axis", -1))
            .Node("MatMul", ["att", "v"], ["ctx"], "context")
            .Node("Add", ["ctx", "de"], ["h"], "residual")
            .Node("MatMul", ["h", "Wo"], ["logits"], "lm_head")
            .Output("logits", "batch", dec, 6)
            .Build();
    }

    /// <summary>
    /// A RoBERTa-style encoder: <c>input_ids</c>, <c>token_type_ids</c> (a one-row table: only id 0 is valid) and
    /// <c>attention_mask</c>, all <c>[batch, sequence]</c> → <c>y [batch, 3]</c>.
    /// </summary>
    public static byte[] SingleTokenType(object sequence)
    {
        var b = new OnnxModelBuilder(seed: 14);
        return b.TypedInput("input_ids", DataType.Int64, "batch", sequence)
            .TypedInput("token_type_ids", DataType.Int64, "batch", sequence)
            .TypedInput("attention_mask", DataType.Int64, "batch", sequence)
            .RandomUniform("E", -1f, 1f, Vocabulary, Width)
            .RandomUniform("T", -1f, 1f, 1, Width)
            .RandomWeight("W", Width, 3)
            .Initializer("axis2", [2L], 1)
            .Node("Gather", ["E", "input_ids"], ["we"], "word_embeddings")
            .Node("Gather", ["T", "token_type_ids"], ["te"], "token_type_embeddings")
            .Node("Add", ["we", "te"], ["e"], "embeddings")
            .Node("Cast", ["attention_mask"], ["mf"], "mask_float", ("to", (int)DataType.Float))
            .Node("Unsqueeze", ["mf", "axis2"], ["m3"], "mask_expand")
            .Node("Mul", ["e", "m3"], ["em"], "apply_mask")
            .Node("ReduceMean", ["em"], ["pooled"], "pool", ("axes", new long[] { 1 }), ("keepdims", 0))
            .Node("MatMul", ["pooled", "W"], ["y"], "head")
            .Output("y", "batch", 3)
            .Build();
    }

    /// <summary>Clears the name of every symbolic dimension called <paramref name="param"/> (leaving it unnamed).</summary>
    public static byte[] Unname(byte[] model, string param)
    {
        var proto = ModelProto.Parser.ParseFrom(model);
        foreach (var value in proto.Graph.Input.Concat(proto.Graph.Output))
        {
            foreach (var dim in value.Type.TensorType.Shape?.Dim ?? [])
            {
                if (dim.DimParam == param)
                {
                    dim.ClearValue();
                }
            }
        }

        return proto.ToByteArray();
    }

    /// <summary>Declares the input <paramref name="name"/> a scalar (a shape with no dimensions).</summary>
    public static byte[] MakeScalar(byte[] model, string name)
    {
        var proto = ModelProto.Parser.ParseFrom(model);
        var input = proto.Graph.Input.Single(i => i.Name == name);
        input.Type.TensorType.Shape = new TensorShapeProto();
        return proto.ToByteArray();
    }
}
