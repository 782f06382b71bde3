namespace Microsoft.ML.Lrp.Tests.TestModels;

/// <summary>
/// Transformer building blocks written as the primitive ONNX ops PyTorch exports: dense projections (MatMul + Add),
/// LayerNorm decomposed (ReduceMean, Sub, Pow, ReduceMean, Add ε, Sqrt, Div, Mul w, Add b), RMSNorm decomposed (Pow,
/// ReduceMean, Add ε, Sqrt, Reciprocal, Mul), multi-head self-attention, the GELU-Erf MLP and the SiLU-gated MLP.
/// Activations are [N, S, D].
/// </summary>
internal static class TransformerBlocks
{
    /// <summary><c>x·W + b</c> with W [din, dout] (a MatMul with a constant weight, then Add of a constant bias).</summary>
    public static void Projection(OnnxModelBuilder b, string name, string x, string output, int din, int dout)
    {
        b.Initializer($"{name}_W", b.Weights.Uniform(din * dout, -1f / MathF.Sqrt(din), 1f / MathF.Sqrt(din)).Select(v => v * 1.7f).ToArray(), din, dout)
            .RandomUniform($"{name}_b", -0.2f, 0.2f, dout)
            .Node("MatMul", [x, $"{name}_W"], [$"{name}_mm"], $"{name}_mm")
            .Node("Add", [$"{name}_mm", $"{name}_b"], [output], $"{name}_bias");
    }

    /// <summary>Adds the scalar constants the blocks use (once per model).</summary>
    public static void Scalars(OnnxModelBuilder b)
    {
        b.Initializer("two", [2f]).Initializer("one", [1f]).Initializer("half", [0.5f]).Initializer("eps", [1e-5f])
            .Initializer("sqrt2", [MathF.Sqrt(2f)]).Initializer("minus10000", [-10000f]);
    }

    /// <summary>LayerNorm over the last axis as PyTorch exports it.</summary>
    public static void DecomposedLayerNorm(OnnxModelBuilder b, string name, string x, string output, int d)
    {
        b.RandomUniform($"{name}_w", 0.5f, 1.5f, d).RandomUniform($"{name}_b", -0.2f, 0.2f, d)
            .Node("ReduceMean", [x], [$"{name}_mean"], $"{name}_mean", ("axes", new[] { -1 }))
            .Node("Sub", [x, $"{name}_mean"], [$"{name}_centered"], $"{name}_sub")
            .Node("Pow", [$"{name}_centered", "two"], [$"{name}_sq"], $"{name}_pow")
            .Node("ReduceMean", [$"{name}_sq"], [$"{name}_var"], $"{name}_var", ("axes", new[] { -1 }))
            .Node("Add", [$"{name}_var", "eps"], [$"{name}_vareps"], $"{name}_addeps")
            .Node("Sqrt", [$"{name}_vareps"], [$"{name}_std"], $"{name}_sqrt")
            .Node("Div", [$"{name}_centered", $"{name}_std"], [$"{name}_normed"], $"{name}_div")
            .Node("Mul", [$"{name}_normed", $"{name}_w"], [$"{name}_scaled"], $"{name}_scale")
            .Node("Add", [$"{name}_scaled", $"{name}_b"], [output], $"{name}_shift");
    }

    /// <summary>RMSNorm over the last axis: <c>x · Reciprocal(Sqrt(mean(x²) + ε)) · w</c>.</summary>
    public static void DecomposedRmsNorm(OnnxModelBuilder b, string name, string x, string output, int d)
    {
        b.RandomUniform($"{name}_w", 0.5f, 1.5f, d)
            .Node("Pow", [x, "two"], [$"{name}_sq"], $"{name}_pow")
            .Node("ReduceMean", [$"{name}_sq"], [$"{name}_ms"], $"{name}_mean", ("axes", new[] { -1 }))
            .Node("Add", [$"{name}_ms", "eps"], [$"{name}_mseps"], $"{name}_addeps")
            .Node("Sqrt", [$"{name}_mseps"], [$"{name}_rms"], $"{name}_sqrt")
            .Node("Reciprocal", [$"{name}_rms"], [$"{name}_inv"], $"{name}_reciprocal")
            .Node("Mul", [x, $"{name}_inv"], [$"{name}_normed"], $"{name}_normalize")
            .Node("Mul", [$"{name}_normed", $"{name}_w"], [output], $"{name}_scale");
    }

    /// <summary>
    /// Multi-head self-attention: Q, K, V projections, heads split by Reshape/Transpose, <c>Q·Kᵀ/√dₕ</c> plus an
    /// optional additive mask (any shape broadcasting to [N, H, S, S]), Softmax, <c>A·V</c>, heads merged, output projection.
    /// </summary>
    public static void Attention(OnnxModelBuilder b, string name, string x, string output, int s, int d, int heads, string? additiveMask)
    {
        int dh = d / heads;
        Projection(b, $"{name}_q", x, $"{name}_Q", d, d);
        Projection(b, $"{name}_k", x, $"{name}_K", d, d);
        Projection(b, $"{name}_v", x, $"{name}_V", d, d);
        b.Initializer($"{name}_split", new long[] { 0, s, heads, dh }, 4).Initializer($"{name}_merge", new long[] { 0, s, d }, 3)
            .Initializer($"{name}_scale", [MathF.Sqrt(dh)])
            .Node("Reshape", [$"{name}_Q", $"{name}_split"], [$"{name}_Qh"], $"{name}_q_split")
            .Node("Transpose", $"{name}_Qh", $"{name}_Qt", $"{name}_q_heads", ("perm", new[] { 0, 2, 1, 3 }))
            .Node("Reshape", [$"{name}_K", $"{name}_split"], [$"{name}_Kh"], $"{name}_k_split")
            .Node("Transpose", $"{name}_Kh", $"{name}_Kt", $"{name}_k_heads", ("perm", new[] { 0, 2, 3, 1 }))
            .Node("Reshape", [$"{name}_V", $"{name}_split"], [$"{name}_Vh"], $"{name}_v_split")
            .Node("Transpose", $"{name}_Vh", $"{name}_Vt", $"{name}_v_heads", ("perm", new[] { 0, 2, 1, 3 }))
            .Node("MatMul", [$"{name}_Qt", $"{name}_Kt"], [$"{name}_qk"], $"{name}_scores")
            .Node("Div", [$"{name}_qk", $"{name}_scale"], [$"{name}_scaled"], $"{name}_scale_scores");
        string logits = $"{name}_scaled";
        if (additiveMask is not null)
        {
            b.Node("Add", [logits, additiveMask], [$"{name}_masked"], $"{name}_mask");
            logits = $"{name}_masked";
        }

        b.Node("Softmax", logits, $"{name}_A", $"{name}_softmax", ("axis", -1))
            .Node("MatMul", [$"{name}_A", $"{name}_Vt"], [$"{name}_ctx"], $"{name}_context")
            .Node("Transpose", $"{name}_ctx", $"{name}_ctxT", $"{name}_merge_heads", ("perm", new[] { 0, 2, 1, 3 }))
            .Node("Reshape", [$"{name}_ctxT", $"{name}_merge"], [$"{name}_merged"], $"{name}_merge_reshape");
        Projection(b, $"{name}_o", $"{name}_merged", output, d, d);
    }

    /// <summary>
    /// The additive padding mask of BERT exports from int64 keep-flags [N or 1, S] named <paramref name="flags"/>:
    /// Unsqueeze(1), Unsqueeze(2), Cast(float), Sub(1, ·), Mul(−10000) → [N, 1, 1, S].
    /// </summary>
    public static string PaddingMask(OnnxModelBuilder b, string flags)
    {
        b.Initializer("mask_axis1", new long[] { 1 }, 1).Initializer("mask_axis2", new long[] { 2 }, 1)
            .Node("Unsqueeze", [flags, "mask_axis1"], ["mask_u1"], "mask_unsqueeze1")
            .Node("Unsqueeze", ["mask_u1", "mask_axis2"], ["mask_u2"], "mask_unsqueeze2")
            .Node("Cast", "mask_u2", "mask_float", "mask_cast", ("to", 1))
            .Node("Sub", ["one", "mask_float"], ["mask_inverted"], "mask_invert")
            .Node("Mul", ["mask_inverted", "minus10000"], ["mask_additive"], "mask_scale");
        return "mask_additive";
    }

    /// <summary>A causal additive mask [S, S]: Trilu(upper, k = 1) of a constant −10000 matrix.</summary>
    public static string CausalMask(OnnxModelBuilder b, int s)
    {
        b.Initializer("causal_fill", Enumerable.Repeat(-10000f, s * s).ToArray(), s, s).Initializer("causal_k", new long[] { 1 }, 1)
            .Node("Trilu", ["causal_fill", "causal_k"], ["causal_mask"], "causal_trilu", ("upper", 1));
        return "causal_mask";
    }

    /// <summary>The BERT MLP: dense, GELU as <c>h · (1 + erf(h/√2))</c> then <c>· 0.5</c>, dense.</summary>
    public static void GeluMlp(OnnxModelBuilder b, string name, string x, string output, int d, int hidden)
    {
        Projection(b, $"{name}_up", x, $"{name}_h", d, hidden);
        b.Node("Div", [$"{name}_h", "sqrt2"], [$"{name}_hs"], $"{name}_gelu_div")
            .Node("Erf", $"{name}_hs", $"{name}_erf", $"{name}_gelu_erf")
            .Node("Add", [$"{name}_erf", "one"], [$"{name}_phi2"], $"{name}_gelu_add")
            .Node("Mul", [$"{name}_h", $"{name}_phi2"], [$"{name}_g2"], $"{name}_gelu_gate")
            .Node("Mul", [$"{name}_g2", "half"], [$"{name}_g"], $"{name}_gelu_half");
        Projection(b, $"{name}_down", $"{name}_g", output, hidden, d);
    }

    /// <summary>The Llama MLP: <c>down(SiLU(gate(x)) · up(x))</c>, SiLU as <c>g · Sigmoid(g)</c>.</summary>
    public static void SiluGatedMlp(OnnxModelBuilder b, string name, string x, string output, int d, int hidden)
    {
        Projection(b, $"{name}_gate", x, $"{name}_g", d, hidden);
        Projection(b, $"{name}_up", x, $"{name}_u", d, hidden);
        b.Node("Sigmoid", $"{name}_g", $"{name}_sig", $"{name}_sigmoid")
            .Node("Mul", [$"{name}_g", $"{name}_sig"], [$"{name}_silu"], $"{name}_silu")
            .Node("Mul", [$"{name}_silu", $"{name}_u"], [$"{name}_prod"], $"{name}_product");
        Projection(b, $"{name}_down", $"{name}_prod", output, hidden, d);
    }
}
