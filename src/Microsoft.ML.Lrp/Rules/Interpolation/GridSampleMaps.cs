using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Graph;

namespace Microsoft.ML.Lrp.Rules.Interpolation;

/// <summary>
/// The map of a GridSample (opsets 16 and 20): for sample n, output pixel (h, w) reads the input plane at the grid's
/// location <c>(grid[n, h, w, 0], grid[n, h, w, 1])</c> (x, y in [−1, 1]) by nearest, bilinear or bicubic (Keys, a = −0.75)
/// weights; 5-D inputs (x, y, z) by nearest or trilinear weights. Padding applies per tap as ONNX Runtime does (zeros: no
/// tap; border: clamped; reflection: reflected index).
/// One block per sample, shared by its channels. The grid is a parameter: it carries no relevance.
/// </summary>
internal static class GridSampleMaps
{
    /// <summary>Why a GridSample form is refused, or null.</summary>
    public static string? Unsupported(LrpNode node)
    {
        string mode = node.Source.GetString("mode", "bilinear");
        string padding = node.Source.GetString("padding_mode", "zeros");
        if (mode is not ("bilinear" or "linear" or "nearest" or "bicubic" or "cubic"))
        {
            return $"mode '{mode}'";
        }

        if (padding is not ("zeros" or "border" or "reflection"))
        {
            return $"padding_mode '{padding}'";
        }

        return null;
    }

    public static InterpolationPlan Plan(RuleContext ctx, int[] xShape, int[] yShape)
    {
        var node = ctx.Node.Source;
        string mode = node.GetString("mode", "bilinear");
        string padding = node.GetString("padding_mode", "zeros");
        bool alignCorners = node.GetInt("align_corners", 0) != 0;
        int spatial = xShape.Length - 2;
        if (spatial is not (2 or 3) || (spatial == 3 && mode is "bicubic" or "cubic"))
        {
            throw new LrpException($"Node '{ctx.Node.Name}' (GridSample): 4-D inputs, and 5-D inputs with linear or nearest mode, are covered; got [{string.Join(", ", xShape)}] with mode '{mode}'.");
        }

        var grid = ctx.Value(ctx.Node.Inputs[1]).Data;
        int n = xShape[0], c = xShape[1];
        int[] dims = xShape[2..];
        int planeIn = dims.Aggregate(1, (p, d) => p * d), planeOut = yShape[2..].Aggregate(1, (p, d) => p * d);
        var blocks = new List<InterpolationBlock>();
        var position = new float[spatial];
        var index = new long[spatial];
        for (int s = 0; s < n; s++)
        {
            var builder = new SparseMapBuilder(planeIn);
            for (int p = 0; p < planeOut; p++)
            {
                // The grid lists x (the last axis) first.
                for (int a = 0; a < spatial; a++)
                {
                    position[a] = Denormalize(grid[((((long)s * planeOut) + p) * spatial) + (spatial - 1 - a)], dims[a], alignCorners);
                }

                void Tap(float weight)
                {
                    if (Pixel(padding, index, dims, alignCorners) is { } i)
                    {
                        builder.Add(i, weight);
                    }
                }

                switch (mode)
                {
                    case "nearest":
                        for (int a = 0; a < spatial; a++)
                        {
                            index[a] = (long)MathF.Round(position[a], MidpointRounding.ToEven);
                        }

                        Tap(1f);
                        break;
                    case "bilinear" or "linear":
                        for (int corner = 0; corner < 1 << spatial; corner++)
                        {
                            float weight = 1f;
                            for (int a = 0; a < spatial; a++)
                            {
                                long low = (long)MathF.Floor(position[a]);
                                bool high = ((corner >> (spatial - 1 - a)) & 1) == 1;
                                index[a] = high ? low + 1 : low;
                                weight *= high ? position[a] - low : low + 1 - position[a];
                            }

                            Tap(weight);
                        }

                        break;
                    default:
                    {
                        long y0 = (long)MathF.Floor(position[0]) - 1, x0 = (long)MathF.Floor(position[1]) - 1;
                        var cy = AxisTaps.CubicCoefficients(position[0] - y0 - 1, -0.75f);
                        var cx = AxisTaps.CubicCoefficients(position[1] - x0 - 1, -0.75f);
                        for (int i = 0; i < 4; i++)
                        {
                            for (int j = 0; j < 4; j++)
                            {
                                index[0] = y0 + i;
                                index[1] = x0 + j;
                                Tap(cy[i] * cx[j]);
                            }
                        }

                        break;
                    }
                }

                builder.EndRow();
            }

            blocks.Add(new InterpolationBlock(builder.Build(), s * c * planeIn, s * c * planeOut, c));
        }

        return new InterpolationPlan(blocks, n * c * planeIn, n * c * planeOut, null, mode == "nearest");
    }

    private static float Denormalize(float v, int length, bool alignCorners)
        => alignCorners ? (v + 1) / 2f * (length - 1) : (((v + 1) * length) - 1) / 2f;

    /// <summary>The flat plane index a tap reads, or null (zeros padding outside the volume).</summary>
    private static int? Pixel(string padding, long[] index, int[] dims, bool alignCorners)
    {
        long flat = 0;
        for (int a = 0; a < dims.Length; a++)
        {
            long i = index[a];
            int length = dims[a];
            switch (padding)
            {
                case "zeros":
                    if (i < 0 || i >= length)
                    {
                        return null;
                    }

                    break;
                case "border":
                    i = Math.Clamp(i, 0, length - 1);
                    break;
                default:
                    i = Math.Clamp((long)Reflect(i, alignCorners ? 0f : -0.5f, alignCorners ? length - 1f : length - 0.5f), 0, length - 1);
                    break;
            }

            flat = (flat * length) + i;
        }

        return (int)flat;
    }

    /// <summary>Reflects a coordinate by the nearer border until it lies within [min, max].</summary>
    private static float Reflect(float x, float min, float max)
    {
        float range = max - min;
        if (x < min)
        {
            float d = min - x;
            int k = (int)(d / range);
            float r = d - (k * range);
            return k % 2 == 0 ? min + r : max - r;
        }

        if (x > max)
        {
            float d = x - max;
            int k = (int)(d / range);
            float r = d - (k * range);
            return k % 2 == 0 ? max - r : min + r;
        }

        return x;
    }
}
