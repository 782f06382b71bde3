namespace Microsoft.ML.Lrp.Evaluation;

/// <summary>
/// A separable Gaussian blur of one row, per channel over its two spatial axes (one axis for a row with one axis):
/// weights <c>exp(−d² / 2σ²)</c> for <c>|d| ≤ ⌈3σ⌉</c>, normalised to sum 1; the border value is repeated beyond the edges.
/// </summary>
internal static class GaussianBlur
{
    public static float[] Apply(ReadOnlySpan<float> row, RegionGrid grid, float sigma)
    {
        if (!float.IsFinite(sigma) || sigma <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "LrpPixelFlippingOptions.BlurSigma must be a finite number > 0.");
        }

        double[] kernel = Kernel(sigma);
        int radius = kernel.Length / 2;
        int h = grid.Height, w = grid.Width;
        var result = new float[row.Length];
        var horizontal = new double[h * w];
        for (int c = 0; c < grid.Channels; c++)
        {
            var plane = row.Slice(c * h * w, h * w);
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    double sum = 0;
                    for (int k = -radius; k <= radius; k++)
                    {
                        sum += kernel[k + radius] * plane[y * w + Math.Clamp(x + k, 0, w - 1)];
                    }

                    horizontal[y * w + x] = sum;
                }
            }

            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    double sum = 0;
                    for (int k = -radius; k <= radius; k++)
                    {
                        sum += kernel[k + radius] * horizontal[Math.Clamp(y + k, 0, h - 1) * w + x];
                    }

                    result[c * h * w + y * w + x] = (float)sum;
                }
            }
        }

        return result;
    }

    private static double[] Kernel(float sigma)
    {
        int radius = (int)Math.Ceiling(3 * sigma);
        var kernel = new double[2 * radius + 1];
        double total = 0;
        for (int k = -radius; k <= radius; k++)
        {
            kernel[k + radius] = Math.Exp(-(double)k * k / (2.0 * sigma * sigma));
            total += kernel[k + radius];
        }

        for (int i = 0; i < kernel.Length; i++)
        {
            kernel[i] /= total;
        }

        return kernel;
    }
}
