namespace Microsoft.ML.Lrp.Tests.Interpolation;

/// <summary>
/// GridSample and RoiAlign written from their definitions in double precision, as dense maps over the whole tensor
/// (ONNX Runtime's conventions: GridSample pads each tap; RoiAlign samples bins on a regular grid with bilinear corners,
/// and its max mode keeps the largest weighted corner term).
/// </summary>
internal static class NaiveSampling
{
    /// <summary>GridSample of x [n, c, h, w] at grid [n, ho, wo, 2] (x then y, in [−1, 1]).</summary>
    public static InterpolationHarness.DenseMap GridSample(int n, int c, int h, int w, float[] grid, int ho, int wo, string mode, string padding, bool alignCorners)
    {
        var terms = new List<(int, double)>[n * c * ho * wo];
        for (int s = 0; s < n; s++)
        {
            for (int ch = 0; ch < c; ch++)
            {
                int plane = ((s * c) + ch) * h * w;
                for (int p = 0; p < ho * wo; p++)
                {
                    var list = terms[(((s * c) + ch) * ho * wo) + p] = [];
                    double gx = grid[(((s * ho * wo) + p) * 2)], gy = grid[(((s * ho * wo) + p) * 2) + 1];
                    double x = alignCorners ? (gx + 1) / 2 * (w - 1) : (((gx + 1) * w) - 1) / 2;
                    double y = alignCorners ? (gy + 1) / 2 * (h - 1) : (((gy + 1) * h) - 1) / 2;
                    void Tap(long row, long col, double weight)
                    {
                        if (Pixel(row, col, h, w, padding, alignCorners) is { } i && weight != 0)
                        {
                            list.Add((plane + i, weight));
                        }
                    }

                    if (mode == "nearest")
                    {
                        Tap((long)Math.Round(y, MidpointRounding.ToEven), (long)Math.Round(x, MidpointRounding.ToEven), 1);
                    }
                    else if (mode is "bilinear" or "linear")
                    {
                        long x0 = (long)Math.Floor(x), y0 = (long)Math.Floor(y);
                        double tx = x - x0, ty = y - y0;
                        Tap(y0, x0, (1 - ty) * (1 - tx));
                        Tap(y0, x0 + 1, (1 - ty) * tx);
                        Tap(y0 + 1, x0, ty * (1 - tx));
                        Tap(y0 + 1, x0 + 1, ty * tx);
                    }
                    else
                    {
                        long x0 = (long)Math.Floor(x), y0 = (long)Math.Floor(y);
                        double tx = x - x0, ty = y - y0;
                        for (int i = -1; i <= 2; i++)
                        {
                            for (int j = -1; j <= 2; j++)
                            {
                                Tap(y0 + i, x0 + j, Keys(ty - i) * Keys(tx - j));
                            }
                        }
                    }
                }
            }
        }

        return new InterpolationHarness.DenseMap(terms, new double[terms.Length]);
    }

    /// <summary>GridSample of a volume x [n, c, d, h, w] at grid [n, do, ho, wo, 3] (x, y, z): nearest or trilinear.</summary>
    public static InterpolationHarness.DenseMap GridSample3D(int n, int c, int[] dims, float[] grid, int[] outDims, string mode, string padding, bool alignCorners)
    {
        int planeIn = dims[0] * dims[1] * dims[2], planeOut = outDims[0] * outDims[1] * outDims[2];
        var terms = new List<(int, double)>[n * c * planeOut];
        for (int s = 0; s < n; s++)
        {
            for (int ch = 0; ch < c; ch++)
            {
                for (int p = 0; p < planeOut; p++)
                {
                    var list = terms[(((s * c) + ch) * planeOut) + p] = [];
                    var pos = new double[3];
                    for (int a = 0; a < 3; a++)
                    {
                        double g = grid[(((s * planeOut) + p) * 3) + (2 - a)];
                        pos[a] = alignCorners ? (g + 1) / 2 * (dims[a] - 1) : (((g + 1) * dims[a]) - 1) / 2;
                    }

                    for (int corner = 0; corner < (mode == "nearest" ? 1 : 8); corner++)
                    {
                        double weight = 1;
                        long flat = 0;
                        bool inside = true;
                        for (int a = 0; a < 3; a++)
                        {
                            long i;
                            if (mode == "nearest")
                            {
                                i = (long)Math.Round(pos[a], MidpointRounding.ToEven);
                            }
                            else
                            {
                                long low = (long)Math.Floor(pos[a]);
                                bool high = ((corner >> a) & 1) == 1;
                                i = high ? low + 1 : low;
                                weight *= high ? pos[a] - low : low + 1 - pos[a];
                            }

                            // One axis at a time: the 2-D padding with a single column.
                            if (Pixel(i, 0, dims[a], 1, padding, alignCorners) is { } k)
                            {
                                flat = (flat * dims[a]) + k;
                            }
                            else
                            {
                                inside = false;
                            }
                        }

                        if (inside && weight != 0)
                        {
                            list.Add(((int)(((s * c) + ch) * planeIn + flat), weight));
                        }
                    }
                }
            }
        }

        return new InterpolationHarness.DenseMap(terms, new double[terms.Length]);
    }

    /// <summary>RoiAlign of x [n, c, h, w] over boxes (x1, y1, x2, y2) into [boxes, c, ph, pw].</summary>
    public static InterpolationHarness.DenseMap RoiAlign(float[] x, int c, int h, int w, float[] rois, long[] batch, int ph, int pw, int samplingRatio, double spatialScale, bool halfPixel, bool max)
    {
        var terms = new List<(int, double)>[batch.Length * c * ph * pw];
        for (int r = 0; r < batch.Length; r++)
        {
            double offset = halfPixel ? 0.5 : 0;
            double x1 = (rois[r * 4] * spatialScale) - offset, y1 = (rois[(r * 4) + 1] * spatialScale) - offset;
            double x2 = (rois[(r * 4) + 2] * spatialScale) - offset, y2 = (rois[(r * 4) + 3] * spatialScale) - offset;
            double rw = x2 - x1, rh = y2 - y1;
            if (!halfPixel)
            {
                rw = Math.Max(rw, 1);
                rh = Math.Max(rh, 1);
            }

            int gh = samplingRatio > 0 ? samplingRatio : (int)Math.Ceiling(rh / ph), gw = samplingRatio > 0 ? samplingRatio : (int)Math.Ceiling(rw / pw);
            for (int ch = 0; ch < c; ch++)
            {
                int plane = (int)(((batch[r] * c) + ch) * h * w);
                for (int oy = 0; oy < ph; oy++)
                {
                    for (int ox = 0; ox < pw; ox++)
                    {
                        var corners = new List<(int Index, double Weight)>();
                        for (int iy = 0; iy < gh; iy++)
                        {
                            for (int ix = 0; ix < gw; ix++)
                            {
                                double sy = y1 + ((oy + ((iy + 0.5) / gh)) * rh / ph), sx = x1 + ((ox + ((ix + 0.5) / gw)) * rw / pw);
                                corners.AddRange(Bilinear(sy, sx, h, w).Select(t => (plane + t.Index, t.Weight)));
                            }
                        }

                        var list = terms[(((r * c) + ch) * ph * pw) + (oy * pw) + ox] = [];
                        if (!max)
                        {
                            list.AddRange(corners.Where(t => t.Weight != 0).Select(t => (t.Index, t.Weight / Math.Max(gh * gw, 1))));
                        }
                        else if (corners.Count > 0)
                        {
                            var best = corners[0];
                            foreach (var t in corners)
                            {
                                if (t.Weight * x[t.Index] > best.Weight * x[best.Index])
                                {
                                    best = t;
                                }
                            }

                            if (best.Weight != 0)
                            {
                                list.Add(best);
                            }
                        }
                    }
                }
            }
        }

        return new InterpolationHarness.DenseMap(terms, new double[terms.Length]);
    }

    /// <summary>The four corners of a sample (an empty sample outside [−1, size] gives four zero-weight terms at 0).</summary>
    private static IEnumerable<(int Index, double Weight)> Bilinear(double y, double x, int h, int w)
    {
        if (y < -1 || y > h || x < -1 || x > w)
        {
            return Enumerable.Repeat((0, 0.0), 4);
        }

        y = Math.Clamp(y, 0, h - 1);
        x = Math.Clamp(x, 0, w - 1);
        int y0 = (int)y, x0 = (int)x, yb = Math.Min(y0 + 1, h - 1), xb = Math.Min(x0 + 1, w - 1);
        double ly = y - y0, lx = x - x0;
        return [((y0 * w) + x0, (1 - ly) * (1 - lx)), ((y0 * w) + xb, (1 - ly) * lx), ((yb * w) + x0, ly * (1 - lx)), ((yb * w) + xb, ly * lx)];
    }

    private static int? Pixel(long row, long col, int h, int w, string padding, bool alignCorners)
    {
        switch (padding)
        {
            case "zeros":
                return row >= 0 && row < h && col >= 0 && col < w ? (int)((row * w) + col) : null;
            case "border":
                return (int)((Math.Clamp(row, 0, h - 1) * w) + Math.Clamp(col, 0, w - 1));
            default:
                double lo = alignCorners ? 0 : -0.5;
                long r = (long)Reflect(row, lo, alignCorners ? h - 1 : h - 0.5), c = (long)Reflect(col, lo, alignCorners ? w - 1 : w - 0.5);
                return (int)((r * w) + c);
        }
    }

    /// <summary>Folds v into [lo, hi] by repeated reflection at the borders.</summary>
    private static double Reflect(double v, double lo, double hi)
    {
        double span = hi - lo;
        double d = Math.Abs(v - lo) % (2 * span);
        double folded = d <= span ? d : (2 * span) - d;
        return v >= lo && v <= hi ? v : lo + folded;
    }

    private static double Keys(double d)
    {
        const double a = -0.75;
        d = Math.Abs(d);
        return d <= 1 ? ((a + 2) * d * d * d) - ((a + 3) * d * d) + 1
            : d < 2 ? (a * d * d * d) - (5 * a * d * d) + (8 * a * d) - (4 * a)
            : 0;
    }
}
