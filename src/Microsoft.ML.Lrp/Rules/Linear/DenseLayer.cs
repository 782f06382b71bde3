using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Backends.Bodies;
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

    /// <summary>
    /// The transposed product with a weight array that is never modified: through the backend's bound product
    /// (<see cref="IRelevanceBackend.BindDense"/>, an ONNX Runtime session on the CPU backend) where it has one, for
    /// rows stored as rows and a weight in the layer's <c>[out, in]</c> layout (not one held once in memory, whose
    /// bound copy would double it).
    /// </summary>
    public override void Backward(IRelevanceBackend backend, float[] weight, Tensor s, Tensor c)
    {
        if (!TransposedInput && !WeightInputMajor && backend.CanBindConvolutions && Bound(backend, weight) is { } bound
            && bound.TryBackward(s.Length / OutChannels, s.Data, c.Data))
        {
            return;
        }

        base.Backward(backend, weight, s, c);
    }

    private readonly List<(float[] Weight, IBoundDense? Bound)> _bindings = [];

    private IBoundDense? Bound(IRelevanceBackend backend, float[] weight)
    {
        lock (_bindings)
        {
            foreach (var (w, b) in _bindings)
            {
                if (ReferenceEquals(w, weight))
                {
                    return b;
                }
            }

            var bound = backend.BindDense(weight, OutChannels, InFeatures);
            _bindings.Add((weight, bound));
            return bound;
        }
    }

    /// <summary>Releases the bound products (the explainer is disposed); a later call binds anew.</summary>
    public void ReleaseSessions()
    {
        lock (_bindings)
        {
            foreach (var (_, bound) in _bindings)
            {
                bound?.Release();
            }

            _bindings.Clear();
        }
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
