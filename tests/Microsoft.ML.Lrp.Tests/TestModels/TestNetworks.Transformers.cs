using static Microsoft.ML.Lrp.Tests.TestModels.TransformerBlocks;

namespace Microsoft.ML.Lrp.Tests.TestModels;

/// <summary>Small transformer graphs in primitive ONNX ops (embeddings given as a float input [N, S, E]).</summary>
internal static partial class TestNetworks
{
    /// <summary>
    /// BERT-like, opset 13: embedding projection → LayerNorm (decomposed) → 2-head attention with a padding mask from
    /// constant int64 flags (last token padded) → residual → LayerNorm → GELU-Erf MLP → residual → LayerNorm →
    /// Gather(token 0) → Gemm head [N, 3].
    /// </summary>
    public static TestNetwork BertLike()
    {
        const int s = 4, e = 6, d = 8, heads = 2;
        var b = new OnnxModelBuilder(seed: 60).Input("input", "N", s, e);
        Scalars(b);
        b.Initializer("keep_flags", new long[] { 1, 1, 1, 0 }, 1, s).Initializer("cls_index", new long[] { 0 });
        Projection(b, "embed", "input", "emb", e, d);
        DecomposedLayerNorm(b, "ln0", "emb", "h0", d);
        Attention(b, "attn", "h0", "att", s, d, heads, PaddingMask(b, "keep_flags"));
        b.Node("Add", ["att", "h0"], ["res1"], "residual1");
        DecomposedLayerNorm(b, "ln1", "res1", "h1", d);
        GeluMlp(b, "mlp", "h1", "ffn", d, 12);
        b.Node("Add", ["ffn", "h1"], ["res2"], "residual2");
        DecomposedLayerNorm(b, "ln2", "res2", "h2", d);
        b.Node("Gather", ["h2", "cls_index"], ["cls"], "pool_cls", ("axis", 1))
            .RandomWeight("head_W", 3, d).RandomUniform("head_B", -0.2f, 0.2f, 3)
            .Node("Gemm", ["cls", "head_W", "head_B"], ["output"], "head", ("transB", 1));
        return new TestNetwork("BertLike", b.Output("output", "N", 3).Build(), [2, s, e]) { FirstLayers = ["embed_mm"] };
    }

    /// <summary>
    /// GPT-like, opset 17: embedding projection → RMSNorm (decomposed) → 2-head causal attention (Trilu of a constant
    /// −10000 matrix) → residual → RMSNorm → SiLU-gated MLP → residual → LayerNormalization (the op) → Gather(last
    /// token) → MatMul vocabulary head [N, 5].
    /// </summary>
    public static TestNetwork GptLike()
    {
        const int s = 4, e = 6, d = 8, heads = 2;
        var b = new OnnxModelBuilder(seed: 61).Opset(17).Input("input", "N", s, e);
        Scalars(b);
        b.Initializer("last_index", new long[] { s - 1 });
        Projection(b, "embed", "input", "emb", e, d);
        DecomposedRmsNorm(b, "rms0", "emb", "h0", d);
        Attention(b, "attn", "h0", "att", s, d, heads, CausalMask(b, s));
        b.Node("Add", ["att", "emb"], ["res1"], "residual1");
        DecomposedRmsNorm(b, "rms1", "res1", "h1", d);
        SiluGatedMlp(b, "mlp", "h1", "ffn", d, 12);
        b.Node("Add", ["ffn", "res1"], ["res2"], "residual2");
        b.RandomUniform("lnf_w", 0.5f, 1.5f, d).RandomUniform("lnf_b", -0.2f, 0.2f, d)
            .Node("LayerNormalization", ["res2", "lnf_w", "lnf_b"], ["h2"], "ln_final", ("axis", -1), ("epsilon", 1e-5f))
            .Node("Gather", ["h2", "last_index"], ["last"], "pool_last", ("axis", 1))
            .RandomWeight("vocab_W", d, 5)
            .Node("MatMul", ["last", "vocab_W"], ["output"], "lm_head");
        return new TestNetwork("GptLike", b.Output("output", "N", 5).Build(), [2, s, e]) { FirstLayers = ["embed_mm"] };
    }
}
