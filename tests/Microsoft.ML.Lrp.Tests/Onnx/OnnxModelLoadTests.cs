using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Onnx.Proto;
using static Microsoft.ML.Lrp.Tests.Onnx.OnnxTestModels;

namespace Microsoft.ML.Lrp.Tests.Onnx;

[TestClass]
public sealed class OnnxModelLoadTests
{
    private static ModelProto ReluModel(int opset = 13)
    {
        ModelProto model = NewModel(opset);
        model.Graph.Input.Add(Value("x", 1, 256));
        model.Graph.Initializer.Add(FloatTensor("B", [1, 256], Values(256, 1)));
        model.Graph.Node.Add(Node("Add", "add", ["x", "B"], ["a"]));
        model.Graph.Node.Add(Node("Relu", "relu", ["a"], ["y"]));
        model.Graph.Output.Add(Value("y", 1, 256));
        return model;
    }

    [TestMethod]
    public void Load_File_ReadsGraphAndSourcePath()
    {
        string path = Save(ReluModel(), NewFolder());
        OnnxModel model = OnnxModel.Load(path);
        Assert.AreEqual(Path.GetFullPath(path), model.SourcePath);
        Assert.AreEqual(2, model.Graph.Nodes.Count);
        Assert.AreEqual(13, model.OpsetVersion);
        Assert.AreEqual(256L, model.Graph.Initializers["B"].ElementCount);
    }

    [TestMethod]
    public void Load_MissingFile_ThrowsNamingPath()
    {
        string path = Path.Combine(NewFolder(), "absent.onnx");
        var e = Assert.ThrowsExactly<LrpException>(() => OnnxModel.Load(path));
        StringAssert.Contains(e.Message, path);
        Assert.IsInstanceOfType<FileNotFoundException>(e.InnerException);
    }

    [TestMethod]
    public void Load_TruncatedFile_ThrowsNotValid()
    {
        byte[] bytes = ReluModel().ToByteArray();
        string path = Path.Combine(NewFolder(), "truncated.onnx");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.ThrowsExactly<LrpException>(() => OnnxModel.Load(path));
        StringAssert.Contains(e.Message, "not a valid ONNX model");
        StringAssert.Contains(e.Message, path);
    }

    [TestMethod]
    public void Load_GarbageBytes_ThrowsNamingModelBytes()
    {
        var e = Assert.ThrowsExactly<LrpException>(() => OnnxModel.Load([0xFF, 0xFF, 0xFF, 0x01, 0x02]));
        StringAssert.Contains(e.Message, "model bytes is not a valid ONNX model");
    }

    [TestMethod]
    [DataRow(6)]
    [DataRow(24)]
    public void Load_OpsetOutsideSupportedRange_Throws(int opset)
    {
        var e = Assert.ThrowsExactly<LrpException>(() => OnnxModel.Load(ReluModel(opset).ToByteArray()));
        StringAssert.Contains(e.Message, $"opset {opset} is not supported (7 to 23)");
    }

    [TestMethod]
    [DataRow(7)]
    [DataRow(23)]
    public void Load_OpsetAtRangeEnds_Loads(int opset)
        => Assert.AreEqual(opset, OnnxModel.Load(ReluModel(opset).ToByteArray()).OpsetVersion);

    [TestMethod]
    public void Load_DamagedInitializer_ThrowsNamingTensor()
    {
        ModelProto model = ReluModel();
        model.Graph.Initializer[0].RawData = ByteString.CopyFrom(new byte[10]);
        var e = Assert.ThrowsExactly<LrpException>(() => OnnxModel.Load(model.ToByteArray()));
        StringAssert.Contains(e.Message, "'B'");
        StringAssert.Contains(e.Message, "10 bytes");
    }
}
