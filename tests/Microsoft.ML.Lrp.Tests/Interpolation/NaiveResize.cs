namespace Microsoft.ML.Lrp.Tests.Interpolation;

/// <summary>
/// Resize written from the ONNX specification in double precision, independently of the engine: per axis a dense
/// weight matrix <c>W[out, in]</c> (nearest: one 1; linear: two taps; cubic: Keys' four taps, clamped or excluded at the
/// edges), the output the tensor product over the axes, extrapolated outputs a constant.
/// </summary>
internal sealed class NaiveResize
{
    public required string Mode { get; init; }

    public string Coordinate { get; init; } = "half_pixel";

    public string Nearest { get; init; } = "round_prefer_floor";

    public double CubicA { get; init; } = -0.75;

    public bool ExcludeOutside { get; init; }

    public double Extrapolation { get; init; }

    /// <summary>Opset 18's antialias: the kernel stretched by 1/scale when downscaling, normalised over its window.</summary>
    public bool Antialias { get; init; }

    /// <summary>One axis: <c>W[o, i]</c>, and whether output o is extrapolated.</summary>
    public (double[,] Weights, bool[] Outside) Axis(int length, int outLength, double scale, double roiStart = 0, double roiEnd = 1)
    {
        var w = new double[outLength, length];
        var outside = new bool[outLength];
        for (int o = 0; o < outLength; o++)
        {
            if (scale == 1)
            {
                w[o, o] = 1;
                continue;
            }

            double x = Coordinate switch
            {
                "asymmetric" => o / scale,
                "pytorch_half_pixel" => outLength > 1 ? ((o + 0.5) / scale) - 0.5 : 0,
                "tf_half_pixel_for_nn" => (o + 0.5) / scale,
                "align_corners" => outLength == 1 ? 0 : o * (length - 1.0) / (outLength - 1.0),
                "tf_crop_and_resize" => outLength > 1
                    ? (roiStart * (length - 1)) + (o * (roiEnd - roiStart) * (length - 1) / (outLength - 1))
                    : 0.5 * (roiStart + roiEnd) * (length - 1),
                "half_pixel_symmetric" => (length / 2.0 * (1 - (outLength / (scale * length)))) + ((o + 0.5) / scale) - 0.5,
                _ => ((o + 0.5) / scale) - 0.5,
            };
            if (Coordinate == "tf_crop_and_resize" && (x < 0 || x > length - 1))
            {
                outside[o] = true;
                continue;
            }

            if (Antialias && Mode != "nearest" && length != outLength)
            {
                double center = x + 0.5, stretch = Math.Min(scale, 1);
                double support = (Mode == "cubic" ? 2 : 1) / stretch;
                var kept = new List<(int Index, double Weight)>();
                for (long j = (long)Math.Floor(center - support + 0.5); j < (long)Math.Floor(center + support + 0.5); j++)
                {
                    if (!ExcludeOutside || (j >= 0 && j < length))
                    {
                        double d = Math.Abs((j + 0.5 - center) * stretch);
                        kept.Add(((int)Math.Clamp(j, 0, length - 1), Mode == "cubic" ? Keys(d) : Math.Max(0, 1 - d)));
                    }
                }

                double total = kept.Sum(k => k.Weight);
                foreach (var (i, weight) in kept)
                {
                    w[o, i] += weight / total;
                }

                continue;
            }

            switch (Mode)
            {
                case "nearest":
                {
                    double f = Math.Floor(x);
                    int i = Nearest switch
                    {
                        "simple" => scale < 1 ? (int)Math.Ceiling(x) : (int)x,
                        "floor" => (int)f,
                        "ceil" => (int)Math.Ceiling(x),
                        "round_prefer_ceil" => x - f >= 0.5 ? (int)f + 1 : (int)f,
                        _ => x - f > 0.5 ? (int)f + 1 : (int)f,
                    };
                    w[o, Math.Clamp(i, 0, length - 1)] = 1;
                    break;
                }

                case "linear":
                {
                    double v = Math.Clamp(x, 0, length - 1);
                    int i0 = (int)Math.Floor(v);
                    int i1 = Math.Min(i0 + 1, length - 1);
                    double t = v - i0;
                    w[o, i0] += 1 - t;
                    w[o, i1] += t;
                    break;
                }

                default:
                {
                    int i0 = (int)Math.Floor(x);
                    double t = x - i0;
                    double[] d = [1 + t, t, 1 - t, 2 - t];
                    var c = d.Select(Keys).ToArray();
                    double sum = 0;
                    for (int k = 0; k < 4; k++)
                    {
                        int i = i0 - 1 + k;
                        if (ExcludeOutside && (i < 0 || i >= length))
                        {
                            c[k] = 0;
                        }

                        sum += c[k];
                    }

                    for (int k = 0; k < 4; k++)
                    {
                        w[o, Math.Clamp(i0 - 1 + k, 0, length - 1)] += c[k] / (ExcludeOutside ? sum : 1);
                    }

                    break;
                }
            }
        }

        return (w, outside);
    }

    /// <summary>The dense map of a [N, C, H, W] resize of H and W: <c>y = A x + c</c> per plane, as (A[oh·W'+ow, h·W+w], c).</summary>
    public (double[,] A, double[] Constant) Plane(int h, int w, int oh, int ow, double scaleH, double scaleW, double[]? roi = null)
    {
        var (wy, outY) = Axis(h, oh, scaleH, roi?[0] ?? 0, roi?[2] ?? 1);
        var (wx, outX) = Axis(w, ow, scaleW, roi?[1] ?? 0, roi?[3] ?? 1);
        var a = new double[oh * ow, h * w];
        var constant = new double[oh * ow];
        for (int y = 0; y < oh; y++)
        {
            for (int x = 0; x < ow; x++)
            {
                if (outY[y] || outX[x])
                {
                    constant[(y * ow) + x] = Extrapolation;
                    continue;
                }

                for (int i = 0; i < h; i++)
                {
                    for (int j = 0; j < w; j++)
                    {
                        a[(y * ow) + x, (i * w) + j] = wy[y, i] * wx[x, j];
                    }
                }
            }
        }

        return (a, constant);
    }

    /// <summary>Keys' cubic convolution kernel with coefficient a at distance d.</summary>
    private double Keys(double d)
    {
        double a = CubicA;
        d = Math.Abs(d);
        return d <= 1 ? ((a + 2) * d * d * d) - ((a + 3) * d * d) + 1
            : d < 2 ? (a * d * d * d) - (5 * a * d * d) + (8 * a * d) - (4 * a)
            : 0;
    }
}
