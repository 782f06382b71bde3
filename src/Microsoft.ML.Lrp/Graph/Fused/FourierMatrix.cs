namespace Microsoft.ML.Lrp.Graph.Fused;

/// <summary>
/// The real matrix of a discrete Fourier transform of length L on N (real or complex) samples, K bins:
/// row <c>t·c + ch</c> (sample t, channel ch ∈ {re, im}), column <c>k·2 + part</c>, with <c>θ = 2πkt/L</c> and the
/// window value w_t (1 without a window). Forward, <c>X_k = Σ_t w_t x_t e^{−iθ}</c>: re ← (w cos θ, w sin θ),
/// im ← (−w sin θ, w cos θ) for (x_re, x_im). Inverse, <c>x_k = (1/L) Σ_t X_t e^{+iθ}</c>: re ← (cos θ, −sin θ)/L,
/// im ← (sin θ, cos θ)/L. Samples t ≥ L (truncated by dft_length) get zero rows; samples past N are zero padding.
/// </summary>
internal static class FourierMatrix
{
    public static float[] Build(int samples, int channels, int length, int bins, bool inverse, float[]? window)
    {
        var m = new float[samples * channels * bins * 2];
        int columns = bins * 2;
        double scale = inverse ? 1.0 / length : 1.0;
        for (int t = 0; t < Math.Min(samples, length); t++)
        {
            double w = window?[t] ?? 1.0;
            for (int k = 0; k < bins; k++)
            {
                double theta = 2 * Math.PI * ((long)k * t % length) / length;
                double c = Math.Cos(theta) * w * scale, s = Math.Sin(theta) * w * scale;
                int re = (t * channels * columns) + (k * 2);
                m[re] = (float)c;
                m[re + 1] = (float)(inverse ? s : -s);
                if (channels == 2)
                {
                    int im = re + columns;
                    m[im] = (float)(inverse ? -s : s);
                    m[im + 1] = (float)c;
                }
            }
        }

        return m;
    }
}
