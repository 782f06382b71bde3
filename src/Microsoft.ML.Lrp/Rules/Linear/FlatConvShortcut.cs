using Microsoft.ML.Lrp.Backends.Cpu;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
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

        // Σ_m R[n, m, o], then divided by stab(z[o]).
        var summed = new float[batch * outSize];
        Parallel.For(0, batch, CpuParallel.Options, n =>
        {
            var row = summed.AsSpan(n * outSize, outSize);
            var source = relevance.Data.AsSpan(n * outChannels * outSize, outChannels * outSize);
            source[..outSize].CopyTo(row);
            for (int m = 1; m < outChannels; m++)
            {
                TensorPrimitives.Add(row, source.Slice(m * outSize, outSize), row);
            }

            // absorbed = Σ R − Σ_o (Σ_m R)[o] · z[o] / stab(z[o]) (the bias is zero).
            double total = 0, kept = 0;
            foreach (float v in row)
            {
                total += v;
            }

            var divide = new StabilizedDivide(epsilon);
            for (int o = 0; o < outSize; o++)
            {
                float s = divide.Apply(row[o], z[o]);
                kept += (double)s * z[o];
                row[o] = s;
            }

            lock (absorbed)
            {
                absorbed[n] += total - kept;
            }
        });

        var single = SingleChannel(g, batch);
        float[] plane;
        if (backend is Backends.Cpu.CpuBackend && Backends.Cpu.OnesKernelTranspose.Applies(single))
        {
            // Separable on the CPU; every element is written.
            plane = GC.AllocateUninitializedArray<float>(batch * inSize);
            Backends.Cpu.OnesKernelTranspose.Run(single, summed, plane);
        }
        else
        {
            plane = new float[batch * inSize];
            backend.ConvBackwardData(single, summed, Ones(g.KernelSize), plane);
        }
        var result = new Tensor(inputShape);
        int inChannels = g.InChannels;
        Parallel.For(0, batch * inChannels, CpuParallel.Options, i =>
        {
            int n = i / inChannels;
            plane.AsSpan(n * inSize, inSize).CopyTo(result.Data.AsSpan(i * inSize, inSize));
        });
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
                TensorPrimitives.Multiply(counts, g.InChannels, counts);
                _denominator = counts;
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
