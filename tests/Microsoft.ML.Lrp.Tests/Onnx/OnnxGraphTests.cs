using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Onnx.Proto;
using static Microsoft.ML.Lrp.Tests.Onnx.OnnxTestModels;

namespace Microsoft.ML.Lrp.Tests.Onnx;

[TestClass]
public sealed class OnnxGraphTests
{
    /// <summary>x -> Add(x, W) = a -> Relu(a) = b -> Mul(b, a) = c, written to the file in the order Mul, Relu, Add.</summary>
    private static OnnxModel LoadUnsorted()
    {
        ModelProto model = NewModel();
        GraphProto g = model.Graph;
        g.Input.Add(Value("x", 1, 4));
        g.Input.Add(Value("W", 1, 4));
        g.Initializer.Add(FloatTensor("W", [1, 4], [1, 2, 3, 4]));
        g.Node.Add(Node("Mul", "", ["b", "a"], ["c"]));
        g.Node.Add(Node("Relu", "", ["a"], ["b"]));
        g.Node.Add(Node("Add", "add1", ["x", "W"], ["a"]));
        g.Output.Add(Value("c", 1, 4));
        g.ValueInfo.Add(Value("a", 1, 4));
        return OnnxModel.Load(model.ToByteArray());
    }

    [TestMethod]
    public void Load_UnsortedGraph_SortsProducersFirst()
    {
        OnnxGraph graph = LoadUnsorted().Graph;
        CollectionAssert.AreEqual(new[] { "Add", "Relu", "Mul" }, graph.Nodes.Select(n => n.OpType).ToArray());
        CollectionAssert.AreEqual(new[] { 0, 1, 2 }, graph.Nodes.Select(n => n.Index).ToArray());
    }

    [TestMethod]
    public void Load_UnnamedNodes_GetOpTypeAndIndexNames()
        => CollectionAssert.AreEqual(new[] { "add1", "Relu_1", "Mul_2" }, LoadUnsorted().Graph.Nodes.Select(n => n.Name).ToArray());

    [TestMethod]
    public void Consumers_ValueReadTwice_ListsEachConsumerOnceInOrder()
    {
        OnnxGraph graph = LoadUnsorted().Graph;
        CollectionAssert.AreEqual(new[] { "Relu_1", "Mul_2" }, graph.Consumers("a").Select(n => n.Name).ToArray());
        Assert.AreEqual(0, graph.Consumers("c").Count);
        Assert.AreEqual("Mul_2", graph.Producer("c")!.Name);
        Assert.IsNull(graph.Producer("x"));
    }

    [TestMethod]
    public void Load_InitializerListedAsInput_IsNotAGraphInput()
    {
        OnnxGraph graph = LoadUnsorted().Graph;
        CollectionAssert.AreEqual(new[] { "x" }, graph.Inputs.Select(i => i.Name).ToArray());
        Assert.AreEqual(1, graph.Initializers.Count);
        Assert.AreEqual(4, graph.ValueInfos.Count);
        Assert.IsTrue(graph.IsGraphOutput("c"));
        Assert.IsFalse(graph.IsGraphOutput("b"));
        Assert.AreEqual(4L, graph.ValueInfos["a"].Shape![1].Value);
    }

    [TestMethod]
    public void Load_GeneratedNameTakenByAnotherNode_StaysUnique()
    {
        ModelProto model = NewModel();
        model.Graph.Input.Add(Value("x", 1, 4));
        model.Graph.Node.Add(Node("Relu", "", ["x"], ["a"]));
        model.Graph.Node.Add(Node("Relu", "Relu_0", ["a"], ["b"]));
        model.Graph.Node.Add(Node("Relu", "Relu_0", ["b"], ["c"]));
        model.Graph.Output.Add(Value("c", 1, 4));
        string[] names = [.. OnnxModel.Load(model.ToByteArray()).Graph.Nodes.Select(n => n.Name)];
        Assert.AreEqual(3, names.Distinct().Count());
        Assert.AreEqual("Relu_0", names[1]);
    }

    [TestMethod]
    public void Load_Cycle_ThrowsNamingNode()
    {
        ModelProto model = NewModel();
        model.Graph.Input.Add(Value("x", 1, 4));
        model.Graph.Node.Add(Node("Add", "first", ["x", "b"], ["a"]));
        model.Graph.Node.Add(Node("Relu", "second", ["a"], ["b"]));
        model.Graph.Output.Add(Value("b", 1, 4));
        var e = Assert.ThrowsExactly<LrpException>(() => OnnxModel.Load(model.ToByteArray()));
        StringAssert.Contains(e.Message, "cycle");
        StringAssert.Contains(e.Message, "'first' (Add)");
    }

    [TestMethod]
    public void Node_Attributes_ReadByKindWithDefaults()
    {
        ModelProto model = NewModel();
        model.Graph.Input.Add(Value("x", 1, 1, 4, 4));
        model.Graph.Node.Add(Node("MaxPool", "pool", ["x"], ["y"], Ints("kernel_shape", 2, 2), Int("ceil_mode", 1), Float("alpha", 0.5f), String("auto_pad", "VALID")));
        model.Graph.Output.Add(Value("y", 1, 1, 2, 2));
        OnnxNode node = OnnxModel.Load(model.ToByteArray()).Graph.Nodes[0];
        CollectionAssert.AreEqual(new long[] { 2, 2 }, node.GetInts("kernel_shape"));
        Assert.IsNull(node.GetInts("strides"));
        Assert.AreEqual(1L, node.GetInt("ceil_mode", 0));
        Assert.AreEqual(7L, node.GetInt("storage_order", 7));
        Assert.AreEqual(0.5f, node.GetFloat("alpha", 0f), 0f);
        Assert.AreEqual(1f, node.GetFloat("ceil_mode", 0f), 0f);
        Assert.AreEqual("VALID", node.GetString("auto_pad", "NOTSET"));
        Assert.AreEqual(OnnxAttributeKind.Ints, node.Attributes["kernel_shape"].Kind);
        var e = Assert.ThrowsExactly<LrpException>(() => node.GetInt("kernel_shape", 0));
        StringAssert.Contains(e.Message, "'pool' (MaxPool)");
    }

    [TestMethod]
    public void Load_AiOnnxDomainName_NormalisedToEmpty()
    {
        ModelProto model = NewModel();
        model.OpsetImport[0].Domain = "ai.onnx";
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "ai.onnx.ml", Version = 2 });
        model.Graph.Input.Add(Value("x", 1, 4));
        NodeProto relu = Node("Relu", "r", ["x"], ["y"]);
        relu.Domain = "ai.onnx";
        model.Graph.Node.Add(relu);
        model.Graph.Output.Add(Value("y", 1, 4));
        OnnxModel loaded = OnnxModel.Load(model.ToByteArray());
        Assert.AreEqual("", loaded.Graph.Nodes[0].Domain);
        Assert.AreEqual(13, loaded.OpsetVersion);
        Assert.AreEqual(2L, loaded.OpsetImports["ai.onnx.ml"]);
        Assert.AreEqual(7L, loaded.IrVersion);
        Assert.IsNull(loaded.SourcePath);
    }

    [TestMethod]
    public void ValueInfo_SymbolicFixedAndUnknownDims_Read()
    {
        ModelProto model = NewModel();
        ValueInfoProto x = Value("x", 1, 3, 5);
        x.Type.TensorType.Shape.Dim[0].DimParam = "batch";
        x.Type.TensorType.Shape.Dim[2].ClearValue();
        model.Graph.Input.Add(x);
        model.Graph.Node.Add(Node("Relu", "r", ["x"], ["y"]));
        model.Graph.Output.Add(new ValueInfoProto { Name = "y" });
        OnnxGraph graph = OnnxModel.Load(model.ToByteArray()).Graph;
        CollectionAssert.AreEqual(
            new[] { new OnnxDim(null, "batch"), new OnnxDim(3, null), new OnnxDim(null, null) },
            graph.Inputs[0].Shape!.ToArray());
        Assert.AreEqual(OnnxElementType.Float, graph.Inputs[0].ElementType);
        Assert.IsNull(graph.Outputs[0].Shape);
    }

    [TestMethod]
    public void TryGetConstantNodeValue_ValueForms_ReturnTensors()
    {
        ModelProto model = NewModel();
        model.Graph.Node.Add(Node("Constant", "c1", [], ["t"], new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = FloatTensor("", [2], [3, 4]) }));
        model.Graph.Node.Add(Node("Constant", "c2", [], ["f"], Float("value_float", 2.5f)));
        model.Graph.Node.Add(Node("Constant", "c3", [], ["i"], Ints("value_ints", 1, -1)));
        model.Graph.Node.Add(Node("Relu", "r", ["t"], ["y"]));
        model.Graph.Output.Add(new ValueInfoProto { Name = "y" });
        OnnxGraph graph = OnnxModel.Load(model.ToByteArray()).Graph;
        Assert.AreEqual(0, graph.Initializers.Count);
        CollectionAssert.AreEqual(new float[] { 3, 4 }, OnnxConstants.TryGetConstantNodeValue(graph.Nodes[0])!.ToFloats());
        OnnxTensorData scalar = OnnxConstants.TryGetConstantNodeValue(graph.Nodes[1])!;
        Assert.AreEqual(0, scalar.Dims.Length);
        Assert.AreEqual(2.5f, scalar.ToTensor().Data[0], 0f);
        CollectionAssert.AreEqual(new long[] { 1, -1 }, OnnxConstants.TryGetConstantNodeValue(graph.Nodes[2])!.ToInt64s());
        Assert.IsNull(OnnxConstants.TryGetConstantNodeValue(graph.Nodes[3]));
    }
}
