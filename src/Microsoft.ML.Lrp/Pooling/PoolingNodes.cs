using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp;

/// <summary>Appends named nodes and constants to a graph for <see cref="LrpPooling"/>, in the form its opset expects.</summary>
internal sealed class PoolingNodes(GraphProto graph, long opset, string prefix)
{
    private int _counter;

    public string Add(string opType, string[] inputs, params (string Name, object Value)[] attributes)
    {
        string output = $"{prefix}/{opType}_{_counter}";
        var node = new NodeProto { OpType = opType, Name = $"{prefix}/{opType}_{_counter++}" };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        foreach (var (name, value) in attributes)
        {
            var attribute = new AttributeProto { Name = name };
            if (value is long l)
            {
                attribute.Type = AttributeProto.Types.AttributeType.Int;
                attribute.I = l;
            }
            else
            {
                attribute.Type = AttributeProto.Types.AttributeType.Ints;
                attribute.Ints.AddRange((long[])value);
            }

            node.Attribute.Add(attribute);
        }

        graph.Node.Add(node);
        return output;
    }

    public string Unsqueeze(string input, long axis)
        => opset >= 13 ? Add("Unsqueeze", [input, Axes(axis)]) : Add("Unsqueeze", [input], ("axes", new[] { axis }));

    public string ReduceSum(string input, long axis, bool keepDims = false)
        => opset >= 13 ? Add("ReduceSum", [input, Axes(axis)], ("keepdims", keepDims ? 1L : 0L)) : Add("ReduceSum", [input], ("axes", new[] { axis }), ("keepdims", keepDims ? 1L : 0L));

    public string Scalar(float value)
    {
        string name = $"{prefix}/const_{_counter++}";
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.FloatData.Add(value);
        graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Renames the value produced by the last node.</summary>
    public void Rename(string value, string newName)
    {
        var node = graph.Node.Last(n => n.Output.Contains(value));
        node.Output[node.Output.IndexOf(value)] = newName;
    }

    private string Axes(long axis)
    {
        string name = $"{prefix}/axes_{_counter++}";
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(1);
        tensor.Int64Data.Add(axis);
        graph.Initializer.Add(tensor);
        return name;
    }
}
