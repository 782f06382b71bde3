using Microsoft.ML.Lrp.Tests.Fused;
using Microsoft.ML.Lrp.Tests.TestModels;
using static Microsoft.ML.Lrp.Onnx.Proto.TensorProto.Types;

namespace Microsoft.ML.Lrp.Tests.AttentionOps;

/// <summary>GroupQueryAttention and MultiHeadAttention with key/value caches, and the opset-23 RotaryEmbedding, versus ONNX Runtime.</summary>
[TestClass]
public sealed class CachedAttentionTests
{
    private const double Tolerance = 1e-5;

    private static byte[] Gqa(long past, long sequence, params (string, object)[] extra) => new OnnxModelBuilder(42).Opset(17)
        .Input("q", "N", sequence, 16).Input("k", "N", sequence, 8).Input("v", "N", sequence, 8)
        .Input("pk", "N", 1, past, 8).Input("pv", "N", 1, past, 8)
        .TypedInput("seqlens", DataType.Int32, "N").TypedInput("total", DataType.Int32)
        .Output("y").Output("present_k").Output("present_v")
        .MicrosoftNode("GroupQueryAttention", ["q", "k", "v", "pk", "pv", "seqlens", "total"], ["y", "present_k", "present_v"], "gqa",
            [("num_heads", 2L), ("kv_num_heads", 1L), .. extra])
        .Build();

    // ONNX Runtime takes several new tokens over a cache only for one row.
    private static Dictionary<string, FeedValue> GqaFeeds(long past, long sequence, int[] seqlens) => new()
    {
        ["q"] = DecompositionRunner.Random(1, seqlens.Length, sequence, 16), ["k"] = DecompositionRunner.Random(2, seqlens.Length, sequence, 8),
        ["v"] = DecompositionRunner.Random(3, seqlens.Length, sequence, 8),
        ["pk"] = DecompositionRunner.Random(4, seqlens.Length, 1, past, 8), ["pv"] = DecompositionRunner.Random(5, seqlens.Length, 1, past, 8),
        ["seqlens"] = new FeedValue(seqlens, [seqlens.Length]), ["total"] = new FeedValue(new[] { (int)(past + sequence) }, []),
    };

    [TestMethod]
    public void GroupQueryAttention_PromptWithEmptyCache_MatchesOnnxRuntime()
        => DecompositionRunner.AssertMatches(Gqa(0, 5), "GroupQueryAttention", GqaFeeds(0, 5, [4, 4]), Tolerance, "y", "present_k", "present_v");

    [TestMethod]
    public void GroupQueryAttention_PaddedPrompt_MatchesOnnxRuntime()
        => DecompositionRunner.AssertMatches(Gqa(0, 5), "GroupQueryAttention", GqaFeeds(0, 5, [4, 2]), Tolerance, "y");

    [TestMethod]
    [DataRow(1L)]
    [DataRow(2L)]
    public void GroupQueryAttention_DecodingWithCache_MatchesOnnxRuntime(long sequence)
        => DecompositionRunner.AssertMatches(Gqa(3, sequence), "GroupQueryAttention", GqaFeeds(3, sequence, sequence == 1 ? [3, 3] : [(int)(2 + sequence)]), Tolerance, "y", "present_k", "present_v");

    [TestMethod]
    public void GroupQueryAttention_SoftcapAndScale_MatchesOnnxRuntime()
        => DecompositionRunner.AssertMatches(Gqa(3, 2, ("softcap", 2f), ("scale", 0.7f)), "GroupQueryAttention", GqaFeeds(3, 2, [4]), Tolerance, "y");

    [TestMethod]
    public void GroupQueryAttention_LocalWindow_ThrowsNamingNodeAndAttribute()
    {
        var e = Assert.ThrowsExactly<LrpException>(() => DecompositionRunner.Decompose(Gqa(3, 1, ("local_window_size", 2L)), "GroupQueryAttention"));
        StringAssert.Contains(e.Message, "'gqa'");
        StringAssert.Contains(e.Message, "local_window_size");
    }

    [TestMethod]
    [DataRow(0L)]
    [DataRow(1L)]
    public void MultiHeadAttention_PastKeyValueWithPaddingMask_MatchesOnnxRuntime(long unidirectional)
    {
        byte[] model = new OnnxModelBuilder(43).Opset(17)
            .Input("q", 2, 2, 8).Input("k", 2, 2, 8).Input("v", 2, 2, 8).Input("pk", 2, 2, 3, 4).Input("pv", 2, 2, 3, 4)
            .TypedInput("mask", DataType.Int32, 2, 5).Output("y").Output("present_k").Output("present_v")
            .RandomUniform("b", -0.3f, 0.3f, 24)
            .MicrosoftNode("MultiHeadAttention", ["q", "k", "v", "b", "mask", "", "pk", "pv"], ["y", "present_k", "present_v"], "mha",
                ("num_heads", 2L), ("unidirectional", unidirectional))
            .Build();
        var feeds = new Dictionary<string, FeedValue>
        {
            ["q"] = DecompositionRunner.Random(1, 2, 2, 8), ["k"] = DecompositionRunner.Random(2, 2, 2, 8), ["v"] = DecompositionRunner.Random(3, 2, 2, 8),
            ["pk"] = DecompositionRunner.Random(4, 2, 2, 3, 4), ["pv"] = DecompositionRunner.Random(5, 2, 2, 3, 4),
            ["mask"] = new FeedValue(new[] { 1, 0, 1, 1, 1, 1, 1, 1, 1, 1 }, [2, 5]),
        };
        DecompositionRunner.AssertMatches(model, "MultiHeadAttention", feeds, Tolerance, "y", "present_k", "present_v");
    }

    [TestMethod]
    [DataRow(0L, 0L)]
    [DataRow(1L, 0L)]
    [DataRow(0L, 4L)]
    [DataRow(1L, 4L)]
    public void OnnxRotaryEmbedding_ThreeDimensionalWithPositionIds_MatchesOnnxRuntime(long interleaved, long rotaryDim)
    {
        int half = rotaryDim > 0 ? (int)rotaryDim / 2 : 4;
        var attributes = new List<(string, object)> { ("interleaved", interleaved), ("num_heads", 2L) };
        if (rotaryDim > 0)
        {
            attributes.Add(("rotary_embedding_dim", rotaryDim));
        }

        var (cos, sin) = Caches(16, half);
        byte[] model = DecompositionRunner.Ir10(new OnnxModelBuilder(44).Opset(23)
            .Input("x", 2, 5, 16).TypedInput("pos", DataType.Int64, 2, 5).Output("y")
            .Initializer("cos", cos, 16, half).Initializer("sin", sin, 16, half)
            .Node("RotaryEmbedding", ["x", "cos", "sin", "pos"], ["y"], "rope", [.. attributes]).Build());
        var feeds = new Dictionary<string, FeedValue>
        {
            ["x"] = DecompositionRunner.Random(7, 2, 5, 16),
            ["pos"] = new FeedValue(new long[] { 0, 1, 2, 3, 4, 6, 7, 8, 9, 10 }, [2, 5]),
        };
        DecompositionRunner.AssertMatches(model, "RotaryEmbedding", feeds, Tolerance, "y");
    }

    [TestMethod]
    [DataRow(0L)]
    [DataRow(1L)]
    public void OnnxRotaryEmbedding_FourDimensionalPerRowCaches_MatchesOnnxRuntime(long interleaved)
    {
        byte[] model = DecompositionRunner.Ir10(new OnnxModelBuilder(45).Opset(23)
            .Input("x", 2, 2, 5, 8).Input("cos", 2, 5, 4).Input("sin", 2, 5, 4).Output("y")
            .Node("RotaryEmbedding", ["x", "cos", "sin"], ["y"], "rope", ("interleaved", interleaved)).Build());
        var feeds = new Dictionary<string, FeedValue>
        {
            ["x"] = DecompositionRunner.Random(8, 2, 2, 5, 8),
            ["cos"] = DecompositionRunner.Random(9, 2, 5, 4), ["sin"] = DecompositionRunner.Random(10, 2, 5, 4),
        };
        DecompositionRunner.AssertMatches(model, "RotaryEmbedding", feeds, Tolerance, "y");
    }

    private static (float[] Cos, float[] Sin) Caches(int positions, int half)
    {
        float[] cos = new float[positions * half], sin = new float[positions * half];
        for (int p = 0; p < positions; p++)
        {
            for (int i = 0; i < half; i++)
            {
                double angle = p / Math.Pow(100, 2.0 * i / (2 * half));
                cos[(p * half) + i] = (float)Math.Cos(angle);
                sin[(p * half) + i] = (float)Math.Sin(angle);
            }
        }

        return (cos, sin);
    }
}
