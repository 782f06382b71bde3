namespace Microsoft.ML.Lrp.Onnx;

/// <summary>Reads the value of Constant nodes, which the graph does not list among its initializers.</summary>
internal static class OnnxConstants
{
    /// <summary>
    /// The tensor a Constant node produces (from value, value_float, value_floats, value_int or value_ints), named
    /// like the node's output; null for other nodes and for string or sparse constants.
    /// </summary>
    public static OnnxTensorData? TryGetConstantNodeValue(OnnxNode node)
    {
        if (node.OpType != "Constant" || node.Domain.Length > 0 || node.Outputs.Count == 0)
        {
            return null;
        }

        string name = node.Outputs[0];
        foreach (OnnxAttribute attribute in node.Attributes.Values)
        {
            switch (attribute.Name, attribute.Kind)
            {
                case ("value", OnnxAttributeKind.Tensor):
                    return attribute.Tensor;
                case ("value_float", OnnxAttributeKind.Float):
                    return OnnxTensorData.FromFloats(name, [], [attribute.Float]);
                case ("value_floats", OnnxAttributeKind.Floats):
                    return OnnxTensorData.FromFloats(name, [attribute.Floats.Length], attribute.Floats);
                case ("value_floats", OnnxAttributeKind.Other):
                    return OnnxTensorData.FromFloats(name, [0], []);
                case ("value_int", OnnxAttributeKind.Int):
                    return OnnxTensorData.FromInt64s(name, [], [attribute.Int]);
                case ("value_ints", OnnxAttributeKind.Ints):
                    return OnnxTensorData.FromInt64s(name, [attribute.Ints.Length], attribute.Ints);
                case ("value_ints", OnnxAttributeKind.Other):
                    return OnnxTensorData.FromInt64s(name, [0], []);
            }
        }

        return null;
    }
}
