using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Linear;

/// <summary>
/// Gemm or MatMul with a constant weight: <c>z[r, m] = Σ_k W[m, k] x[r, k] + b[m]</c> over all leading rows.
/// With <paramref name="transposedInput"/> (Gemm's transA) the input is stored as [K, rows]. The weight is stored
/// [M, K], or [K, M] with <paramref name="weightInputMajor"/>: a MatMul weight held once in memory (an external
/// initializer shared with ONNX Runtime) is used in its own layout instead of a transposed copy.
/// </summary>
internal sealed class DenseLayer(float[] weight, float[] bias, int inFeatures, bool transposedInput = false, bool weightInputMajor = false) : LinearLayer(weight, bias)
{
    public int InFeatures { get; } = inFeatures;

    /// <summary>True when the input is stored [K, rows] (Gemm's transA).</summary>
    public bool TransposedInput { get; } = transposedInput;

    /// <summary>True when the weight is stored [K, M] (the MatMul initializer's own layout).</summary>
    public bool WeightInputMajor { get; } = weightInputMajor;

    protected override bool ChannelIsLastAxis => true;

    public override void Forward(IRelevanceBackend backend, ReadOnlySpan<float> weight, Tensor x, Tensor z)
    {
        int rows = x.Length / InFeatures;
        backend.Gemm(TransposedInput, !WeightInputMajor, rows, OutChannels, InFeatures, x.Data, weight, z.Data);
    }

    public override void Backward(IRelevanceBackend backend, ReadOnlySpan<float> weight, Tensor s, Tensor c)
    {
        int rows = s.Length / OutChannels;
        if (TransposedInput)
        {
            backend.Gemm(!WeightInputMajor, true, InFeatures, rows, OutChannels, weight, s.Data, c.Data);
        }
        else
        {
            backend.Gemm(false, WeightInputMajor, rows, InFeatures, OutChannels, s.Data, weight, c.Data);
        }
    }
}
