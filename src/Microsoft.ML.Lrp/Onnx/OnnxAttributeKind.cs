namespace Microsoft.ML.Lrp.Onnx;

/// <summary>What an <see cref="OnnxAttribute"/> holds. <see cref="Other"/> covers sparse tensors, type protos and lists of tensors or graphs.</summary>
internal enum OnnxAttributeKind
{
    Float,
    Int,
    String,
    Tensor,
    Floats,
    Ints,
    Strings,
    Graph,
    Other,
}
