using System.Runtime.CompilerServices;

namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// Max-pooling winners of one 2-D plane (depth 1) with plain loops: the in-bounds kernel rows and columns of each
/// window are computed once per output row and column, so the inner loop only compares. Same result as the
/// generic <see cref="PoolWindowSweep"/> visitor: the first maximum in window order wins, padding never wins.
/// </summary>
internal static unsafe class MaxArgmax2D
{
    /// <summary>Whether <paramref name="s"/> is a plain 2-D (or 1-D) window geometry.</summary>
    public static bool Applies(in SpatialShape3 s) => s.In[0] == 1 && s.Kernel[0] == 1 && s.Out[0] == 1 && s.Pad[0] == 0;

    /// <summary>Writes <c>offset + argmax</c> (or −1 for an empty window) for every output of the plane at <paramref name="x"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Plane(in SpatialShape3 s, float* x, int* argmax, int offset, int* wLo, int* wHi)
    {
        int inW = s.In[2], outH = s.Out[1], outW = s.Out[2];
        int strideH = s.Stride[1], strideW = s.Stride[2], padH = s.Pad[1], padW = s.Pad[2];
        int dilH = s.Dilation[1], dilW = s.Dilation[2];
        for (int ow = 0; ow < outW; ow++)
        {
            (wLo[ow], wHi[ow]) = s.ValidKernelOffsets(2, ow);
        }

        int o = 0;
        for (int oh = 0; oh < outH; oh++)
        {
            (int khLo, int khHi) = s.ValidKernelOffsets(1, oh);
            int h0 = (oh * strideH) - padH;
            for (int ow = 0; ow < outW; ow++, o++)
            {
                int kwLo = wLo[ow], kwHi = wHi[ow];
                int w0 = (ow * strideW) - padW;
                if (khLo >= khHi || kwLo >= kwHi)
                {
                    argmax[o] = -1;
                    continue;
                }

                // The window's first element starts the search; later ones replace it only when strictly greater
                // (selects instead of branches: the winner is data-dependent and mispredicts).
                int best = ((h0 + (khLo * dilH)) * inW) + w0 + (kwLo * dilW);
                float bestValue = x[best];
                for (int kh = khLo; kh < khHi; kh++)
                {
                    int row = ((h0 + (kh * dilH)) * inW) + w0;
                    for (int kw = kwLo; kw < kwHi; kw++)
                    {
                        int input = row + (kw * dilW);
                        float v = x[input];
                        bool greater = v > bestValue;
                        best = greater ? input : best;
                        bestValue = greater ? v : bestValue;
                    }
                }

                argmax[o] = offset + best;
            }
        }
    }
}
