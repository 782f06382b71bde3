namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// A 1-, 2- or 3-D sliding-window geometry lifted to exactly three spatial axes (leading axes of size 1, kernel 1,
/// stride 1, no padding), so the im2col and pooling loops are written once. Axis 0 is depth, 2 is the innermost.
/// </summary>
internal readonly struct SpatialShape3
{
    public SpatialShape3(int[] inSpatial, int[] kernel, int[] outSpatial, int[] strides, int[] padsBegin, int[] dilations)
    {
        int rank = inSpatial.Length;
        if (rank is < 1 or > 3 || kernel.Length != rank || outSpatial.Length != rank || strides.Length != rank
            || padsBegin.Length != rank || dilations.Length != rank)
        {
            throw new ArgumentException(
                $"Sliding-window geometry needs 1 to 3 spatial axes with one kernel, output, stride, pad and dilation each (rank {rank}).");
        }

        In = Lift(inSpatial, 1);
        Kernel = Lift(kernel, 1);
        Out = Lift(outSpatial, 1);
        Stride = Lift(strides, 1);
        Pad = Lift(padsBegin, 0);
        Dilation = Lift(dilations, 1);
    }

    public int[] In { get; }

    public int[] Kernel { get; }

    public int[] Out { get; }

    public int[] Stride { get; }

    public int[] Pad { get; }

    public int[] Dilation { get; }

    public int InSize => In[0] * In[1] * In[2];

    public int OutSize => Out[0] * Out[1] * Out[2];

    public int KernelSize => Kernel[0] * Kernel[1] * Kernel[2];

    /// <summary>True when every output element reads exactly the input element at its own position.</summary>
    public bool IsPointwise
    {
        get
        {
            for (int d = 0; d < 3; d++)
            {
                if (Kernel[d] != 1 || Stride[d] != 1 || Pad[d] != 0 || Out[d] != In[d])
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>
    /// The range <c>[lo, hi)</c> of output positions on <paramref name="axis"/> whose input position for kernel
    /// offset <paramref name="kernelIndex"/> is in bounds.
    /// </summary>
    public (int Lo, int Hi) ValidOutputs(int axis, int kernelIndex)
    {
        int offset = Pad[axis] - (kernelIndex * Dilation[axis]);
        int s = Stride[axis];
        int lo = Math.Max(0, CeilDiv(offset, s));
        int hi = Math.Min(Out[axis], FloorDiv(In[axis] - 1 + offset, s) + 1);
        return (lo, Math.Max(lo, hi));
    }

    /// <summary>
    /// The range <c>[lo, hi)</c> of kernel offsets on <paramref name="axis"/> whose input position for output
    /// <paramref name="o"/> is in bounds.
    /// </summary>
    public (int Lo, int Hi) ValidKernelOffsets(int axis, int o)
    {
        int start = (o * Stride[axis]) - Pad[axis];
        int d = Dilation[axis];
        int lo = Math.Max(0, CeilDiv(-start, d));
        int hi = Math.Min(Kernel[axis], FloorDiv(In[axis] - 1 - start, d) + 1);
        return (lo, Math.Max(lo, hi));
    }

    /// <summary>The input position on <paramref name="axis"/> read by output <paramref name="o"/> at kernel offset <paramref name="kernelIndex"/>.</summary>
    public int InputIndex(int axis, int o, int kernelIndex) => (o * Stride[axis]) - Pad[axis] + (kernelIndex * Dilation[axis]);

    private static int FloorDiv(int a, int b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    private static int CeilDiv(int a, int b) => -FloorDiv(-a, b);

    private static int[] Lift(int[] values, int fill)
    {
        int[] result = [fill, fill, fill];
        values.CopyTo(result, 3 - values.Length);
        return result;
    }
}
