using Microsoft.ML.Lrp.Tests.TestModels;
using static Microsoft.ML.Lrp.Onnx.Proto.TensorProto.Types;

namespace Microsoft.ML.Lrp.Tests.Fused;

/// <summary>Skip, simplified and embedding normalisations: decomposed versus ONNX Runtime's fused kernels.</summary>
[TestClass]
public sealed class FusedNormalizationTests
{
    private static Dictionary<string, FeedValue> Feeds(float scale = 1f) => new()
    {
        ["x"] = new FeedValue(new SeededWeights(11).Uniform(48, -2f * scale, 2f * scale), [2, 3, 8]),
        ["skip"] = new FeedValue(new SeededWeights(12).Uniform(48, -2f * scale, 2f * scale), [2, 3, 8]),
    };

    private static OnnxModelBuilder Params(int opset) => new OnnxModelBuilder(9)
        .Opset(opset)
        .Input("x", "N", 3, 8).Input("skip", "N", 3, 8).Output("y")
        .RandomUniform("gamma", 0.5f, 1.5f, 8).RandomUniform("beta", -0.5f, 0.5f, 8).RandomUniform("bias", -0.5f, 0.5f, 8);

    [TestMethod]
    [DataRow(17)]
    [DataRow(13)]
    public void SkipLayerNormalization_WithBiasAndSum_MatchesOnnxRuntime(int opset)
    {
        byte[] model = Params(opset).Output("sum")
            .MicrosoftNode("SkipLayerNormalization", ["x", "skip", "gamma", "beta", "bias"], ["y", "", "", "sum"], "sln", ("epsilon", 1e-5f))
            .Build();
        Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(model, Feeds(), "y", "sum"));
    }

    [TestMethod]
    public void SkipLayerNormalization_DefaultEpsilonOnTinyInputs_MatchesOnnxRuntime()
    {
        byte[] model = Params(17)
            .MicrosoftNode("SkipLayerNormalization", ["x", "skip", "gamma"], ["y"], "sln")
            .Build();
        Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(model, Feeds(1e-4f), "y"));
    }

    [TestMethod]
    public void SkipSimplifiedLayerNormalization_WithBiasAndSum_MatchesOnnxRuntime()
    {
        byte[] model = Params(17).Output("sum")
            .MicrosoftNode("SkipSimplifiedLayerNormalization", ["x", "skip", "gamma", "bias"], ["y", "", "", "sum"], "ssln", ("epsilon", 1e-6f))
            .Build();
        Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(model, Feeds(), "y", "sum"));
    }

    [TestMethod]
    public void SkipSimplifiedLayerNormalization_DefaultEpsilonOnTinyInputs_MatchesOnnxRuntime()
    {
        byte[] model = Params(17)
            .MicrosoftNode("SkipSimplifiedLayerNormalization", ["x", "skip", "gamma"], ["y"], "ssln")
            .Build();
        Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(model, Feeds(1e-4f), "y"));
    }

    [TestMethod]
    public void SimplifiedLayerNormalization_DefaultDomain_MatchesOnnxRuntime()
    {
        byte[] model = Params(17)
            .Node("SimplifiedLayerNormalization", ["x", "gamma"], ["y"], "rms", ("epsilon", 1e-6f), ("axis", -1L))
            .Build();
        Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(model, Feeds(), "y"));
    }

    [TestMethod]
    public void SkipLayerNormalization_MeanOutputRead_ThrowsNamingNode()
    {
        byte[] model = Params(17).Output("mean")
            .MicrosoftNode("SkipLayerNormalization", ["x", "skip", "gamma"], ["y", "mean"], "statistics")
            .Build();
        var e = Assert.ThrowsExactly<LrpException>(() => FusedRunner.Decompose(model));
        StringAssert.Contains(e.Message, "'statistics'");
        StringAssert.Contains(e.Message, "SkipLayerNormalization");
        StringAssert.Contains(e.Message, "mean");
    }

    [TestMethod]
    [DataRow(17)]
    [DataRow(13)]
    public void EmbedLayerNormalization_SegmentsAndMask_MatchesOnnxRuntime(int opset)
    {
        byte[] model = Embedding(opset)
            .TypedInput("segment_ids", DataType.Int32, "N", 5).TypedInput("mask", DataType.Int32, "N", 5)
            .TypedOutput("mask_index", DataType.Int32).Output("sum")
            .MicrosoftNode("EmbedLayerNormalization", ["ids", "segment_ids", "word", "position", "segment", "gamma", "beta", "mask"], ["y", "mask_index", "sum"], "embed", ("epsilon", 1e-5f))
            .Build();
        var feeds = new Dictionary<string, FeedValue>
        {
            ["ids"] = new FeedValue(new[] { 1, 7, 3, 19, 0, 4, 4, 12, 2, 9 }, [2, 5]),
            ["segment_ids"] = new FeedValue(new[] { 0, 0, 1, 1, 1, 0, 1, 1, 0, 0 }, [2, 5]),
            ["mask"] = new FeedValue(new[] { 1, 1, 1, 1, 0, 1, 1, 0, 0, 0 }, [2, 5]),
        };
        Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(model, feeds, "y", "mask_index", "sum"));
    }

    [TestMethod]
    public void EmbedLayerNormalization_PositionIdsNoMask_MatchesOnnxRuntime()
    {
        byte[] model = Embedding(17)
            .TypedInput("position_ids", DataType.Int32, 1, 5)
            .TypedOutput("mask_index", DataType.Int32)
            .MicrosoftNode("EmbedLayerNormalization", ["ids", "", "word", "position", "", "gamma", "beta", "", "position_ids"], ["y", "mask_index"], "embed", ("epsilon", 1e-5f))
            .Build();
        var feeds = new Dictionary<string, FeedValue>
        {
            ["ids"] = new FeedValue(new[] { 1, 7, 3, 19, 0, 4, 4, 12, 2, 9 }, [2, 5]),
            ["position_ids"] = new FeedValue(new[] { 3, 4, 5, 6, 7 }, [1, 5]),
        };
        Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(model, feeds, "y", "mask_index"));
    }

    private static OnnxModelBuilder Embedding(int opset) => new OnnxModelBuilder(21)
        .Opset(opset)
        .TypedInput("ids", DataType.Int32, "N", 5).Output("y")
        .RandomUniform("word", -1f, 1f, 20, 8).RandomUniform("position", -1f, 1f, 16, 8).RandomUniform("segment", -1f, 1f, 2, 8)
        .RandomUniform("gamma", 0.5f, 1.5f, 8).RandomUniform("beta", -0.5f, 0.5f, 8);
}
