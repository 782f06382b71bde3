using Quotient = (double Coefficient, int Mask, System.Func<int, double> Bias, (double Sign, System.Func<int, double> W, System.Func<int, double> X)[] Terms);

namespace Microsoft.ML.Lrp.Tests.Intermediate;

/// <summary>
/// Parameter relevance written from RULES.md with plain loops in double, for one row of one linear layer given as its
/// connections: output unit u = (channel i, position p) reads input element j through weight element e. A rule is a
/// list of quotients <c>s_g = [mask] R / stab(Σ_t σ_t W_t x_t + b_g)</c> weighted by c_g; each connection's share
/// <c>c_g σ_t W_t[e] x_t[j] s_g[u]</c> goes to its weight element, and <c>c_g b_g[i] s_g[u]</c> to the bias.
/// </summary>
internal static class NaiveParameterRelevance
{
    /// <summary>One multiply of the layer: output unit, weight element, input element.</summary>
    public readonly record struct Connection(int Unit, int Weight, int Input);

    public static (double[] Weight, double[] Bias) Compute(
        LrpRule rule, double epsilon, double[] w, double[] b, double[] x, double[] relevance, int[] unitChannel, IReadOnlyList<Connection> connections, double low = 0, double high = 0)
    {
        double Pos(double v) => Math.Max(v, 0);
        double Neg(double v) => Math.Min(v, 0);
        double g = rule.Kind == LrpRuleKind.Gamma ? rule.GammaValue : 0;
        // (coefficient, mask, bias of channel i, terms (σ, weight of e, input of j)).
        Quotient[] quotients = rule.Kind switch
        {
            LrpRuleKind.Epsilon => [Q(1, 0, i => b[i], (1, e => w[e], j => x[j]))],
            LrpRuleKind.ZPlus => [Q(1, 0, i => Pos(b[i]), (1, e => Pos(w[e]), j => Pos(x[j])), (1, e => Neg(w[e]), j => Neg(x[j])))],
            LrpRuleKind.AlphaBeta =>
            [
                Q(rule.Alpha, 0, i => Pos(b[i]), (1, e => Pos(w[e]), j => Pos(x[j])), (1, e => Neg(w[e]), j => Neg(x[j]))),
                Q(-rule.Beta, 0, i => Neg(b[i]), (1, e => Neg(w[e]), j => Pos(x[j])), (1, e => Pos(w[e]), j => Neg(x[j]))),
            ],
            LrpRuleKind.Gamma =>
            [
                Q(1, +1, i => b[i] + (g * Pos(b[i])), (1, e => w[e] + (g * Pos(w[e])), j => Pos(x[j])), (1, e => w[e] + (g * Neg(w[e])), j => Neg(x[j]))),
                Q(1, -1, i => b[i] + (g * Neg(b[i])), (1, e => w[e] + (g * Neg(w[e])), j => Pos(x[j])), (1, e => w[e] + (g * Pos(w[e])), j => Neg(x[j]))),
            ],
            LrpRuleKind.Flat => [Q(1, 0, _ => 0, (1, _ => 1, _ => 1))],
            LrpRuleKind.WSquare => [Q(1, 0, i => b[i] * b[i], (1, e => w[e] * w[e], _ => 1))],
            LrpRuleKind.ZBox => [Q(1, 0, _ => 0, (1, e => w[e], j => x[j]), (-1, e => Pos(w[e]), _ => low), (-1, e => Neg(w[e]), _ => high))],
            _ => throw new ArgumentException(rule.ToString()),
        };

        var z = new double[relevance.Length];
        foreach (var c in connections)
        {
            z[c.Unit] += w[c.Weight] * x[c.Input];
        }

        for (int u = 0; u < z.Length; u++)
        {
            z[u] += b[unitChannel[u]];
        }

        var rw = new double[w.Length];
        var rb = new double[b.Length];
        foreach (var (coefficient, mask, bias, terms) in quotients)
        {
            var d = new double[relevance.Length];
            for (int u = 0; u < d.Length; u++)
            {
                d[u] = bias(unitChannel[u]);
            }

            foreach (var c in connections)
            {
                foreach (var (sign, wt, xt) in terms)
                {
                    d[c.Unit] += sign * wt(c.Weight) * xt(c.Input);
                }
            }

            var s = new double[d.Length];
            for (int u = 0; u < s.Length; u++)
            {
                bool keep = mask == 0 || (mask > 0 ? z[u] > 0 : z[u] < 0);
                s[u] = keep ? relevance[u] / (d[u] + (d[u] >= 0 ? epsilon : -epsilon)) : 0;
                rb[unitChannel[u]] += coefficient * bias(unitChannel[u]) * s[u];
            }

            foreach (var c in connections)
            {
                foreach (var (sign, wt, xt) in terms)
                {
                    rw[c.Weight] += coefficient * sign * wt(c.Weight) * xt(c.Input) * s[c.Unit];
                }
            }
        }

        return (rw, rb);
    }

    /// <summary>Dense <c>z[p, i] = Σ_j W[i, j] x[p, j] + b[i]</c> over <paramref name="positions"/> leading rows.</summary>
    public static (List<Connection> Connections, int[] UnitChannel) Dense(int positions, int outputs, int inputs)
    {
        var list = new List<Connection>();
        for (int p = 0; p < positions; p++)
        {
            for (int i = 0; i < outputs; i++)
            {
                for (int j = 0; j < inputs; j++)
                {
                    list.Add(new((p * outputs) + i, (i * inputs) + j, (p * inputs) + j));
                }
            }
        }

        return (list, Enumerable.Range(0, positions * outputs).Select(u => u % outputs).ToArray());
    }

    /// <summary>A 2-D convolution of one row: x [C, H, W], weights [M, C/group, kh, kw], output [M, OH, OW]; padded taps read nothing.</summary>
    public static (List<Connection> Connections, int[] UnitChannel) Conv2d(int c, int h, int wIn, int m, int kh, int kw, int stride, int pad, int dilation, int group)
    {
        int oh = ((h + (2 * pad) - (dilation * (kh - 1)) - 1) / stride) + 1;
        int ow = ((wIn + (2 * pad) - (dilation * (kw - 1)) - 1) / stride) + 1;
        int cg = c / group, mg = m / group;
        var list = new List<Connection>();
        for (int i = 0; i < m; i++)
        {
            for (int oy = 0; oy < oh; oy++)
            {
                for (int ox = 0; ox < ow; ox++)
                {
                    for (int cc = 0; cc < cg; cc++)
                    {
                        for (int ky = 0; ky < kh; ky++)
                        {
                            for (int kx = 0; kx < kw; kx++)
                            {
                                int iy = (oy * stride) - pad + (ky * dilation), ix = (ox * stride) - pad + (kx * dilation);
                                if (iy < 0 || iy >= h || ix < 0 || ix >= wIn)
                                {
                                    continue;
                                }

                                int channel = ((i / mg) * cg) + cc;
                                list.Add(new((((i * oh) + oy) * ow) + ox, (((((i * cg) + cc) * kh) + ky) * kw) + kx, (((channel * h) + iy) * wIn) + ix));
                            }
                        }
                    }
                }
            }
        }

        return (list, Enumerable.Range(0, m * oh * ow).Select(u => u / (oh * ow)).ToArray());
    }

    private static Quotient Q(
        double coefficient, int mask, Func<int, double> bias, params (double, Func<int, double>, Func<int, double>)[] terms)
        => (coefficient, mask, bias, terms);
}
