using Microsoft.ML.Lrp.Backends.Bodies;

namespace Microsoft.ML.Lrp.Backends.Cpu.Bodies;

/// <summary>A convolution bound to an ONNX Runtime session (<see cref="OrtConvKernels.Bind"/>); released by unbinding it.</summary>
internal sealed class OrtBoundConvolution(OrtConvSession session, bool transpose) : IBoundConvolution
{
    public bool TryRun(ConvGeometry g, ReadOnlySpan<float> input, Span<float> output) => OrtConvKernels.TryRunBound(session, g, transpose, input, output);

    public void Release() => OrtConvKernels.Unbind(session);
}
