using Microsoft.ML.Lrp.Graph.Fused;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Fused;

/// <summary>The rewrite itself: what it leaves alone, how it names things, what it refuses.</summary>
[TestClass]
public sealed class FusedDecompositionTests
{
    [TestMethod]
    public void Apply_NoFusedOps_ReturnsSameModel()
    {
        OnnxModel model = OnnxModel.Load(new OnnxModelBuilder().Input("x", "N", 4).Output("y").Node("Relu", "x", "y").Build());
        Assert.AreSame(model, FusedOpDecomposition.Apply(model));
    }

    [TestMethod]
    public void Apply_FusedGelu_KeepsOutputNameAndNamesNewNodesAfterTheFusedNode()
    {
        byte[] bytes = new OnnxModelBuilder().Opset(17).Input("x", "N", 4).Output("y").MicrosoftNode("Gelu", ["x"], ["y"], "act").Build();
        OnnxGraph graph = FusedOpDecomposition.Apply(OnnxModel.Load(bytes)).Graph;
        Assert.AreEqual("Mul", graph.Producer("y")!.OpType);
        Assert.AreEqual(5, graph.Nodes.Count(n => n.Name.StartsWith("act/", StringComparison.Ordinal)));
        Assert.AreEqual(1, graph.Nodes.Count(n => n.OpType == "Erf"));
    }

    [TestMethod]
    public void Apply_MultiHeadAttentionWithPackedQkv_ThrowsNamingNode()
    {
        byte[] bytes = new OnnxModelBuilder().Opset(17).Input("qkv", "N", 5, 2, 3, 4).Output("y")
            .MicrosoftNode("MultiHeadAttention", ["qkv"], ["y"], "packed", ("num_heads", 2L)).Build();
        var e = Assert.ThrowsExactly<LrpException>(() => FusedOpDecomposition.Apply(OnnxModel.Load(bytes)));
        StringAssert.Contains(e.Message, "'packed'");
        StringAssert.Contains(e.Message, "MultiHeadAttention");
        StringAssert.Contains(e.Message, "packed QKV");
    }

    [TestMethod]
    public void Apply_RotaryEmbeddingPackedBatching_ThrowsNamingAttribute()
    {
        byte[] bytes = new OnnxModelBuilder().Opset(17).Input("x", "N", 5, 8).Output("y")
            .TypedInput("pos", Microsoft.ML.Lrp.Onnx.Proto.TensorProto.Types.DataType.Int64, "N", 5)
            .RandomUniform("cos", -1f, 1f, 16, 2).RandomUniform("sin", -1f, 1f, 16, 2)
            .MicrosoftNode("RotaryEmbedding", ["x", "pos", "cos", "sin"], ["y"], "rope", ("is_packed_batching", 1L)).Build();
        var e = Assert.ThrowsExactly<LrpException>(() => FusedOpDecomposition.Apply(OnnxModel.Load(bytes)));
        StringAssert.Contains(e.Message, "'rope'");
        StringAssert.Contains(e.Message, "is_packed_batching");
    }

    [TestMethod]
    public void Explainer_UnsupportedFusedForm_ThrowsBeforeAnyData()
    {
        byte[] bytes = new OnnxModelBuilder().Opset(17).Input("x", "N", 5, 8).Output("y")
            .RandomUniform("w", -1f, 1f, 8, 24)
            .MicrosoftNode("Attention", ["x", "w"], ["y"], "attn", ("num_heads", 2L), ("past_present_share_buffer", 1L)).Build();
        var e = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(new LrpOptions { ModelBytes = bytes }));
        StringAssert.Contains(e.Message, "'attn'");
        StringAssert.Contains(e.Message, "past_present_share_buffer");
    }
}
