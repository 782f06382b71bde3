using Microsoft.ML.Lrp.Tests.TestModels;
using Microsoft.ML.Lrp.Tests.Transformer;
using static Microsoft.ML.Lrp.Onnx.Proto.TensorProto.Types;

namespace Microsoft.ML.Lrp.Tests.AttentionOps;

/// <summary>
/// Relevance through the decomposed opset-23 Attention and the cached GroupQueryAttention, end to end: the same
/// self-attention written as com.microsoft MultiHeadAttention (decomposed independently, by <c>AttentionCore</c>)
/// gives the same relevance; relevance is finite, non-zero and conserved node by node; the caches fed by the caller
/// are side inputs.
/// </summary>
[TestClass]
public sealed class AttentionRelevanceTests
{
    private const int Rows = 2;

    // x [N, 5, 8] → three projections → attention (2 heads, causal) → y [N, 5, 8].
    private static OnnxModelBuilder Projections(int opset, int kvWidth) => new OnnxModelBuilder(51).Opset(opset)
        .Input("x", "N", 5, 8).Output("y", "N", 5, 8)
        .RandomUniform("wq", -0.7f, 0.7f, 8, 8).RandomUniform("wk", -0.7f, 0.7f, 8, kvWidth).RandomUniform("wv", -0.7f, 0.7f, 8, kvWidth)
        .Node("MatMul", ["x", "wq"], ["q"], "proj_q").Node("MatMul", ["x", "wk"], ["k"], "proj_k").Node("MatMul", ["x", "wv"], ["v"], "proj_v")
        .DeclareValue("q", DataType.Float, "N", 5, 8).DeclareValue("k", DataType.Float, "N", 5, kvWidth).DeclareValue("v", DataType.Float, "N", 5, kvWidth);

    /// <summary>x [N, 5, 8] → projections → opset-23 Attention (2 heads, causal) → y [N, 5, 8].</summary>
    internal static byte[] OnnxAttentionModel() => DecompositionRunner.Ir10(Projections(23, 8)
        .Node("Attention", ["q", "k", "v"], ["y"], "attn", ("q_num_heads", 2L), ("kv_num_heads", 2L), ("is_causal", 1L)).Build());

    /// <summary>x [N, 5, 8] → projections → GroupQueryAttention over a filled cache (side inputs pk, pv [N, 1, 3, 4]) → y [N, 5, 8].</summary>
    internal static byte[] GroupQueryAttentionModel() => Projections(17, 4)
        .Input("pk", "N", 1, 3, 4).Input("pv", "N", 1, 3, 4)
        .Initializer("zero", [0L], 1).Initializer("one", [1L], 1).Node("Shape", ["x"], ["x_shape"], "x_shape")
        .Node("Slice", ["x_shape", "zero", "one"], ["batch"], "batch")
        .Node("ConstantOfShape", ["batch"], ["seqlens"], "seqlens", ("value", Int32Tensor([7], 1)))
        .Node("Constant", [], ["total"], "total", ("value", Int32Tensor([8])))
        .MicrosoftNode("GroupQueryAttention", ["q", "k", "v", "pk", "pv", "seqlens", "total"], ["y"], "gqa", ("num_heads", 2L), ("kv_num_heads", 1L))
        .Build();

    [TestMethod]
    [DataRow(LrpComposite.AttnLrp)]
    [DataRow(LrpComposite.CpLrp)]
    public void OnnxAttention_CausalSelfAttention_EqualsMultiHeadAttentionRelevanceAndConserves(LrpComposite composite)
    {
        byte[] onnx = OnnxAttentionModel();
        byte[] contrib = Projections(17, 8)
            .MicrosoftNode("MultiHeadAttention", ["q", "k", "v"], ["y"], "attn", ("num_heads", 2L), ("unidirectional", 1L)).Build();
        float[] input = RuleHarness.Input(Rows * 40, 52);
        var (fromOnnx, _) = RuleHarness.Explain(onnx, input, Rows, composite);
        var (fromContrib, _) = RuleHarness.Explain(contrib, input, Rows, composite);

        double[] expected = [.. fromContrib.Relevance.Select(v => (double)v)];
        Assert.IsGreaterThan(1e-3, expected.Sum(Math.Abs), "the reference relevance is not all zero");
        RuleHarness.AssertMatches(expected, fromOnnx, $"opset-23 Attention ({composite})");
    }

    [TestMethod]
    public void GroupQueryAttention_WithFilledCache_IsFiniteNonZeroAndConserved()
    {
        byte[] model = GroupQueryAttentionModel();
        float[] input = RuleHarness.Input(Rows * 40, 53);
        var side = new Dictionary<string, Array>
        {
            ["pk"] = new SeededWeights(54).Uniform(Rows * 12, -1f, 1f),
            ["pv"] = new SeededWeights(55).Uniform(Rows * 12, -1f, 1f),
        };
        var (result, _) = RuleHarness.Explain(model, input, Rows, LrpComposite.AttnLrp, additional: side);
        Assert.IsTrue(result.Relevance.All(float.IsFinite), "finite relevance");
        Assert.IsGreaterThan(1e-3, result.Relevance.Sum(Math.Abs), "non-zero relevance");
        Assert.IsLessThan(1e-4, result.ConservationReport!.MaxRelativeError, "per-node conservation");
    }

    // The engine feeds scalar and batch-only inputs only through other helpers' work (issue 11 item 4): constants here.
    private static global::Microsoft.ML.Lrp.Onnx.Proto.TensorProto Int32Tensor(int[] values, params long[] dims)
    {
        var tensor = new global::Microsoft.ML.Lrp.Onnx.Proto.TensorProto { DataType = (int)DataType.Int32 };
        tensor.Dims.AddRange(dims);
        tensor.Int32Data.AddRange(values);
        return tensor;
    }
}
