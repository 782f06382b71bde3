namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// The in-bounds input positions (flat indices within one plane) of one pooling window, in row-major window
/// order; padding positions are skipped.
/// </summary>
internal readonly struct PoolWindow
{
    private readonly SpatialShape3 shape;
    private readonly int d0, h0, w0;

    public PoolWindow(SpatialShape3 shape, int od, int oh, int ow)
    {
        this.shape = shape;
        d0 = shape.InputIndex(0, od, 0);
        h0 = shape.InputIndex(1, oh, 0);
        w0 = shape.InputIndex(2, ow, 0);
    }

    /// <summary>Number of in-bounds positions.</summary>
    public int Count => Valid(0, d0) * Valid(1, h0) * Valid(2, w0);

    public Enumerator GetEnumerator() => new(this);

    private int Valid(int axis, int start)
    {
        int count = 0;
        for (int k = 0; k < shape.Kernel[axis]; k++)
        {
            int i = start + (k * shape.Dilation[axis]);
            if (i >= 0 && i < shape.In[axis])
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Walks the window's kernel offsets, yielding the in-bounds ones.</summary>
    public struct Enumerator
    {
        private readonly PoolWindow window;
        private int kd, kh, kw;

        internal Enumerator(PoolWindow window)
        {
            this.window = window;
            kd = 0;
            kh = 0;
            kw = -1;
            Current = -1;
        }

        public int Current { get; private set; }

        public bool MoveNext()
        {
            SpatialShape3 s = window.shape;
            while (kd < s.Kernel[0])
            {
                if (++kw == s.Kernel[2])
                {
                    kw = 0;
                    if (++kh == s.Kernel[1])
                    {
                        kh = 0;
                        if (++kd == s.Kernel[0])
                        {
                            return false;
                        }
                    }
                }

                int d = window.d0 + (kd * s.Dilation[0]);
                int h = window.h0 + (kh * s.Dilation[1]);
                int w = window.w0 + (kw * s.Dilation[2]);
                if (d >= 0 && d < s.In[0] && h >= 0 && h < s.In[1] && w >= 0 && w < s.In[2])
                {
                    Current = (((d * s.In[1]) + h) * s.In[2]) + w;
                    return true;
                }
            }

            return false;
        }
    }
}
