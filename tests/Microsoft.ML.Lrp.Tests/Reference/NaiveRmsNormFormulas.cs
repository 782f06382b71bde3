namespace Microsoft.ML.Lrp.Tests.Reference;

/// <summary>
/// RMSNormalization (ONNX opset 23) and its RULES.md rule written out plainly in double: over groups of <c>n</c>
/// consecutive elements (the axes from <c>axis</c> to the last), <c>σ = √(mean(x²) + ε)</c>, <c>y = x·w/σ</c>, and
/// with σ held constant <c>R_x = x·(w/σ)·R/stab(y)</c>.
/// </summary>
internal static class NaiveRmsNormFormulas
{
    /// <summary>The forward pass over groups of length n (<paramref name="w"/> has n entries).</summary>
    public static double[] RmsNorm(double[] x, double[] w, int n, double epsilon)
    {
        var y = new double[x.Length];
        for (int o = 0; o < x.Length; o += n)
        {
            double sigma = Sigma(x, o, n, epsilon);
            for (int k = 0; k < n; k++)
            {
                y[o + k] = x[o + k] * w[k] / sigma;
            }
        }

        return y;
    }

    /// <summary>The σ-constant Epsilon relevance of the input.</summary>
    public static double[] RmsNormRelevance(double[] x, double[] w, double[] r, int n, double epsilon, double stabiliser = 1e-6)
    {
        var rx = new double[x.Length];
        for (int o = 0; o < x.Length; o += n)
        {
            double sigma = Sigma(x, o, n, epsilon);
            for (int k = 0; k < n; k++)
            {
                double contribution = x[o + k] * (w[k] / sigma);
                rx[o + k] = contribution * r[o + k] / NaiveTransformerFormulas.Stab(contribution, stabiliser);
            }
        }

        return rx;
    }

    private static double Sigma(double[] x, int offset, int n, double epsilon)
    {
        double sumOfSquares = 0;
        for (int k = 0; k < n; k++)
        {
            sumOfSquares += x[offset + k] * x[offset + k];
        }

        return Math.Sqrt((sumOfSquares / n) + epsilon);
    }
}
