using Microsoft.ML.Lrp.Backends.Cpu;

namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>
/// A sliding-window geometry (convolution or pooling) lifted to three spatial axes, as plain int fields so it can
/// be passed to ILGPU kernels by value. Axis D is the outermost, W the innermost.
/// </summary>
internal readonly struct WindowShape
{
    public readonly int InD, InH, InW;
    public readonly int KD, KH, KW;
    public readonly int OutD, OutH, OutW;
    public readonly int StrideD, StrideH, StrideW;
    public readonly int PadD, PadH, PadW;
    public readonly int DilD, DilH, DilW;

    public WindowShape(int[] inSpatial, int[] kernel, int[] outSpatial, int[] strides, int[] padsBegin, int[] dilations)
    {
        var s = new SpatialShape3(inSpatial, kernel, outSpatial, strides, padsBegin, dilations);
        (InD, InH, InW) = (s.In[0], s.In[1], s.In[2]);
        (KD, KH, KW) = (s.Kernel[0], s.Kernel[1], s.Kernel[2]);
        (OutD, OutH, OutW) = (s.Out[0], s.Out[1], s.Out[2]);
        (StrideD, StrideH, StrideW) = (s.Stride[0], s.Stride[1], s.Stride[2]);
        (PadD, PadH, PadW) = (s.Pad[0], s.Pad[1], s.Pad[2]);
        (DilD, DilH, DilW) = (s.Dilation[0], s.Dilation[1], s.Dilation[2]);
    }

    public int InSize => InD * InH * InW;

    public int OutSize => OutD * OutH * OutW;

    public int KernelSize => KD * KH * KW;

    /// <summary>True when each output element reads exactly the input element at its own position (1×1, stride 1, no pad).</summary>
    public bool IsPointwise
        => KernelSize == 1 && InSize == OutSize && StrideD == 1 && StrideH == 1 && StrideW == 1 && PadD == 0 && PadH == 0 && PadW == 0;

    public static WindowShape Of(ConvGeometry g) => new(g.InSpatial, g.KernelSpatial, g.OutSpatial, g.Strides, g.PadsBegin, g.Dilations);

    public static WindowShape Of(PoolGeometry g) => new(g.InSpatial, g.KernelSpatial, g.OutSpatial, g.Strides, g.PadsBegin, g.Dilations);

    /// <summary>
    /// The output index along one axis whose window puts kernel offset <paramref name="k"/> on input index
    /// <paramref name="i"/>, or -1 when none does.
    /// </summary>
    public static int OutputAt(int i, int k, int stride, int pad, int dilation, int outSize)
    {
        int t = i + pad - (k * dilation);
        if (t < 0 || t % stride != 0)
        {
            return -1;
        }

        int o = t / stride;
        return o < outSize ? o : -1;
    }

    /// <summary>How many kernel offsets of output <paramref name="o"/> along one axis fall inside the input.</summary>
    public static int InBounds(int o, int kernel, int stride, int pad, int dilation, int inSize)
    {
        int count = 0;
        int start = (o * stride) - pad;
        for (int k = 0; k < kernel; k++)
        {
            int i = start + (k * dilation);
            if (i >= 0 && i < inSize)
            {
                count++;
            }
        }

        return count;
    }
}
