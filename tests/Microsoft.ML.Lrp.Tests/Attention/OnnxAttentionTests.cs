using Microsoft.ML.Lrp.Tests.Fused;
using Microsoft.ML.Lrp.Tests.TestModels;
using static Microsoft.ML.Lrp.Onnx.Proto.TensorProto.Types;

namespace Microsoft.ML.Lrp.Tests.AttentionOps;

/// <summary>The opset-23 default-domain Attention: decomposed versus ONNX Runtime's own kernel.</summary>
[TestClass]
public sealed class OnnxAttentionTests
{
    private const double Tolerance = 1e-5;

    private static OnnxModelBuilder Model(long[] q, long[] k, long[] v) => new OnnxModelBuilder(41).Opset(23)
        .Input("q", [.. q.Select(d => (object)d)]).Input("k", [.. k.Select(d => (object)d)]).Input("v", [.. v.Select(d => (object)d)]);

    private static Dictionary<string, FeedValue> Feeds(long[] q, long[] k, long[] v) => new()
    {
        ["q"] = DecompositionRunner.Random(1, q), ["k"] = DecompositionRunner.Random(2, k), ["v"] = DecompositionRunner.Random(3, v),
    };

    [TestMethod]
    public void ThreeDimensional_MultiHead_MatchesOnnxRuntime()
    {
        long[] q = [2, 5, 8], kv = [2, 5, 8];
        byte[] model = DecompositionRunner.Ir10(Model(q, kv, kv).Output("y")
            .Node("Attention", ["q", "k", "v"], ["y"], "attn", ("q_num_heads", 2L), ("kv_num_heads", 2L)).Build());
        DecompositionRunner.AssertMatches(model, "Attention", Feeds(q, kv, kv), Tolerance, "y");
    }

    [TestMethod]
    [DataRow(0L)]
    [DataRow(1L)]
    public void FourDimensional_GroupedQueryCausalScaled_MatchesOnnxRuntime(long causal)
    {
        long[] q = [2, 4, 5, 3], k = [2, 2, 5, 3], v = [2, 2, 5, 6];
        byte[] model = DecompositionRunner.Ir10(Model(q, k, v).Output("y")
            .Node("Attention", ["q", "k", "v"], ["y"], "attn", ("is_causal", causal), ("scale", 0.4f)).Build());
        DecompositionRunner.AssertMatches(model, "Attention", Feeds(q, k, v), Tolerance, "y");
    }

    [TestMethod]
    public void ThreeDimensional_GroupedCrossAttentionWithBooleanMask_MatchesOnnxRuntime()
    {
        long[] q = [2, 3, 12], kv = [2, 4, 4];
        int[] mask = [1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 0];
        byte[] model = DecompositionRunner.Ir10(Model(q, kv, kv).TypedInput("m", DataType.Int32, 2, 1, 3, 4).Output("y")
            .Node("Cast", ["m"], ["mb"], "cast", ("to", (long)DataType.Bool)).DeclareValue("mb", DataType.Bool, 2, 1, 3, 4)
            .Node("Attention", ["q", "k", "v", "mb"], ["y"], "attn", ("q_num_heads", 3L), ("kv_num_heads", 1L)).Build());
        var feeds = Feeds(q, kv, kv);
        feeds["m"] = new FeedValue(mask.Concat(mask).ToArray(), [2, 1, 3, 4]);
        DecompositionRunner.AssertMatches(model, "Attention", feeds, Tolerance, "y");
    }

    [TestMethod]
    public void FloatMaskAndSoftcap_MatchesOnnxRuntime()
    {
        long[] q = [2, 5, 8], kv = [2, 5, 8];
        byte[] model = DecompositionRunner.Ir10(Model(q, kv, kv).Input("bias", 5, 5).Output("y")
            .Node("Attention", ["q", "k", "v", "bias"], ["y"], "attn", ("q_num_heads", 2L), ("kv_num_heads", 2L), ("softcap", 1.5f)).Build());
        var feeds = Feeds(q, kv, kv);
        feeds["bias"] = DecompositionRunner.Random(4, 5, 5);
        DecompositionRunner.AssertMatches(model, "Attention", feeds, Tolerance, "y");
    }

    [TestMethod]
    [DataRow(3L)]
    [DataRow(0L)]
    public void PastKeyValueCausal_MatchesOnnxRuntimeWithPresentOutputs(long past)
    {
        long[] q = [2, 2, 8], kv = [2, 2, 4], cache = [2, 1, past, 4];
        byte[] model = DecompositionRunner.Ir10(Model(q, kv, kv).Input("pk", [.. cache.Select(d => (object)d)]).Input("pv", [.. cache.Select(d => (object)d)])
            .Output("y").Output("present_k").Output("present_v")
            .Node("Attention", ["q", "k", "v", "", "pk", "pv"], ["y", "present_k", "present_v"], "attn", ("q_num_heads", 2L), ("kv_num_heads", 1L), ("is_causal", 1L)).Build());
        var feeds = Feeds(q, kv, kv);
        feeds["pk"] = DecompositionRunner.Random(5, cache);
        feeds["pv"] = DecompositionRunner.Random(6, cache);
        DecompositionRunner.AssertMatches(model, "Attention", feeds, Tolerance, "y", "present_k", "present_v");
    }

    [TestMethod]
    public void QkMatMulOutputRead_ThrowsNamingNodeAndOutput()
    {
        long[] q = [2, 5, 8];
        byte[] model = DecompositionRunner.Ir10(Model(q, q, q).Output("y").Output("qk")
            .Node("Attention", ["q", "k", "v"], ["y", "", "", "qk"], "scores_out", ("q_num_heads", 2L), ("kv_num_heads", 2L)).Build());
        var e = Assert.ThrowsExactly<LrpException>(() => DecompositionRunner.Decompose(model, "Attention"));
        StringAssert.Contains(e.Message, "'scores_out'");
        StringAssert.Contains(e.Message, "qk_matmul_output");
    }

    [TestMethod]
    public void ThreeDimensionalWithoutHeadCounts_ThrowsNamingAttribute()
    {
        long[] q = [2, 5, 8];
        byte[] model = DecompositionRunner.Ir10(Model(q, q, q).Output("y").Node("Attention", ["q", "k", "v"], ["y"], "headless").Build());
        var e = Assert.ThrowsExactly<LrpException>(() => DecompositionRunner.Decompose(model, "Attention"));
        StringAssert.Contains(e.Message, "'headless'");
        StringAssert.Contains(e.Message, "q_num_heads");
    }
}
