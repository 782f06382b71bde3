using Microsoft.ML.Lrp.Onnx.Proto;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Tokens;

/// <summary>What stands between the token ids and the embedding Gather in a <see cref="TokenChainModel"/>.</summary>
internal enum TokenChain
{
    /// <summary>The ids feed the Gather directly.</summary>
    Direct,

    /// <summary>Int32 ids, <c>Cast(to=Int64)</c>, Gather.</summary>
    CastFromInt32,

    /// <summary>Ids <c>[N, S]</c> reshaped to <c>[N·S]</c>, Gather, reshaped back to <c>[N, S, W]</c>.</summary>
    ReshapeFlat,

    /// <summary>Ids unsqueezed to <c>[N, S, 1]</c>, passed through Identity, squeezed back to <c>[N, S]</c>.</summary>
    UnsqueezeSqueeze,

    /// <summary>Ids transposed to <c>[S, N]</c>, Gather, transposed back to <c>[N, S, W]</c>.</summary>
    Transpose,

    /// <summary>Int32 ids flattened, cast to Int64, Gather, reshaped back to the ids' own shape (read with Shape) and the width.</summary>
    FlattenCastReshape,

    /// <summary>
    /// Direct word lookup, and position ids computed from the ids RoBERTa-style (<c>CumSum(ids ≠ pad) − 1</c>, here
    /// 0..S−1 as no id is the pad −1) and looked up in the position table: a side path, not refused.
    /// </summary>
    PositionsFromIds,

    /// <summary>Ids shifted by an Add before the Gather (not followed: relevance cannot reach the tokens).</summary>
    AddOnIds,
}

/// <summary>
/// The token model of <see cref="TokenTestModel"/> with a fixed sequence length and one of several
/// <see cref="TokenChain"/>s between the ids and the embedding Gather; the weights depend only on the seed, so every
/// chain computes the same function as <see cref="TokenChain.Direct"/>.
/// </summary>
internal static class TokenChainModel
{
    public const int Vocabulary = 7, Width = 5, Hidden = 3;

    public static byte[] Build(TokenChain chain, int sequence, int seed = 3)
    {
        var weights = new SeededWeights(seed);
        var idsType = chain is TokenChain.CastFromInt32 or TokenChain.FlattenCastReshape ? TensorProto.Types.DataType.Int32 : TensorProto.Types.DataType.Int64;
        var b = new OnnxModelBuilder()
            .TypedInput("input_ids", idsType, "batch", sequence)
            .TypedInput("attention_mask", TensorProto.Types.DataType.Int64, "batch", sequence)
            .Initializer("E", weights.Uniform(Vocabulary * Width), Vocabulary, Width)
            .Initializer("P", weights.Uniform(sequence * Width, -0.3f, 0.3f), sequence, Width)
            .Initializer("W", weights.Uniform(Width * Hidden), Width, Hidden)
            .Initializer("b", weights.Uniform(Hidden, -0.1f, 0.1f), Hidden)
            .Initializer("axes", new long[] { 2 }, 1)
            .Initializer("flat", new long[] { -1 }, 1)
            .Initializer("back", new long[] { -1, sequence, Width }, 3)
            .Initializer("one", new long[] { 1 }, 1)
            .Initializer("width", new long[] { Width }, 1)
            .Initializer("pad", new long[] { -1 })
            .Initializer("sequence_axis", new long[] { 1 });
        string positions = "P";
        const long Int64 = (long)TensorProto.Types.DataType.Int64;
        switch (chain)
        {
            case TokenChain.Direct:
                b.Node("Gather", ["E", "input_ids"], ["emb"], "word_embeddings");
                break;
            case TokenChain.CastFromInt32:
                b.Node("Cast", ["input_ids"], ["ids64"], "cast_ids", ("to", Int64))
                    .Node("Gather", ["E", "ids64"], ["emb"], "word_embeddings");
                break;
            case TokenChain.ReshapeFlat:
                b.Node("Reshape", ["input_ids", "flat"], ["ids_flat"], "flatten_ids")
                    .Node("Gather", ["E", "ids_flat"], ["emb_flat"], "word_embeddings")
                    .Node("Reshape", ["emb_flat", "back"], ["emb"], "unflatten_embeddings");
                break;
            case TokenChain.UnsqueezeSqueeze:
                b.Node("Unsqueeze", ["input_ids", "axes"], ["ids3"], "unsqueeze_ids")
                    .Node("Identity", ["ids3"], ["ids3b"], "identity_ids")
                    .Node("Squeeze", ["ids3b", "axes"], ["ids2"], "squeeze_ids")
                    .Node("Gather", ["E", "ids2"], ["emb"], "word_embeddings");
                break;
            case TokenChain.Transpose:
                b.Node("Transpose", ["input_ids"], ["ids_t"], "transpose_ids", ("perm", new long[] { 1, 0 }))
                    .Node("Gather", ["E", "ids_t"], ["emb_t"], "word_embeddings")
                    .Node("Transpose", ["emb_t"], ["emb"], "transpose_embeddings", ("perm", new long[] { 1, 0, 2 }));
                break;
            case TokenChain.FlattenCastReshape:
                b.Node("Flatten", ["input_ids"], ["ids_2d"], "flatten_ids", ("axis", 0L))
                    .Node("Cast", ["ids_2d"], ["ids64"], "cast_ids", ("to", Int64))
                    .Node("Reshape", ["ids64", "flat"], ["ids_flat"], "reshape_ids")
                    .Node("Gather", ["E", "ids_flat"], ["emb_flat"], "word_embeddings")
                    .Node("Shape", ["input_ids"], ["ids_shape"], "ids_shape")
                    .Node("Concat", ["ids_shape", "width"], ["emb_shape"], "embeddings_shape", ("axis", 0L))
                    .Node("Reshape", ["emb_flat", "emb_shape"], ["emb"], "unflatten_embeddings");
                break;
            case TokenChain.PositionsFromIds:
                positions = "position_embeddings";
                b.Node("Gather", ["E", "input_ids"], ["emb"], "word_embeddings")
                    .Node("Equal", ["input_ids", "pad"], ["is_pad"], "is_pad")
                    .Node("Not", ["is_pad"], ["not_pad"], "not_pad")
                    .Node("Cast", ["not_pad"], ["not_pad64"], "cast_not_pad", ("to", Int64))
                    .Node("CumSum", ["not_pad64", "sequence_axis"], ["counts"], "count_tokens")
                    .Node("Sub", ["counts", "one"], ["position_ids"], "position_ids")
                    .Node("Gather", ["P", "position_ids"], [positions], "lookup_positions");
                break;
            case TokenChain.AddOnIds:
                b.Node("Add", ["input_ids", "one"], ["ids_shifted"], "shift_ids")
                    .Node("Gather", ["E", "ids_shifted"], ["emb"], "word_embeddings");
                break;
        }

        return b
            .Node("Add", ["emb", positions], ["x"], "add_positions")
            .Node("Cast", ["attention_mask"], ["mask_f"], "cast_mask", ("to", (long)TensorProto.Types.DataType.Float))
            .Node("Unsqueeze", ["mask_f", "axes"], ["mask3"], "unsqueeze_mask")
            .Node("Mul", ["x", "mask3"], ["xm"], "apply_mask")
            .Node("MatMul", ["xm", "W"], ["h0"], "dense")
            .Node("Add", ["h0", "b"], ["h1"], "dense_bias")
            .Node("Relu", "h1", "h", "relu")
            .Node("ReduceMean", "h", "pooled", "mean_over_tokens", ("axes", new long[] { 1 }), ("keepdims", 0L))
            .Output("pooled", "batch", Hidden)
            .Build();
    }
}
