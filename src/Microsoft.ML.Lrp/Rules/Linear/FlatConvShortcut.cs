using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Rules.Bodies;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Linear;

/// <summary>
/// Flat on an ungrouped convolution, without multiplying by ones. With all weights and inputs 1 the denominator is
/// <c>z[m, o] = C · count(o)</c> (<c>count</c>: the in-bounds elements of window <c>o</c>, the same for every output
/// channel and sample), so <c>Σ_m s[m, o] = (Σ_m R[m, o]) / stab(z[o])</c>, and the backward map gives every input
/// channel the same plane: one single-channel transposed convolution of that sum with a kernel of ones, broadcast
/// over the channels. The window counts are computed once per rule.
/// </summary>
internal sealed class FlatConvShortcut(ConvLayer layer)
{
    private readonly object _lock = new();
    private float[]? _denominator;

    /// <summary>Whether the shortcut computes <paramref name="groups"/> on <paramref name="layer"/> exactly.</summary>
    public static bool Applies(LinearLayer layer, IReadOnlyList<LinearGroup> groups)
        => layer is ConvLayer { Transposed: false } conv
            && conv.Geometry(1).Group == 1
            && groups.Count == 1
            && groups[0] is { Bias: BiasVariant.Zero, Mask: 0, Coefficient: 1f, Terms.Count: 1 }
            && groups[0].Terms[0] is { Weight: WeightVariant.Ones, Input: InputVariant.Ones, Sign: 1f };

    /// <summary>Input relevance for output relevance <paramref name="relevance"/> ([N, M, *out]); absorbed per row added to <paramref name="absorbed"/>.</summary>
    public Tensor Propagate(IRelevanceBackend backend, Tensor relevance, int[] inputShape, float epsilon, double[] absorbed)
    {
        int batch = relevance.Shape[0];
        var g = layer.Geometry(batch);
        int outSize = g.OutSpatialSize, inSize = g.InSpatialSize, outChannels = g.OutChannels;
        float[] z = Denominator(backend, g);

        // Σ_m R[n, m, o], then divided by stab(z[o]); the transposed ones-kernel convolution of that plane, broadcast
        // over the input channels (both backend passes write every element).
        // Buffers of the pass's arena: reused from pass to pass, and kept on the device by a device backend.
        var summed = TensorArena.Allocate(batch * outSize, clear: false);
        backend.FlatQuotient(relevance.Data, batch, outChannels, z, epsilon, summed, absorbed);
        var plane = TensorArena.Allocate(batch * inSize, clear: false);
        backend.ConvBackwardDataOnes(SingleChannel(g, batch), summed, plane);
        TensorArena.Release(summed);
        var result = new Tensor(inputShape, TensorArena.Allocate(Tensor.ShapeSize(inputShape), clear: false));
        backend.RepeatPlanes(plane, batch, g.InChannels, inSize, result.Data);
        TensorArena.Release(plane);
        return result;
    }

    private float[] Denominator(IRelevanceBackend backend, ConvGeometry g)
    {
        lock (_lock)
        {
            if (_denominator is null)
            {
                var single = SingleChannel(g, 1);
                var counts = new float[g.OutSpatialSize];
                backend.ConvForward(single, Ones(g.InSpatialSize), Ones(g.KernelSize), ReadOnlySpan<float>.Empty, counts);
                backend.Map(new Scale(g.InChannels), counts, counts);
                _denominator = counts;
                backend.DeclareConstant(counts);
            }

            return _denominator;
        }
    }

    private static ConvGeometry SingleChannel(ConvGeometry g, int batch) => g with { Batch = batch, InChannels = 1, OutChannels = 1, Group = 1 };

    private static float[] Ones(int length)
    {
        var ones = new float[length];
        Array.Fill(ones, 1f);
        return ones;
    }
}
