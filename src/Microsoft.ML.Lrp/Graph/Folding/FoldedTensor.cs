using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Onnx.Proto;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Lrp.Graph.Folding;

/// <summary>Turns a value ONNX Runtime computed into an <see cref="OnnxTensorData"/> (its bytes, its element type).</summary>
internal static class FoldedTensor
{
    /// <summary>The tensor, or null with <paramref name="why"/> when it is not a numeric tensor or is too large to keep.</summary>
    public static OnnxTensorData? Read(string name, OrtValue value, out string? why)
    {
        why = null;
        if (!value.IsTensor)
        {
            why = "is not a tensor";
            return null;
        }

        var info = value.GetTensorTypeAndShape();
        var type = (OnnxElementType)(int)info.ElementDataType;
        if (info.ElementDataType == TensorElementType.String || OnnxTensorConverter.ElementSize(type) == 0)
        {
            why = $"has element type {info.ElementDataType}, which is not folded";
            return null;
        }

        if (info.ElementCount > ConstantFolder.MaxElementsPerValue)
        {
            why = $"has {info.ElementCount} elements, more than the {ConstantFolder.MaxElementsPerValue} that are folded";
            return null;
        }

        var proto = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(value.GetTensorMutableRawData()) };
        proto.Dims.AddRange(info.Shape);
        return OnnxTensorData.FromProto(proto, null);
    }
}
