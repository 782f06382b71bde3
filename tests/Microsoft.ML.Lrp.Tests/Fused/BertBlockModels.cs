using Microsoft.ML.Lrp.Tests.TestModels;
using static Microsoft.ML.Lrp.Onnx.Proto.TensorProto.Types;

namespace Microsoft.ML.Lrp.Tests.Fused;

/// <summary>
/// A small BERT encoder block (hidden 8, 2 heads, feed-forward 16, sequence 5) written twice with the same weights:
/// as ONNX Runtime's transformer optimiser writes it (Attention, SkipLayerNormalization, BiasGelu) and as an
/// exporter writes it with primitive ops (separate Q/K/V MatMuls, Div by √head, Softmax, LayerNormalization, Erf GELU).
/// </summary>
internal static class BertBlockModels
{
    private const int Hidden = 8;
    private const int Heads = 2;
    private const int Inner = 16;
    private const int Sequence = 5;

    private sealed record Weights(float[] Qkv, float[] QkvBias, float[] Out, float[] OutBias, float[] Gamma1, float[] Beta1, float[] Up, float[] UpBias, float[] Down, float[] DownBias, float[] Gamma2, float[] Beta2);

    private static Weights Draw()
    {
        var w = new SeededWeights(77);
        return new Weights(
            w.Uniform(Hidden * 3 * Hidden, -0.6f, 0.6f), w.Uniform(3 * Hidden, -0.2f, 0.2f),
            w.Uniform(Hidden * Hidden, -0.5f, 0.5f), w.Uniform(Hidden, -0.2f, 0.2f),
            w.Uniform(Hidden, 0.8f, 1.2f), w.Uniform(Hidden, -0.1f, 0.1f),
            w.Uniform(Hidden * Inner, -0.5f, 0.5f), w.Uniform(Inner, -0.2f, 0.2f),
            w.Uniform(Inner * Hidden, -0.4f, 0.4f), w.Uniform(Hidden, -0.2f, 0.2f),
            w.Uniform(Hidden, 0.8f, 1.2f), w.Uniform(Hidden, -0.1f, 0.1f));
    }

    /// <summary>The fused form; with <paramref name="masked"/> an int32 (N, 5) attention mask input "mask"; below opset 17 the normalisations decompose to ReduceMean/Sub/Sqrt/Div.</summary>
    public static byte[] Fused(bool masked, int opset = 17)
    {
        var w = Draw();
        var b = Common(w, masked).Opset(opset);
        b.Initializer("w_qkv", w.Qkv, Hidden, 3 * Hidden).Initializer("b_qkv", w.QkvBias, 3 * Hidden)
            .MicrosoftNode("Attention", masked ? ["x", "w_qkv", "b_qkv", "mask"] : ["x", "w_qkv", "b_qkv"], ["context"], "attention", ("num_heads", (long)Heads))
            .Node("MatMul", ["context", "w_out"], ["projected"])
            .MicrosoftNode("SkipLayerNormalization", ["projected", "x", "gamma1", "beta1", "b_out"], ["h1"], "norm1", ("epsilon", 1e-5f))
            .Node("MatMul", ["h1", "w_up"], ["up"])
            .MicrosoftNode("BiasGelu", ["up", "b_up"], ["activated"], "gelu")
            .Node("MatMul", ["activated", "w_down"], ["down"])
            .MicrosoftNode("SkipLayerNormalization", ["down", "h1", "gamma2", "beta2", "b_down"], ["y"], "norm2", ("epsilon", 1e-5f));
        return b.Build();
    }

    /// <summary>The same block with primitive ops only.</summary>
    public static byte[] Primitive(bool masked)
    {
        var w = Draw();
        var b = Common(w, masked);
        string[] parts = ["q", "k", "v"];
        for (int p = 0; p < 3; p++)
        {
            float[] weight = new float[Hidden * Hidden];
            for (int r = 0; r < Hidden; r++)
            {
                Array.Copy(w.Qkv, (r * 3 * Hidden) + (p * Hidden), weight, r * Hidden, Hidden);
            }

            b.Initializer($"w_{parts[p]}", weight, Hidden, Hidden).Initializer($"b_{parts[p]}", w.QkvBias[(p * Hidden)..((p + 1) * Hidden)], Hidden)
                .Node("MatMul", ["x", $"w_{parts[p]}"], [$"{parts[p]}_mm"])
                .Node("Add", [$"{parts[p]}_mm", $"b_{parts[p]}"], [$"{parts[p]}_lin"])
                .Node("Reshape", [$"{parts[p]}_lin", "heads_shape"], [$"{parts[p]}_heads"]);
        }

        b.Initializer("heads_shape", [0L, 0L, Heads, Hidden / Heads], 4).Initializer("merge_shape", [0L, 0L, Hidden], 3)
            .Initializer("sqrt_head", [MathF.Sqrt(Hidden / Heads)])
            .Node("Transpose", "q_heads", "q_t", null, ("perm", new long[] { 0, 2, 1, 3 }))
            .Node("Transpose", "k_heads", "k_t", null, ("perm", new long[] { 0, 2, 3, 1 }))
            .Node("Transpose", "v_heads", "v_t", null, ("perm", new long[] { 0, 2, 1, 3 }))
            .Node("MatMul", ["q_t", "k_t"], ["scores_raw"])
            .Node("Div", ["scores_raw", "sqrt_head"], [masked ? "scores_scaled" : "scores"]);
        if (masked)
        {
            b.Initializer("one", [1f]).Initializer("filter", [-10000f]).Initializer("mask_axes", [1L, 2L], 2)
                .Node("Cast", "mask", "mask_f", null, ("to", (long)DataType.Float))
                .Node("Sub", ["one", "mask_f"], ["mask_inv"])
                .Node("Mul", ["mask_inv", "filter"], ["mask_bias2"])
                .Node("Unsqueeze", ["mask_bias2", "mask_axes"], ["mask_bias"])
                .Node("Add", ["scores_scaled", "mask_bias"], ["scores"]);
        }

        b.Node("Softmax", "scores", "probs", null, ("axis", -1L))
            .Node("MatMul", ["probs", "v_t"], ["ctx_heads"])
            .Node("Transpose", "ctx_heads", "ctx_t", null, ("perm", new long[] { 0, 2, 1, 3 }))
            .Node("Reshape", ["ctx_t", "merge_shape"], ["context"])
            .Node("MatMul", ["context", "w_out"], ["projected"])
            .Node("Add", ["projected", "b_out"], ["projected_b"])
            .Node("Add", ["projected_b", "x"], ["residual1"])
            .Node("LayerNormalization", ["residual1", "gamma1", "beta1"], ["h1"], null, ("axis", -1L), ("epsilon", 1e-5f))
            .Node("MatMul", ["h1", "w_up"], ["up"])
            .Node("Add", ["up", "b_up"], ["up_b"])
            .Initializer("sqrt2", [MathF.Sqrt(2f)]).Initializer("half", [0.5f])
            .Node("Div", ["up_b", "sqrt2"], ["gelu_scaled"])
            .Node("Erf", "gelu_scaled", "gelu_erf")
            .Node("Add", ["gelu_erf", "one_gelu"], ["gelu_shifted"])
            .Node("Mul", ["up_b", "gelu_shifted"], ["gelu_product"])
            .Node("Mul", ["gelu_product", "half"], ["activated"])
            .Initializer("one_gelu", [1f])
            .Node("MatMul", ["activated", "w_down"], ["down"])
            .Node("Add", ["down", "b_down"], ["down_b"])
            .Node("Add", ["down_b", "h1"], ["residual2"])
            .Node("LayerNormalization", ["residual2", "gamma2", "beta2"], ["y"], null, ("axis", -1L), ("epsilon", 1e-5f));
        return b.Build();
    }

    private static OnnxModelBuilder Common(Weights w, bool masked)
    {
        var b = new OnnxModelBuilder(1).Opset(17).Input("x", "N", Sequence, Hidden).Output("y", "N", Sequence, Hidden);
        if (masked)
        {
            b.TypedInput("mask", DataType.Int32, "N", Sequence);
        }

        return b.Initializer("w_out", w.Out, Hidden, Hidden).Initializer("b_out", w.OutBias, Hidden)
            .Initializer("gamma1", w.Gamma1, Hidden).Initializer("beta1", w.Beta1, Hidden)
            .Initializer("w_up", w.Up, Hidden, Inner).Initializer("b_up", w.UpBias, Inner)
            .Initializer("w_down", w.Down, Inner, Hidden).Initializer("b_down", w.DownBias, Hidden)
            .Initializer("gamma2", w.Gamma2, Hidden).Initializer("beta2", w.Beta2, Hidden);
    }
}
