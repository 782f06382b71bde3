namespace Microsoft.ML.Lrp.MLNet.ApplyOnnx;

/// <summary>
/// What an ML.NET <c>OnnxTransformer</c> was built with: the model bytes, the ML.NET column names of its inputs and
/// outputs (which are also the ONNX tensor names), the shapes given to <c>ApplyOnnxModel</c>'s shape dictionary
/// (whole tensors, batch included) and the GPU settings.
/// </summary>
/// <param name="ModelBytes">The ONNX model as the transformer holds it.</param>
/// <param name="InputColumns">The columns (and ONNX inputs) the transformer reads, in its order.</param>
/// <param name="OutputColumns">The columns (and ONNX outputs) the transformer writes, in its order.</param>
/// <param name="CustomShapes">The shape dictionary given to <c>ApplyOnnxModel</c>; empty when none was.</param>
/// <param name="GpuDeviceId">The CUDA device the transformer runs on; null for the CPU.</param>
/// <param name="FallbackToCpu">Whether the transformer falls back to the CPU when the GPU cannot be used.</param>
internal sealed record OnnxTransformerSettings(
    byte[] ModelBytes,
    IReadOnlyList<string> InputColumns,
    IReadOnlyList<string> OutputColumns,
    IReadOnlyDictionary<string, int[]> CustomShapes,
    int? GpuDeviceId,
    bool FallbackToCpu);
