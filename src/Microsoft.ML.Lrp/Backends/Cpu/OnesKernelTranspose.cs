using System.Runtime.CompilerServices;
namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// The transposed convolution of single-channel planes with a 2-D kernel of ones (Flat's backward map): every
/// output spreads its value over its window. A window is the product of a row and a column window, so this is
/// one pass along the columns into one row per output row, then each such row added to the input rows of its
/// window: <c>kh + kw</c> additions per element instead of <c>kh · kw</c>.
/// </summary>
internal static class OnesKernelTranspose
{
    /// <summary>Whether <paramref name="g"/> is a plain single-channel 2-D geometry this handles.</summary>
    public static bool Applies(ConvGeometry g) => g.SpatialRank == 2 && g.InChannels == 1 && g.OutChannels == 1 && g.Group == 1;

    /// <summary><c>dx = convᵀ(dy, ones)</c> for <paramref name="g"/> (every element of <paramref name="dx"/> written).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(ConvGeometry g, float[] dy, float[] dx)
    {
        int inH = g.InSpatial[0], inW = g.InSpatial[1], outH = g.OutSpatial[0], outW = g.OutSpatial[1];
        if (dy.Length != g.Batch * outH * outW || dx.Length != g.Batch * inH * inW)
        {
            throw new ArgumentException($"Tensors of {dy.Length} and {dx.Length} elements do not fit the geometry.");
        }

        int inSize = inH * inW, outSize = outH * outW;
        void Sample(int n)
        {
            float[] rows = new float[outH * inW];
            var source = dy.AsSpan(n * outSize, outSize);
            for (int oh = 0; oh < outH; oh++)
            {
                var row = rows.AsSpan(oh * inW, inW);
                var values = source.Slice(oh * outW, outW);
                for (int ow = 0; ow < outW; ow++)
                {
                    float v = values[ow];
                    int start = (ow * g.Strides[1]) - g.PadsBegin[1];
                    for (int k = 0; k < g.KernelSpatial[1]; k++)
                    {
                        int iw = start + (k * g.Dilations[1]);
                        if ((uint)iw < (uint)inW)
                        {
                            row[iw] += v;
                        }
                    }
                }
            }

            var plane = dx.AsSpan(n * inSize, inSize);
            plane.Clear();
            for (int oh = 0; oh < outH; oh++)
            {
                var row = rows.AsSpan(oh * inW, inW);
                int start = (oh * g.Strides[0]) - g.PadsBegin[0];
                for (int k = 0; k < g.KernelSpatial[0]; k++)
                {
                    int ih = start + (k * g.Dilations[0]);
                    if ((uint)ih < (uint)inH)
                    {
                        var target = plane.Slice(ih * inW, inW);
                        System.Numerics.Tensors.TensorPrimitives.Add(target, row, target);
                    }
                }
            }
        }

        if (g.Batch == 1 || Environment.ProcessorCount == 1)
        {
            for (int n = 0; n < g.Batch; n++)
            {
                Sample(n);
            }

            return;
        }

        Parallel.For(0, g.Batch, CpuParallel.Options, Sample);
    }
}
