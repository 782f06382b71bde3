namespace Microsoft.ML.Lrp.Tests.Reference;

/// <summary>
/// The transformer formulas of RULES.md written out plainly in double, one function per rule, for single-rule tests.
/// Tensors are row-major arrays with explicit dimensions.
/// </summary>
internal static class NaiveTransformerFormulas
{
    /// <summary><c>stab(d) = d + ε·sign(d)</c>, <c>sign(0) = +1</c>.</summary>
    public static double Stab(double d, double epsilon = 1e-6) => d + (d >= 0 ? epsilon : -epsilon);

    /// <summary>
    /// Batched MatMul <c>z[t] = A[t]·B[bIndex(t)]</c> (A: [T, m, k], B: [TB, k, n]) and its bilinear relevance:
    /// uniform (<c>s = R/stab(2z)</c>) when both carry, Epsilon with A constant (<c>s = R/stab(z)</c>) otherwise.
    /// </summary>
    public static (double[] Ra, double[] Rb) BilinearMatMul(double[] a, double[] b, double[] r, int t, int m, int k, int n, Func<int, int> bIndex, bool aCarries)
    {
        var ra = new double[a.Length];
        var rb = new double[b.Length];
        double factor = aCarries ? 2 : 1;
        for (int p = 0; p < t; p++)
        {
            int ob = bIndex(p) * k * n;
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double z = 0;
                    for (int q = 0; q < k; q++)
                    {
                        z += a[(p * m * k) + (i * k) + q] * b[ob + (q * n) + j];
                    }

                    double s = r[(p * m * n) + (i * n) + j] / Stab(factor * z);
                    for (int q = 0; q < k; q++)
                    {
                        double term = a[(p * m * k) + (i * k) + q] * b[ob + (q * n) + j] * s;
                        ra[(p * m * k) + (i * k) + q] += aCarries ? term : 0;
                        rb[ob + (q * n) + j] += term;
                    }
                }
            }
        }

        return (ra, rb);
    }

    /// <summary>Softmax over the last axis of rows of length <paramref name="n"/>.</summary>
    public static double[] Softmax(double[] x, int n)
    {
        var y = new double[x.Length];
        for (int o = 0; o < x.Length; o += n)
        {
            double max = x.Skip(o).Take(n).Max();
            double sum = x.Skip(o).Take(n).Sum(v => Math.Exp(v - max));
            for (int k = 0; k < n; k++)
            {
                y[o + k] = Math.Exp(x[o + k] - max) / sum;
            }
        }

        return y;
    }

    /// <summary>AttnLRP softmax over rows of length n: <c>R_x = x ⊙ (R − s ⊙ Σ R)</c>, 0 where <c>s</c> is 0 in float.</summary>
    public static double[] SoftmaxRelevance(double[] x, double[] r, int n)
    {
        var s = Softmax(x, n);
        var rx = new double[x.Length];
        for (int o = 0; o < x.Length; o += n)
        {
            double total = r.Skip(o).Take(n).Sum();
            for (int k = 0; k < n; k++)
            {
                rx[o + k] = (float)s[o + k] == 0f ? 0 : x[o + k] * (r[o + k] - (s[o + k] * total));
            }
        }

        return rx;
    }

    /// <summary>LayerNorm relevance over rows of length n: <c>R_x = (x/σ) ⊙ (w⊙s − mean(w⊙s))</c>, <c>s = R/stab(y)</c>.</summary>
    public static double[] LayerNormRelevance(double[] x, double[] w, double[] bias, double[] r, int n, double epsilon)
    {
        var rx = new double[x.Length];
        for (int o = 0; o < x.Length; o += n)
        {
            double mean = x.Skip(o).Take(n).Average();
            double sigma = Math.Sqrt(x.Skip(o).Take(n).Select(v => (v - mean) * (v - mean)).Average() + epsilon);
            var ws = new double[n];
            for (int k = 0; k < n; k++)
            {
                double y = (w[k] * (x[o + k] - mean) / sigma) + bias[k];
                ws[k] = w[k] * r[o + k] / Stab(y);
            }

            double meanWs = ws.Average();
            for (int k = 0; k < n; k++)
            {
                rx[o + k] = x[o + k] / sigma * (ws[k] - meanWs);
            }
        }

        return rx;
    }

    /// <summary>LayerNorm forward over rows of length n.</summary>
    public static double[] LayerNorm(double[] x, double[] w, double[] bias, int n, double epsilon)
    {
        var y = new double[x.Length];
        for (int o = 0; o < x.Length; o += n)
        {
            double mean = x.Skip(o).Take(n).Average();
            double sigma = Math.Sqrt(x.Skip(o).Take(n).Select(v => (v - mean) * (v - mean)).Average() + epsilon);
            for (int k = 0; k < n; k++)
            {
                y[o + k] = (w[k] * (x[o + k] - mean) / sigma) + bias[k];
            }
        }

        return y;
    }

    /// <summary>CumSum along rows of length n as Norm: <c>R_x = x ⊙ Aᵀ(R / stab(A x))</c>.</summary>
    public static double[] CumSumRelevance(double[] x, double[] r, int n, bool exclusive, bool reverse)
    {
        var rx = new double[x.Length];
        for (int o = 0; o < x.Length; o += n)
        {
            bool InWindow(int i, int j) => reverse ? (exclusive ? j > i : j >= i) : (exclusive ? j < i : j <= i);
            for (int i = 0; i < n; i++)
            {
                double y = 0;
                for (int j = 0; j < n; j++)
                {
                    y += InWindow(i, j) ? x[o + j] : 0;
                }

                double s = r[o + i] / Stab(y);
                for (int j = 0; j < n; j++)
                {
                    rx[o + j] += InWindow(i, j) ? x[o + j] * s : 0;
                }
            }
        }

        return rx;
    }
}
