namespace Microsoft.ML.Lrp.Onnx;

/// <summary>
/// A <c>Conv</c> node (no bias) that <see cref="OnnxWriteOptions.ExtraConvolutions"/> appends to a model, with its
/// weight as a new initializer; its output becomes a graph output.
/// </summary>
internal sealed record OnnxConvNode(string Output, string Input, float[] Weight, long[] WeightDims, long[] KernelShape, long[] Strides, long[] Dilations, long[] Pads, long Group);
