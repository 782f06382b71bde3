using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Linear;

/// <summary>
/// Gemm or MatMul with a constant weight: <c>z[r, m] = Σ_k W[m, k] x[r, k] + b[m]</c> over all leading rows.
/// With <paramref name="transposedInput"/> (Gemm's transA) the input is stored as [K, rows].
/// </summary>
internal sealed class DenseLayer(float[] weight, float[] bias, int inFeatures, bool transposedInput = false) : LinearLayer(weight, bias)
{
    public int InFeatures { get; } = inFeatures;

    protected override bool ChannelIsLastAxis => true;

    public override void Forward(IRelevanceBackend backend, ReadOnlySpan<float> weight, Tensor x, Tensor z)
    {
        int rows = x.Length / InFeatures;
        backend.Gemm(transposedInput, true, rows, OutChannels, InFeatures, x.Data, weight, z.Data);
    }

    public override void Backward(IRelevanceBackend backend, ReadOnlySpan<float> weight, Tensor s, Tensor c)
    {
        int rows = s.Length / OutChannels;
        if (transposedInput)
        {
            backend.Gemm(true, true, InFeatures, rows, OutChannels, weight, s.Data, c.Data);
        }
        else
        {
            backend.Gemm(false, false, rows, InFeatures, OutChannels, s.Data, weight, c.Data);
        }
    }
}
