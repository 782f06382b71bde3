using Microsoft.ML.Lrp.Backends.Bodies;

namespace Microsoft.ML.Lrp.Backends.Cpu.Bodies;

/// <summary>
/// A dense layer's transposed product through an ONNX Runtime MatMul session (<see cref="OrtMatMulModel"/>). The
/// session holds its own packed copy of the weights, so layers above <see cref="MaxWeights"/> keep the managed GEMM
/// (and a weight held once in memory is never bound, see <c>DenseLayer</c>).
/// </summary>
internal sealed class OrtBoundDense : IBoundDense
{
    /// <summary>The largest weight (floats, 16 MiB) whose packed copy the speed is worth: BERT-base's and MiniLM's layers, not an LLM's.</summary>
    public const int MaxWeights = 1 << 22;

    /// <summary>Multiply-adds below which the managed GEMM is used (a session run costs tens of microseconds).</summary>
    private const long MinimumWork = 1L << 21;

    private readonly OrtConvSession _session;
    private readonly int _outFeatures, _inFeatures;

    public OrtBoundDense(float[] weight, int outFeatures, int inFeatures)
    {
        _outFeatures = outFeatures;
        _inFeatures = inFeatures;
        _session = new OrtConvSession(weight, () => OrtMatMulModel.Build(outFeatures, inFeatures));
        _session.Acquire();
    }

    public bool TryBackward(int rows, ReadOnlySpan<float> s, Span<float> c)
        => OrtConvKernels.Enabled && (long)rows * _outFeatures * _inFeatures >= MinimumWork
            && s.Length == (long)rows * _outFeatures && c.Length == (long)rows * _inFeatures
            && _session.Run(rows, [_outFeatures], [_inFeatures], s, c);

    public void Release()
    {
        _session.Release();
        _session.Retire();
    }
}
