using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Graph;

namespace Microsoft.ML.Lrp.Rules.Interpolation;

/// <summary>
/// The map of a 2-D GridSample (opsets 16 and 20): for sample n, output pixel (h, w) reads the input plane at the grid's
/// location <c>(grid[n, h, w, 0], grid[n, h, w, 1])</c> (x, y in [−1, 1]) by nearest, bilinear or bicubic (Keys, a = −0.75)
/// weights; padding applies per tap as ONNX Runtime does (zeros: no tap; border: clamped; reflection: reflected index).
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
        var grid = ctx.Value(ctx.Node.Inputs[1]).Data;
        int n = xShape[0], c = xShape[1], h = xShape[2], w = xShape[3], ho = yShape[2], wo = yShape[3];
        var border = alignCorners ? (0f, 0f, w - 1f, h - 1f) : (-0.5f, -0.5f, w - 0.5f, h - 0.5f);
        var blocks = new List<InterpolationBlock>();
        for (int s = 0; s < n; s++)
        {
            var builder = new SparseMapBuilder(h * w);
            for (int p = 0; p < ho * wo; p++)
            {
                float x = Denormalize(grid[(((long)s * ho * wo) + p) * 2], w, alignCorners);
                float y = Denormalize(grid[((((long)s * ho * wo) + p) * 2) + 1], h, alignCorners);
                void Tap(long row, long col, float weight)
                {
                    if (Pixel(padding, row, col, h, w, border) is { } index)
                    {
                        builder.Add(index, weight);
                    }
                }

                switch (mode)
                {
                    case "nearest":
                        Tap((long)MathF.Round(y, MidpointRounding.ToEven), (long)MathF.Round(x, MidpointRounding.ToEven), 1f);
                        break;
                    case "bilinear" or "linear":
                    {
                        long x1 = (long)MathF.Floor(x), y1 = (long)MathF.Floor(y);
                        float dx2 = x1 + 1 - x, dx1 = x - x1, dy2 = y1 + 1 - y, dy1 = y - y1;
                        Tap(y1, x1, dy2 * dx2);
                        Tap(y1, x1 + 1, dy2 * dx1);
                        Tap(y1 + 1, x1, dy1 * dx2);
                        Tap(y1 + 1, x1 + 1, dy1 * dx1);
                        break;
                    }

                    default:
                    {
                        long x0 = (long)MathF.Floor(x) - 1, y0 = (long)MathF.Floor(y) - 1;
                        var cx = AxisTaps.CubicCoefficients(x - x0 - 1, -0.75f);
                        var cy = AxisTaps.CubicCoefficients(y - y0 - 1, -0.75f);
                        for (int i = 0; i < 4; i++)
                        {
                            for (int j = 0; j < 4; j++)
                            {
                                Tap(y0 + i, x0 + j, cy[i] * cx[j]);
                            }
                        }

                        break;
                    }
                }

                builder.EndRow();
            }

            blocks.Add(new InterpolationBlock(builder.Build(), s * c * h * w, s * c * ho * wo, c));
        }

        return new InterpolationPlan(blocks, n * c * h * w, n * c * ho * wo, null, mode == "nearest");
    }

    private static float Denormalize(float v, int length, bool alignCorners)
        => alignCorners ? (v + 1) / 2f * (length - 1) : (((v + 1) * length) - 1) / 2f;

    /// <summary>The flat plane index a tap reads, or null (zeros padding outside the image).</summary>
    private static int? Pixel(string padding, long row, long col, int h, int w, (float XMin, float YMin, float XMax, float YMax) border)
    {
        switch (padding)
        {
            case "zeros":
                return row >= 0 && row < h && col >= 0 && col < w ? (int)((row * w) + col) : null;
            case "border":
                return (int)((Math.Clamp(row, 0, h - 1) * w) + Math.Clamp(col, 0, w - 1));
            default:
                long c = (long)Reflect(col, border.XMin, border.XMax), r = (long)Reflect(row, border.YMin, border.YMax);
                return (int)((Math.Clamp(r, 0, h - 1) * w) + Math.Clamp(c, 0, w - 1));
        }
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
