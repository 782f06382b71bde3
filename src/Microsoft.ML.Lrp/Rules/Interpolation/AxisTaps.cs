namespace Microsoft.ML.Lrp.Rules.Interpolation;

/// <summary>
/// One axis of a Resize: for each output index, the input indices it reads with their weights (empty: the output is
/// the extrapolation value). Coordinates and weights are computed in single precision in the order ONNX Runtime uses,
/// so nearest indices agree at rounding boundaries and interpolation weights to float precision.
/// </summary>
internal static class AxisTaps
{
    /// <summary>The taps of every output index along one axis.</summary>
    /// <param name="a">The node's attributes.</param>
    /// <param name="length">Input length along the axis.</param>
    /// <param name="outLength">Output length along the axis.</param>
    /// <param name="scale">The axis scale (output / input as ONNX Runtime derives it).</param>
    /// <param name="roiStart">Region of interest start (tf_crop_and_resize).</param>
    /// <param name="roiEnd">Region of interest end (tf_crop_and_resize).</param>
    public static (int Index, float Weight)[][] Of(ResizeAttributes a, int length, int outLength, float scale, float roiStart, float roiEnd)
    {
        var taps = new (int, float)[outLength][];
        bool extrapolate = a.CoordinateMode == "tf_crop_and_resize";
        for (int i = 0; i < outLength; i++)
        {
            if (scale == 1f)
            {
                // ONNX Runtime skips the coordinate transformation on an axis that is not resized.
                taps[i] = [(Math.Min(i, length - 1), 1f)];
                continue;
            }

            float x = Coordinate(a.CoordinateMode, i, scale, outLength, length, roiStart, roiEnd);
            if (a.Antialias && a.Mode != "nearest")
            {
                taps[i] = extrapolate && (x < 0 || x > length - 1) ? [] : length == outLength ? [(i, 1f)] : Antialiased(a, x, length, scale);
                continue;
            }

            if (extrapolate && (x < 0 || x > length - 1))
            {
                taps[i] = [];
                continue;
            }

            taps[i] = a.Mode switch
            {
                "nearest" => [(Math.Clamp(Nearest(a.NearestMode, x, scale < 1), 0, length - 1), 1f)],
                "linear" => Linear(x, length),
                _ => Cubic(x, length, a.CubicCoefficient, a.ExcludeOutside),
            };
        }

        return taps;
    }

    /// <summary>The input coordinate of output index <paramref name="i"/> (ONNX's coordinate_transformation_mode).</summary>
    public static float Coordinate(string mode, int i, float scale, int outLength, int length, float roiStart, float roiEnd)
    {
        float xr = i, lr = outLength, lo = length;
        switch (mode)
        {
            case "asymmetric":
                return xr / scale;
            case "pytorch_half_pixel":
                return lr > 1 ? ((xr + 0.5f) / scale) - 0.5f : 0f;
            case "tf_half_pixel_for_nn":
                return (xr + 0.5f) / scale;
            case "align_corners":
                return lr == 1 ? 0f : xr * (lo - 1) / (lr - 1);
            case "tf_crop_and_resize":
                return lr > 1
                    ? (roiStart * (lo - 1)) + (xr * (roiEnd - roiStart) * (lo - 1) / (lr - 1))
                    : (float)(0.5 * (roiStart + roiEnd) * (lo - 1));
            case "half_pixel_symmetric":
            {
                float outputWidth = scale * lo;
                float adjustment = lr / outputWidth;
                float center = lo / 2;
                float offset = center * (1 - adjustment);
                return (float)(offset + ((xr + 0.5) / scale) - 0.5);
            }

            default:
                return ((xr + 0.5f) / scale) - 0.5f;
        }
    }

    /// <summary>The nearest input index (ONNX's nearest_mode; <c>simple</c> is the rounding before opset 11).</summary>
    public static int Nearest(string mode, float x, bool downsample) => mode switch
    {
        "simple" => downsample ? (int)MathF.Ceiling(x) : (int)x,
        "round_prefer_ceil" => (int)MathF.Round(x, MidpointRounding.AwayFromZero),
        "floor" => (int)MathF.Floor(x),
        "ceil" => (int)MathF.Ceiling(x),
        _ => x == (long)x + 0.5f ? (int)MathF.Floor(x) : (int)MathF.Round(x, MidpointRounding.AwayFromZero),
    };

    /// <summary>
    /// The anti-aliasing filter (opset 18, Pillow's resampling as ONNX Runtime implements it): the triangle (linear) or
    /// Keys cubic kernel stretched by 1/scale when downscaling, over the integer window
    /// <c>[⌊c − support + ½⌋, ⌊c + support + ½⌋)</c> around <c>c = x + ½</c>, normalised to sum 1. Taps outside the axis are
    /// dropped before normalising (exclude_outside) or folded onto the edge elements.
    /// </summary>
    private static (int, float)[] Antialiased(ResizeAttributes a, float x, int length, float scale)
    {
        bool cubic = a.Mode == "cubic";
        float inverse = 1f / scale;
        float support = (cubic ? 4f : 2f) * 0.5f * (inverse >= 1f ? inverse : 1f);
        float stretch = inverse >= 1f ? 1f / inverse : 1f;
        int window = ((int)MathF.Ceiling(support) * 2) + 1;
        float center = x + 0.5f;
        long first = (long)MathF.Floor(center - support + 0.5f);
        long last = first + Math.Clamp((long)MathF.Floor(center + support + 0.5f) - first, 0, window);
        var taps = new List<(int, float)>();
        float total = 0f;
        for (long j = first; j < last; j++)
        {
            if (a.ExcludeOutside && (j < 0 || j >= length))
            {
                continue;
            }

            float t = MathF.Abs((j - center + 0.5f) * stretch);
            float w = cubic
                ? (t < 1f ? ((((a.CubicCoefficient + 2f) * t) - (a.CubicCoefficient + 3f)) * t * t) + 1 : t < 2f ? ((((t - 5f) * t) + 8f) * t - 4f) * a.CubicCoefficient : 0f)
                : (t < 1f ? 1f - t : 0f);
            taps.Add(((int)Math.Clamp(j, 0, length - 1), w));
            total += w;
        }

        float scaleBy = total == 0f ? 1f : 1f / total;
        return [.. taps.Select(t => (t.Item1, t.Item2 * scaleBy))];
    }

    private static (int, float)[] Linear(float x, int length)
    {
        float v = Math.Max(0f, Math.Min(x, length - 1));
        int x1 = Math.Min((int)v, length - 1);
        int x2 = Math.Min(x1 + 1, length - 1);
        if (x1 == x2)
        {
            return [(x1, 1f)];
        }

        return [(x1, MathF.Abs(v - x2)), (x2, MathF.Abs(v - x1))];
    }

    private static (int, float)[] Cubic(float x, int length, float a, bool excludeOutside)
    {
        int xi = (int)MathF.Floor(x);
        var c = CubicCoefficients(x - xi, a);
        float sum = 1f;
        if (excludeOutside)
        {
            sum = 0f;
            for (int j = 0; j < 4; j++)
            {
                int p = xi - 1 + j;
                if (p < 0 || p >= length)
                {
                    c[j] = 0f;
                }

                sum += c[j];
            }
        }

        var taps = new (int, float)[4];
        for (int j = 0; j < 4; j++)
        {
            taps[j] = (Math.Clamp(xi - 1 + j, 0, length - 1), c[j] / sum);
        }

        return taps;
    }

    /// <summary>Keys' cubic convolution weights of the four neighbours at fractional offset <paramref name="s"/>.</summary>
    public static float[] CubicCoefficients(float s, float a)
    {
        float t = MathF.Abs(s);
        return
        [
            ((((a * (t + 1)) - (5 * a)) * (t + 1)) + (8 * a)) * (t + 1) - (4 * a),
            ((((a + 2) * t) - (a + 3)) * t * t) + 1,
            ((((a + 2) * (1 - t)) - (a + 3)) * (1 - t) * (1 - t)) + 1,
            ((((a * (2 - t)) - (5 * a)) * (2 - t)) + (8 * a)) * (2 - t) - (4 * a),
        ];
    }
}
