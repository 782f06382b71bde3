using System.Runtime.CompilerServices;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Microsoft.ML.Lrp.Backends.Cpu.Bodies;

/// <summary>
/// The Flat shortcut's passes on the CPU (see <c>Rules/Linear/FlatConvShortcut</c>): the channel-summed quotient per
/// sample in parallel, the separable ones-kernel transpose, and the broadcast of one plane per sample over the channels.
/// </summary>
internal static class FlatKernels
{
    /// <summary><c>q[n, o] = (Σ_m R[n, m, o]) / stab(z[o])</c>; adds <c>Σ R − Σ q·z</c> per sample to <paramref name="absorbed"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Quotient(float[] relevance, int batch, int outChannels, float[] z, float epsilon, float[] quotient, double[] absorbed)
    {
        int outSize = z.Length;
        Parallel.For(0, batch, CpuParallel.Options, n =>
        {
            var row = quotient.AsSpan(n * outSize, outSize);
            var source = relevance.AsSpan(n * outChannels * outSize, outChannels * outSize);
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

            for (int o = 0; o < outSize; o++)
            {
                float zo = z[o];
                float s = row[o] / (zo + (zo >= 0 ? epsilon : -epsilon));
                kept += (double)s * zo;
                row[o] = s;
            }

            lock (absorbed)
            {
                absorbed[n] += total - kept;
            }
        });
    }

    /// <summary><c>result[n, c, :] = plane[n, :]</c> for every channel.</summary>
    public static void RepeatPlanes(float[] plane, int batch, int channels, int size, float[] result)
        => Parallel.For(0, batch * channels, CpuParallel.Options, i =>
        {
            int n = i / channels;
            plane.AsSpan(n * size, size).CopyTo(result.AsSpan(i * size, size));
        });
}
