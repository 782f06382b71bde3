using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Onnx.Proto;
using static Microsoft.ML.Lrp.Tests.Onnx.OnnxTestModels;

namespace Microsoft.ML.Lrp.Tests.Onnx;

[TestClass]
public sealed class OnnxModelWriterTests
{
    private static readonly float[] W = Values(12, 3);
    private static readonly float[] B = Values(3, 4);

    /// <summary>x[1,4] -> MatMul W[4,3] = h -> Relu = r -> Add B = y.</summary>
    private static ModelProto DenseModel()
    {
        ModelProto model = NewModel();
        GraphProto g = model.Graph;
        g.Input.Add(Value("x", 1, 4));
        g.Initializer.Add(FloatTensor("W", [4, 3], W));
        g.Initializer.Add(FloatTensor("B", [3], B));
        g.Node.Add(Node("MatMul", "mm", ["x", "W"], ["h"]));
        g.Node.Add(Node("Relu", "relu", ["h"], ["r"]));
        g.Node.Add(Node("Add", "add", ["r", "B"], ["y"]));
        g.Output.Add(Value("y", 1, 3));
        return model;
    }

    /// <summary>x[1,1,4,4] -> Conv(2 filters 3x3, pad 1) = c -> Reshape [1,-1] = f -> Gemm(f, G[32,3], C) = y[1,3].</summary>
    private static ModelProto ConvModel()
    {
        ModelProto model = NewModel();
        GraphProto g = model.Graph;
        g.Input.Add(Value("x", 1, 1, 4, 4));
        g.Initializer.Add(FloatTensor("K", [2, 1, 3, 3], Values(18, 5)));
        g.Initializer.Add(Int64Tensor("flat", [2], [1, -1]));
        g.Initializer.Add(FloatTensor("G", [32, 3], Values(96, 6)));
        g.Initializer.Add(FloatTensor("C", [3], Values(3, 7)));
        g.Node.Add(Node("Conv", "conv", ["x", "K"], ["c"], Ints("pads", 1, 1, 1, 1), Ints("kernel_shape", 3, 3)));
        g.Node.Add(Node("Reshape", "reshape", ["c", "flat"], ["f"]));
        g.Node.Add(Node("Gemm", "gemm", ["f", "G", "C"], ["y"]));
        g.Output.Add(Value("y", 1, 3));
        g.ValueInfo.Add(Value("c", 1, 2, 4, 4));
        g.ValueInfo.Add(Value("f", 1, 32));
        return model;
    }

    [TestMethod]
    public void ToBytes_UnknownFields_SurviveRoundTrip()
    {
        ModelProto model = DenseModel();
        // NodeProto field 8 ("overload" in the specification) is not in this library's proto subset.
        byte[] node = [.. model.Graph.Node[0].ToByteArray(), 0x42, 5, .. "ovld1"u8.ToArray()];
        model.Graph.Node[0] = NodeProto.Parser.ParseFrom(node);
        // ModelProto field 25 ("functions") is not in the subset either.
        byte[] bytes = [.. model.ToByteArray(), 0xCA, 0x01, 5, .. "func1"u8.ToArray()];

        byte[] written = OnnxModel.Load(bytes).ToBytes(new OnnxWriteOptions());

        Assert.AreEqual(bytes.Length, written.Length);
        Assert.IsTrue(written.AsSpan().IndexOf("ovld1"u8) > 0);
        Assert.IsTrue(written.AsSpan().IndexOf("func1"u8) > 0);
    }

    [TestMethod]
    public void ToBytes_ExtraOutputs_OrtReturnsIntermediateInputAndInitializer()
    {
        float[] x = [0.5f, -1f, 2f, 0.25f];
        byte[] bytes = OnnxModel.Load(DenseModel().ToByteArray())
            .ToBytes(new OnnxWriteOptions { ExtraOutputs = ["h", "r", "y", "x", "W"] });
        Assert.AreEqual(5, ModelProto.Parser.ParseFrom(bytes).Graph.Output.Count);

        float[][] outputs = Run(bytes, "x", x, [1, 4], "y", "h", "r", "x", "W");

        for (int j = 0; j < 3; j++)
        {
            float h = 0;
            for (int i = 0; i < 4; i++)
            {
                h += x[i] * W[(i * 3) + j];
            }

            Assert.AreEqual(h, outputs[1][j], 1e-5f);
            Assert.AreEqual(Math.Max(h, 0f), outputs[2][j], 1e-5f);
            Assert.AreEqual(Math.Max(h, 0f) + B[j], outputs[0][j], 1e-5f);
        }

        CollectionAssert.AreEqual(x, outputs[3]);
        CollectionAssert.AreEqual(W, outputs[4]);
    }

    [TestMethod]
    public void ToBytes_ExtraOutputUnknownValue_ThrowsNamingValue()
    {
        var e = Assert.ThrowsExactly<LrpException>(
            () => OnnxModel.Load(DenseModel().ToByteArray()).ToBytes(new OnnxWriteOptions { ExtraOutputs = ["nothing"] }));
        StringAssert.Contains(e.Message, "'nothing'");
        StringAssert.Contains(e.Message, "model bytes");
    }

    [TestMethod]
    public void ToBytes_MakeBatchDynamic_ConvReshapeGemmRunsBatchOfThree()
    {
        OnnxModel model = OnnxModel.Load(ConvModel().ToByteArray());
        byte[] original = model.ToBytes(new OnnxWriteOptions());
        byte[] dynamic = model.ToBytes(new OnnxWriteOptions { MakeBatchDynamic = true, ExtraOutputs = ["f"] });
        float[] batch = Values(48, 11);

        float[][] together = Run(dynamic, "x", batch, [3, 1, 4, 4], "y", "f");

        CollectionAssert.AreEqual(new long[] { 3, 3 }, RunShapes(dynamic, "x", batch, [3, 1, 4, 4], "y")[0]);
        for (int n = 0; n < 3; n++)
        {
            float[] single = Run(original, "x", batch[(n * 16)..((n + 1) * 16)], [1, 1, 4, 4], "y")[0];
            for (int j = 0; j < 3; j++)
            {
                Assert.AreEqual(single[j], together[0][(n * 3) + j], 1e-5f);
            }
        }

        Assert.AreEqual(96, together[1].Length);
    }

    [TestMethod]
    public void ToBytes_MakeBatchDynamic_RewritesShapesAndAddsNewReshapeTarget()
    {
        byte[] bytes = OnnxModel.Load(ConvModel().ToByteArray()).ToBytes(new OnnxWriteOptions { MakeBatchDynamic = true });
        GraphProto g = ModelProto.Parser.ParseFrom(bytes).Graph;
        Assert.AreEqual("N", g.Input[0].Type.TensorType.Shape.Dim[0].DimParam);
        Assert.AreEqual("N", g.Output[0].Type.TensorType.Shape.Dim[0].DimParam);
        Assert.AreEqual(TensorShapeProto.Types.Dimension.ValueOneofCase.None, g.ValueInfo[0].Type.TensorType.Shape.Dim[0].ValueCase);
        Assert.AreEqual(2L, g.ValueInfo[0].Type.TensorType.Shape.Dim[1].DimValue);
        CollectionAssert.AreEqual(new long[] { 1, -1 }, g.Initializer.Single(t => t.Name == "flat").Int64Data.ToArray());
        string target = g.Node.Single(n => n.OpType == "Reshape").Input[1];
        CollectionAssert.AreEqual(new long[] { 0, -1 }, g.Initializer.Single(t => t.Name == target).Int64Data.ToArray());
    }

    [TestMethod]
    public void ToBytes_MakeBatchDynamicWithAllowZero_LeavesReshapeTarget()
    {
        ModelProto proto = ConvModel();
        proto.OpsetImport[0].Version = 14;
        proto.Graph.Node[1].Attribute.Add(Int("allowzero", 1));
        byte[] bytes = OnnxModel.Load(proto.ToByteArray()).ToBytes(new OnnxWriteOptions { MakeBatchDynamic = true });
        Assert.AreEqual("flat", ModelProto.Parser.ParseFrom(bytes).Graph.Node[1].Input[1]);
    }

    [TestMethod]
    public void ToBytes_MakeBatchDynamicShapeFromConstantNode_RunsBatchOfTwo()
    {
        ModelProto proto = ConvModel();
        proto.Graph.Initializer.Remove(proto.Graph.Initializer.Single(t => t.Name == "flat"));
        proto.Graph.Node.Insert(0, Node("Constant", "shape", [], ["flat"], new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = Int64Tensor("", [2], [1, 32]) }));
        byte[] dynamic = OnnxModel.Load(proto.ToByteArray()).ToBytes(new OnnxWriteOptions { MakeBatchDynamic = true });

        CollectionAssert.AreEqual(new long[] { 2, 3 }, RunShapes(dynamic, "x", Values(32, 12), [2, 1, 4, 4], "y")[0]);
    }
}
