using Microsoft.ML.Lrp.Tests.TestModels;
using static Microsoft.ML.Lrp.Onnx.Proto.TensorProto.Types;

namespace Microsoft.ML.Lrp.Tests.Fused;

/// <summary>Attention, MultiHeadAttention and RotaryEmbedding: decomposed versus ONNX Runtime's fused kernels.</summary>
[TestClass]
public sealed class FusedAttentionTests
{
    private static FeedValue Hidden(int seed, int sequence = 5) => new(new SeededWeights(seed).Uniform(2 * sequence * 8, -2f, 2f), [2, sequence, 8]);

    private static OnnxModelBuilder AttentionModel(int opset = 17) => new OnnxModelBuilder(31)
        .Opset(opset)
        .Input("x", "N", 5, 8).Output("y")
        .RandomUniform("w", -0.6f, 0.6f, 8, 24).RandomUniform("b", -0.3f, 0.3f, 24);

    [TestMethod]
    [DataRow(17)]
    [DataRow(13)]
    public void Attention_NoMask_MatchesOnnxRuntime(int opset)
    {
        byte[] model = AttentionModel(opset).MicrosoftNode("Attention", ["x", "w", "b"], ["y"], "attn", ("num_heads", 2L)).Build();
        Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(model, new Dictionary<string, FeedValue> { ["x"] = Hidden(1) }, "y"));
    }

    [TestMethod]
    public void Attention_RawMask_MatchesOnnxRuntime()
    {
        byte[] model = AttentionModel().TypedInput("mask", DataType.Int32, "N", 5)
            .MicrosoftNode("Attention", ["x", "w", "b", "mask"], ["y"], "attn", ("num_heads", 2L)).Build();
        var feeds = new Dictionary<string, FeedValue> { ["x"] = Hidden(2), ["mask"] = new FeedValue(new[] { 1, 1, 1, 0, 0, 1, 1, 1, 1, 1 }, [2, 5]) };
        Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(model, feeds, "y"));
    }

    [TestMethod]
    public void Attention_ThreeDimensionalMask_MatchesOnnxRuntime()
    {
        int[] mask = [.. Enumerable.Range(0, 50).Select(i => (i * 7 % 5) == 0 ? 0 : 1)];
        byte[] model = AttentionModel().TypedInput("mask", DataType.Int32, "N", 5, 5)
            .MicrosoftNode("Attention", ["x", "w", "b", "mask"], ["y"], "attn", ("num_heads", 2L)).Build();
        var feeds = new Dictionary<string, FeedValue> { ["x"] = Hidden(3), ["mask"] = new FeedValue(mask, [2, 5, 5]) };
        Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(model, feeds, "y"));
    }

    [TestMethod]
    public void Attention_LengthMask_MatchesOnnxRuntime()
    {
        byte[] model = AttentionModel().TypedInput("lengths", DataType.Int32, "N")
            .MicrosoftNode("Attention", ["x", "w", "b", "lengths"], ["y"], "attn", ("num_heads", 4L)).Build();
        var feeds = new Dictionary<string, FeedValue> { ["x"] = Hidden(4), ["lengths"] = new FeedValue(new[] { 3, 5 }, [2]) };
        Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(model, feeds, "y"));
    }

    [TestMethod]
    public void Attention_EndAndStartPositionMask_MatchesOnnxRuntime()
    {
        byte[] model = AttentionModel().TypedInput("positions", DataType.Int32, 4)
            .MicrosoftNode("Attention", ["x", "w", "b", "positions"], ["y"], "attn", ("num_heads", 2L)).Build();
        var feeds = new Dictionary<string, FeedValue> { ["x"] = Hidden(15), ["positions"] = new FeedValue(new[] { 5, 5, 2, 0 }, [4]) };
        Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(model, feeds, "y"));
    }

    [TestMethod]
    public void Attention_UnidirectionalWithMaskAndScale_MatchesOnnxRuntime()
    {
        byte[] model = AttentionModel().TypedInput("mask", DataType.Int32, "N", 5)
            .MicrosoftNode("Attention", ["x", "w", "b", "mask"], ["y"], "attn", ("num_heads", 2L), ("unidirectional", 1L), ("scale", 0.3f)).Build();
        var feeds = new Dictionary<string, FeedValue> { ["x"] = Hidden(5), ["mask"] = new FeedValue(new[] { 1, 1, 1, 1, 0, 1, 1, 1, 1, 1 }, [2, 5]) };
        Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(model, feeds, "y"));
    }

    [TestMethod]
    public void Attention_SmallerValueHiddenSize_MatchesOnnxRuntime()
    {
        byte[] model = new OnnxModelBuilder(32).Opset(17)
            .Input("x", "N", 5, 8).Output("y")
            .RandomUniform("w", -0.6f, 0.6f, 8, 20).RandomUniform("b", -0.3f, 0.3f, 20)
            .MicrosoftNode("Attention", ["x", "w", "b"], ["y"], "attn", ("num_heads", 2L), ("qkv_hidden_sizes", new long[] { 8, 8, 4 })).Build();
        Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(model, new Dictionary<string, FeedValue> { ["x"] = Hidden(6) }, "y"));
    }

    [TestMethod]
    public void Attention_PastInput_ThrowsNamingNodeAndInput()
    {
        byte[] model = AttentionModel().Input("past", 2, "N", 2, 3, 4)
            .MicrosoftNode("Attention", ["x", "w", "b", "", "past"], ["y"], "cached", ("num_heads", 2L)).Build();
        var e = Assert.ThrowsExactly<LrpException>(() => FusedRunner.Decompose(model));
        StringAssert.Contains(e.Message, "'cached'");
        StringAssert.Contains(e.Message, "Attention");
        StringAssert.Contains(e.Message, "past");
    }

    [TestMethod]
    public void Attention_DoRotary_ThrowsNamingAttribute()
    {
        byte[] model = AttentionModel().MicrosoftNode("Attention", ["x", "w", "b"], ["y"], "rotating", ("num_heads", 2L), ("do_rotary", 1L)).Build();
        var e = Assert.ThrowsExactly<LrpException>(() => FusedRunner.Decompose(model));
        StringAssert.Contains(e.Message, "'rotating'");
        StringAssert.Contains(e.Message, "do_rotary");
    }

    [TestMethod]
    public void MultiHeadAttention_CrossAttentionWithBiasAndPaddingMask_MatchesOnnxRuntime()
    {
        byte[] model = new OnnxModelBuilder(33).Opset(17)
            .Input("q", "N", 5, 8).Input("k", "N", 4, 8).Input("v", "N", 4, 8).TypedInput("mask", DataType.Int32, "N", 4).Output("y")
            .RandomUniform("b", -0.3f, 0.3f, 24)
            .MicrosoftNode("MultiHeadAttention", ["q", "k", "v", "b", "mask"], ["y"], "mha", ("num_heads", 2L)).Build();
        var feeds = new Dictionary<string, FeedValue>
        {
            ["q"] = Hidden(7), ["k"] = Hidden(8, 4), ["v"] = Hidden(9, 4),
            ["mask"] = new FeedValue(new[] { 1, 1, 0, 0, 1, 1, 1, 1 }, [2, 4]),
        };
        Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(model, feeds, "y"));
    }

    [TestMethod]
    public void MultiHeadAttention_CausalWithAttentionBias_MatchesOnnxRuntime()
    {
        byte[] model = new OnnxModelBuilder(34).Opset(17)
            .Input("q", "N", 5, 8).Input("k", "N", 5, 8).Input("v", "N", 5, 8).Output("y")
            .RandomUniform("bias", -1f, 1f, 1, 2, 5, 5)
            .MicrosoftNode("MultiHeadAttention", ["q", "k", "v", "", "", "bias"], ["y"], "mha", ("num_heads", 2L), ("unidirectional", 1L)).Build();
        var feeds = new Dictionary<string, FeedValue> { ["q"] = Hidden(10), ["k"] = Hidden(11), ["v"] = Hidden(12) };
        Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(model, feeds, "y"));
    }

    [TestMethod]
    [DataRow(0L)]
    [DataRow(1L)]
    public void RotaryEmbedding_ThreeDimensionalWithPositionIds_MatchesOnnxRuntime(long interleaved)
    {
        byte[] model = Rotary("x3", [2, 5, 8], DataType.Int64, [2, 5], 2, interleaved, rotaryDim: 0);
        var feeds = new Dictionary<string, FeedValue>
        {
            ["x3"] = Hidden(13),
            ["pos"] = new FeedValue(new long[] { 0, 1, 2, 3, 4, 3, 4, 5, 6, 7 }, [2, 5]),
        };
        Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(model, feeds, "y"));
    }

    [TestMethod]
    [DataRow(0L)]
    [DataRow(1L)]
    public void RotaryEmbedding_FourDimensionalPartialRotaryWithOffset_MatchesOnnxRuntime(long interleaved)
    {
        byte[] model = Rotary("x4", [2, 2, 5, 8], DataType.Int64, [1], 0, interleaved, rotaryDim: 4);
        var feeds = new Dictionary<string, FeedValue>
        {
            ["x4"] = new FeedValue(new SeededWeights(14).Uniform(160, -2f, 2f), [2, 2, 5, 8]),
            ["pos"] = new FeedValue(new long[] { 2 }, [1]),
        };
        Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(model, feeds, "y"));
    }

    private static byte[] Rotary(string input, int[] shape, DataType positionType, int[] positionShape, long numHeads, long interleaved, long rotaryDim)
    {
        int half = rotaryDim > 0 ? (int)rotaryDim / 2 : 2;
        float[] cos = new float[16 * half], sin = new float[16 * half];
        for (int p = 0; p < 16; p++)
        {
            for (int i = 0; i < half; i++)
            {
                double angle = p / Math.Pow(100, 2.0 * i / (2 * half));
                cos[(p * half) + i] = (float)Math.Cos(angle);
                sin[(p * half) + i] = (float)Math.Sin(angle);
            }
        }

        var attributes = new List<(string, object)> { ("interleaved", interleaved) };
        if (numHeads > 0)
        {
            attributes.Add(("num_heads", numHeads));
        }

        if (rotaryDim > 0)
        {
            attributes.Add(("rotary_embedding_dim", rotaryDim));
            attributes.Add(("num_heads", 2L));
        }

        return new OnnxModelBuilder(35).Opset(17)
            .Input(input, [.. shape.Select(d => (object)d)]).TypedInput("pos", positionType, [.. positionShape.Select(d => (object)d)]).Output("y")
            .Initializer("cos", cos, 16, half).Initializer("sin", sin, 16, half)
            .MicrosoftNode("RotaryEmbedding", [input, "pos", "cos", "sin"], ["y"], "rope", [.. attributes])
            .Build();
    }
}
