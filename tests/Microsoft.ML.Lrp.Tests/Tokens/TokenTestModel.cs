using Microsoft.ML.Lrp.Onnx.Proto;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Tokens;

/// <summary>
/// A tiny token model: <c>ids [N, T] → Gather(E) + P → · mask → MatMul(W) + b → Relu → ReduceMean over T → [N, H]</c>,
/// with a variable sequence length and an Int64 attention mask, and its weights for the naive reference.
/// </summary>
internal sealed class TokenTestModel
{
    public const int Vocabulary = 7, Width = 5, Hidden = 3;

    public TokenTestModel(int sequence, int seed = 3)
    {
        Sequence = sequence;
        var weights = new SeededWeights(seed);
        Embedding = weights.Uniform(Vocabulary * Width);
        Positions = weights.Uniform(sequence * Width, -0.3f, 0.3f);
        Weight = weights.Uniform(Width * Hidden);
        Bias = weights.Uniform(Hidden, -0.1f, 0.1f);
        Model = new OnnxModelBuilder()
            .TypedInput("input_ids", TensorProto.Types.DataType.Int64, "batch", "sequence")
            .TypedInput("attention_mask", TensorProto.Types.DataType.Int64, "batch", "sequence")
            .Initializer("E", Embedding, Vocabulary, Width)
            .Initializer("P", Positions, sequence, Width)
            .Initializer("W", Weight, Width, Hidden)
            .Initializer("b", Bias, Hidden)
            .Initializer("axes", new long[] { 2 }, 1)
            .Node("Gather", ["E", "input_ids"], ["emb"], "word_embeddings")
            .Node("Add", ["emb", "P"], ["x"], "add_positions")
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

    public int Sequence { get; }

    public float[] Embedding { get; }

    public float[] Positions { get; }

    public float[] Weight { get; }

    public float[] Bias { get; }

    public byte[] Model { get; }
}
