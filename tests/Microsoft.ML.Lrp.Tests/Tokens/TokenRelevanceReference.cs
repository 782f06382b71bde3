namespace Microsoft.ML.Lrp.Tests.Tokens;

/// <summary>
/// The naive double-precision LRP of <see cref="TokenTestModel"/> for one row, written from RULES.md: seed
/// <c>y[t]</c>, ReduceMean as Norm over its window, Relu Pass, the dense layer Epsilon (bias absorbs), the mask
/// multiplication Pass, the position Add Norm (the constant absorbs its share), and the embedding Gather summing
/// relevance over the embedding dimension per token.
/// </summary>
internal static class TokenRelevanceReference
{
    public static double[] Explain(TokenTestModel m, long[] ids, long[] mask, int target, double epsilon)
    {
        int t = m.Sequence, d = TokenTestModel.Width, k = TokenTestModel.Hidden;
        var emb = new double[t, d];
        var x = new double[t, d];
        var xm = new double[t, d];
        var z = new double[t, k];
        var h = new double[t, k];
        for (int i = 0; i < t; i++)
        {
            for (int j = 0; j < d; j++)
            {
                emb[i, j] = m.Embedding[(ids[i] * d) + j];
                x[i, j] = emb[i, j] + m.Positions[(i * d) + j];
                xm[i, j] = x[i, j] * mask[i];
            }

            for (int c = 0; c < k; c++)
            {
                double s = m.Bias[c];
                for (int j = 0; j < d; j++)
                {
                    s += xm[i, j] * m.Weight[(j * k) + c];
                }

                z[i, c] = s;
                h[i, c] = Math.Max(s, 0);
            }
        }

        double pooled = 0;
        for (int i = 0; i < t; i++)
        {
            pooled += h[i, target] / t;
        }

        // ReduceMean: R_h = h ⊙ Aᵀ(R / stab(A h)), A the mean over tokens.
        var rz = new double[t, k];
        double sTarget = pooled / Stab(pooled, epsilon) / t;
        for (int i = 0; i < t; i++)
        {
            rz[i, target] = h[i, target] * sTarget;
        }

        // Dense, Epsilon: R_xm = xm ⊙ Wᵀ(R / stab(z)); Mul by the mask: Pass; Add of P: Norm.
        var tokens = new double[t];
        for (int i = 0; i < t; i++)
        {
            for (int j = 0; j < d; j++)
            {
                double back = 0;
                for (int c = 0; c < k; c++)
                {
                    back += m.Weight[(j * k) + c] * rz[i, c] / Stab(z[i, c], epsilon);
                }

                double rx = xm[i, j] * back;
                double remb = emb[i, j] * rx / Stab(x[i, j], epsilon);
                tokens[i] += remb;
            }
        }

        return tokens;
    }

    private static double Stab(double v, double epsilon) => v + (v >= 0 ? epsilon : -epsilon);
}
