using System.Runtime.CompilerServices;

namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>Walks every pooling window of one plane, visiting only its in-bounds elements (padding never visited).</summary>
internal static class PoolWindowSweep
{
    /// <summary>Runs <paramref name="visitor"/> over all output windows of a plane in output order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TVisitor>(SpatialShape3 s, ref TVisitor visitor)
        where TVisitor : struct, IPoolWindowVisitor
    {
        int inH = s.In[1], inW = s.In[2];
        int dilD = s.Dilation[0], dilH = s.Dilation[1], dilW = s.Dilation[2];
        int outW = s.Out[2];
        int[] wLo = new int[outW], wHi = new int[outW];
        for (int ow = 0; ow < outW; ow++)
        {
            (wLo[ow], wHi[ow]) = s.ValidKernelOffsets(2, ow);
        }

        int o = 0;
        for (int od = 0; od < s.Out[0]; od++)
        {
            (int kdLo, int kdHi) = s.ValidKernelOffsets(0, od);
            int d0 = s.InputIndex(0, od, 0);
            for (int oh = 0; oh < s.Out[1]; oh++)
            {
                (int khLo, int khHi) = s.ValidKernelOffsets(1, oh);
                int h0 = s.InputIndex(1, oh, 0);
                for (int ow = 0; ow < outW; ow++, o++)
                {
                    int kwLo = wLo[ow], kwHi = wHi[ow];
                    int w0 = s.InputIndex(2, ow, 0);
                    int count = (kdHi - kdLo) * (khHi - khLo) * (kwHi - kwLo);
                    if (visitor.Start(o, count) && count > 0)
                    {
                        for (int kd = kdLo; kd < kdHi; kd++)
                        {
                            int rowD = (d0 + (kd * dilD)) * inH;
                            for (int kh = khLo; kh < khHi; kh++)
                            {
                                int row = ((rowD + h0 + (kh * dilH)) * inW) + w0;
                                for (int kw = kwLo; kw < kwHi; kw++)
                                {
                                    visitor.Element(row + (kw * dilW));
                                }
                            }
                        }
                    }

                    visitor.Finish(o, count);
                }
            }
        }
    }
}
