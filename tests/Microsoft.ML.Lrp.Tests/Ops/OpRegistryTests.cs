using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Onnx.Proto;
using Microsoft.ML.Lrp.Ops;

namespace Microsoft.ML.Lrp.Tests.Ops;

[TestClass]
public sealed class OpRegistryTests
{
    [TestMethod]
    public void IsDataInput_ParametersOfMovementAndSelectOps_AreNotData()
    {
        Assert.IsTrue(OpRegistry.IsDataInput(Node("Reshape", 2), 0));
        Assert.IsFalse(OpRegistry.IsDataInput(Node("Reshape", 2), 1));
        Assert.IsFalse(OpRegistry.IsDataInput(Node("Where", 3), 0));
        Assert.IsTrue(OpRegistry.IsDataInput(Node("Where", 3), 2));
        Assert.IsTrue(OpRegistry.IsDataInput(Node("Add", 2), 1));
        Assert.IsTrue(OpRegistry.IsDataInput(Node("SomeUnknownOp", 2), 1), "an op without a row has data in every input");
    }

    [TestMethod]
    public void ProducesSidePathOnly_CastToIntegerAndComparisons_AreSidePaths()
    {
        Assert.IsTrue(OpRegistry.ProducesSidePathOnly(Node("Cast", 1, ("to", (long)OnnxElementType.Int64))));
        Assert.IsFalse(OpRegistry.ProducesSidePathOnly(Node("Cast", 1, ("to", (long)OnnxElementType.Float))));
        Assert.IsTrue(OpRegistry.ProducesSidePathOnly(Node("Equal", 2)));
        Assert.IsFalse(OpRegistry.ProducesSidePathOnly(Node("Relu", 1)));
    }

    [TestMethod]
    public void IsDataOutput_IndicesAndMasks_AreNotData()
    {
        Assert.IsTrue(OpRegistry.IsDataOutput(Node("MaxPool", 1), 0));
        Assert.IsFalse(OpRegistry.IsDataOutput(Node("MaxPool", 1), 1));
        Assert.IsFalse(OpRegistry.IsDataOutput(Node("TopK", 2), 1));
        Assert.IsTrue(OpRegistry.IsDataOutput(Node("Split", 1), 1));
    }

    [TestMethod]
    public void Flags_ShapeOnlyAndWeightedProducts_AreWhereTheGraphAnalysisExpectsThem()
    {
        Assert.IsTrue(OpRegistry.IsShapeOnly("Transpose"));
        Assert.IsFalse(OpRegistry.IsShapeOnly("Slice"));
        Assert.IsTrue(OpRegistry.PassesBeforeFirstLayer("Slice"));
        Assert.IsFalse(OpRegistry.PassesBeforeFirstLayer("Relu"));
        Assert.IsTrue(OpRegistry.IsWeightedProduct(Node("MatMul", 2)));
        Assert.IsFalse(OpRegistry.IsWeightedProduct(Node("Mul", 2)));
    }

    [TestMethod]
    public void Find_OtherDomain_HasNoDefaultDomainRow()
    {
        var node = new OnnxNode("n", "Relu", "com.example", 0, ["x"], ["y"], new Dictionary<string, OnnxAttribute>());
        Assert.IsNull(OpRegistry.Find(node));
        Assert.IsNotNull(OpRegistry.Find("Relu"));
    }

    private static OnnxNode Node(string opType, int inputs, params (string Name, long Value)[] attributes)
    {
        var attributeMap = attributes.ToDictionary(
            a => a.Name,
            a => OnnxAttribute.FromProto(new AttributeProto { Name = a.Name, Type = AttributeProto.Types.AttributeType.Int, I = a.Value }, null));
        return new OnnxNode(opType + "_0", opType, "", 0, Enumerable.Range(0, inputs).Select(i => $"in{i}").ToList(), ["out0", "out1"], attributeMap);
    }
}
