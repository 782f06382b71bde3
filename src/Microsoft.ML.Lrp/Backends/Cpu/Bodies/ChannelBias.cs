using System.Runtime.CompilerServices;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Microsoft.ML.Lrp.Backends.Cpu.Bodies;

/// <summary><c>result = z + bias[c]</c> on <c>[outer, C, inner]</c>: a row add per row when inner is 1, a scalar add per plane otherwise.</summary>
internal static class ChannelBias
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Add(ReadOnlySpan<float> z, ReadOnlySpan<float> bias, int inner, Span<float> result)
    {
        int channels = bias.Length;
        if (channels == 0 || z.IsEmpty)
        {
            return;
        }

        if (inner == 1)
        {
            for (int r = 0; r < z.Length / channels; r++)
            {
                TensorPrimitives.Add(z.Slice(r * channels, channels), bias, result.Slice(r * channels, channels));
            }

            return;
        }

        int planes = z.Length / inner;
        for (int p = 0; p < planes; p++)
        {
            int offset = p * inner;
            TensorPrimitives.Add(z.Slice(offset, inner), bias[p % channels], result.Slice(offset, inner));
        }
    }
}
