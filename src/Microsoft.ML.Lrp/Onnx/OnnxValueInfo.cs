using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.Onnx;

/// <summary>The declared name, element type and shape of a value (a graph input, output or value_info entry).</summary>
internal sealed class OnnxValueInfo
{
    public OnnxValueInfo(string name, OnnxElementType elementType, IReadOnlyList<OnnxDim>? shape)
    {
        Name = name;
        ElementType = elementType;
        Shape = shape;
    }

    public string Name { get; }

    /// <summary>The tensor element type; <see cref="OnnxElementType.Undefined"/> for untyped or non-tensor values.</summary>
    public OnnxElementType ElementType { get; }

    /// <summary>The declared dimensions; null when the rank is unknown.</summary>
    public IReadOnlyList<OnnxDim>? Shape { get; }

    public static OnnxValueInfo FromProto(ValueInfoProto proto)
    {
        TypeProto.Types.Tensor? tensorType = proto.Type?.TensorType;
        if (tensorType is null)
        {
            return new OnnxValueInfo(proto.Name, OnnxElementType.Undefined, null);
        }

        OnnxDim[]? shape = null;
        if (tensorType.Shape is { } shapeProto)
        {
            shape = new OnnxDim[shapeProto.Dim.Count];
            for (int i = 0; i < shape.Length; i++)
            {
                TensorShapeProto.Types.Dimension dim = shapeProto.Dim[i];
                shape[i] = dim.ValueCase switch
                {
                    TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue => new OnnxDim(dim.DimValue, null),
                    TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam when dim.DimParam.Length > 0 => new OnnxDim(null, dim.DimParam),
                    _ => new OnnxDim(null, null),
                };
            }
        }

        return new OnnxValueInfo(proto.Name, (OnnxElementType)tensorType.ElemType, shape);
    }

    public override string ToString()
        => Shape is null ? $"{Name}: {ElementType}[?]" : $"{Name}: {ElementType}[{string.Join(", ", Shape)}]";
}
