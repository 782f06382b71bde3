using Google.Protobuf;
using System.Runtime.InteropServices;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Onnx.Proto;
using static Microsoft.ML.Lrp.Tests.Onnx.OnnxTestModels;

namespace Microsoft.ML.Lrp.Tests.Onnx;

[TestClass]
public sealed class OnnxExternalDataTests
{
    private static readonly float[] Weights = [1f, -2f, 3f, -4f];

    /// <summary>x[1,4] + W, where W is stored at byte 8 of <paramref name="location"/> (8 bytes of padding first).</summary>
    private static ModelProto ExternalModel(string location)
    {
        ModelProto model = NewModel();
        model.Graph.Input.Add(Value("x", 1, 4));
        var w = new TensorProto { Name = "W", DataType = (int)OnnxElementType.Float, DataLocation = TensorProto.Types.DataLocation.External };
        w.Dims.AddRange([1, 4]);
        w.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        w.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = "8" });
        w.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = "16" });
        model.Graph.Initializer.Add(w);
        model.Graph.Node.Add(Node("Add", "add", ["x", "W"], ["y"]));
        model.Graph.Output.Add(Value("y", 1, 4));
        return model;
    }

    private static void WriteWeights(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, [.. new byte[8], .. MemoryMarshal.AsBytes(Weights.AsSpan()).ToArray(), .. new byte[4]]);
    }

    [TestMethod]
    public void Load_ExternalDataInSubfolder_ReadsOffsetAndLength()
    {
        string folder = NewFolder();
        WriteWeights(Path.Combine(folder, "data", "w.bin"));
        OnnxModel model = OnnxModel.Load(Save(ExternalModel("data/w.bin"), folder));
        CollectionAssert.AreEqual(Weights, model.Graph.Initializers["W"].ToFloats());
    }

    [TestMethod]
    public void Load_BytesWithBaseDirectory_ReadsExternalData()
    {
        string folder = NewFolder();
        WriteWeights(Path.Combine(folder, "w.bin"));
        OnnxModel model = OnnxModel.Load(ExternalModel("w.bin").ToByteArray(), folder);
        CollectionAssert.AreEqual(Weights, model.Graph.Initializers["W"].ToFloats());
    }

    [TestMethod]
    public void Load_BytesWithoutBaseDirectory_ThrowsNamingTensor()
    {
        var e = Assert.ThrowsExactly<LrpException>(() => OnnxModel.Load(ExternalModel("w.bin").ToByteArray()));
        StringAssert.Contains(e.Message, "'W'");
        StringAssert.Contains(e.Message, "w.bin");
    }

    [TestMethod]
    public void Load_LocationWithParentSegment_ThrowsNamingTensorAndPath()
    {
        string root = NewFolder();
        string folder = Path.Combine(root, "model");
        WriteWeights(Path.Combine(root, "outside.bin"));
        var e = Assert.ThrowsExactly<LrpException>(() => OnnxModel.Load(Save(ExternalModel("../outside.bin"), CreateFolder(folder))));
        StringAssert.Contains(e.Message, "'W'");
        StringAssert.Contains(e.Message, "../outside.bin");
    }

    [TestMethod]
    public void Load_AbsoluteLocation_Throws()
    {
        string root = NewFolder();
        string outside = Path.Combine(root, "outside.bin");
        WriteWeights(outside);
        string folder = CreateFolder(Path.Combine(root, "model"));
        var e = Assert.ThrowsExactly<LrpException>(() => OnnxModel.Load(Save(ExternalModel(outside), folder)));
        StringAssert.Contains(e.Message, outside);
        StringAssert.Contains(e.Message, "outside the model's folder");
    }

    [TestMethod]
    public void Load_SymbolicLinkLeavingFolder_Throws()
    {
        string root = NewFolder();
        string outside = Path.Combine(root, "outside.bin");
        WriteWeights(outside);
        string folder = CreateFolder(Path.Combine(root, "model"));
        File.CreateSymbolicLink(Path.Combine(folder, "link.bin"), outside);
        var e = Assert.ThrowsExactly<LrpException>(() => OnnxModel.Load(Save(ExternalModel("link.bin"), folder)));
        StringAssert.Contains(e.Message, "'W'");
        StringAssert.Contains(e.Message, "link.bin");
    }

    [TestMethod]
    public void Load_SymbolicLinkInsideFolder_Reads()
    {
        string folder = NewFolder();
        WriteWeights(Path.Combine(folder, "real.bin"));
        File.CreateSymbolicLink(Path.Combine(folder, "link.bin"), Path.Combine(folder, "real.bin"));
        CollectionAssert.AreEqual(Weights, OnnxModel.Load(Save(ExternalModel("link.bin"), folder)).Graph.Initializers["W"].ToFloats());
    }

    [TestMethod]
    public void Load_LengthPastEndOfFile_Throws()
    {
        string folder = NewFolder();
        File.WriteAllBytes(Path.Combine(folder, "w.bin"), new byte[12]);
        var e = Assert.ThrowsExactly<LrpException>(() => OnnxModel.Load(Save(ExternalModel("w.bin"), folder)));
        StringAssert.Contains(e.Message, "'W'");
    }

    [TestMethod]
    public void ToBytes_InlineExternalData_RunsWithoutFolder()
    {
        string folder = NewFolder();
        WriteWeights(Path.Combine(folder, "w.bin"));
        byte[] inlined = OnnxModel.Load(Save(ExternalModel("w.bin"), folder)).ToBytes(new OnnxWriteOptions { InlineExternalData = true });
        Assert.AreEqual(0, ModelProto.Parser.ParseFrom(inlined).Graph.Initializer[0].ExternalData.Count);
        float[] y = Run(inlined, "x", [1f, 1f, 1f, 1f], [1, 4], "y")[0];
        CollectionAssert.AreEqual(new[] { 2f, -1f, 4f, -3f }, y);
    }

    private static string CreateFolder(string path) => Directory.CreateDirectory(path).FullName;
}
