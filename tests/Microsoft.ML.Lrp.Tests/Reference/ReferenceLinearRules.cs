namespace Microsoft.ML.Lrp.Tests.Reference;

/// <summary>
/// The linear rules of RULES.md, written plainly on a <see cref="LinearMap"/> (<c>z = Wx + b</c>). Each returns the
/// input relevance and the share explicitly given to the bias (which is not passed on).
/// </summary>
internal static class ReferenceLinearRules
{
    /// <summary><c>stab(d) = d + ε·sign(d)</c> with sign(0) = +1.</summary>
    public static double Stab(double d, double epsilon) => d + (d >= 0 ? epsilon : -epsilon);

    /// <summary>Applies <paramref name="rule"/> (not Pass); <paramref name="low"/>/<paramref name="high"/> are input-shaped ZBox bounds.</summary>
    public static (double[] Relevance, double BiasShare) Apply(LrpRule rule, LinearMap map, double[] x, double[] r, double epsilon, double[]? low, double[]? high)
    {
        return rule.Kind switch
        {
            LrpRuleKind.Epsilon or LrpRuleKind.Norm => Epsilon(map, x, r, rule.Kind == LrpRuleKind.Epsilon && !float.IsNaN(rule.EpsilonValue) ? rule.EpsilonValue : epsilon),
            LrpRuleKind.ZPlus => AlphaBeta(map, x, r, 1, 0, epsilon),
            LrpRuleKind.AlphaBeta => AlphaBeta(map, x, r, rule.Alpha, rule.Beta, epsilon),
            LrpRuleKind.Gamma => Gamma(map, x, r, rule.GammaValue, epsilon),
            LrpRuleKind.Flat => Flat(map, r, epsilon),
            LrpRuleKind.WSquare => WSquare(map, r, epsilon),
            LrpRuleKind.ZBox => ZBox(map, x, r, low!, high!, epsilon),
            _ => throw new NotSupportedException($"Rule {rule} does not apply to a linear node."),
        };
    }

    private static double Pos(double v) => Math.Max(v, 0);

    private static double Neg(double v) => Math.Min(v, 0);

    private static double[] Divide(double[] r, double[] d, double epsilon) => r.Select((v, o) => v / Stab(d[o], epsilon)).ToArray();

    private static double Dot(double[] a, double[] b) => a.Select((v, i) => v * b[i]).Sum();

    private static double[] Plus(double[] a, double[] b) => a.Select((v, i) => v + b[i]).ToArray();

    /// <summary>Epsilon: <c>s = R / stab(z)</c>; <c>R_x = x ⊙ Wᵀs</c>.</summary>
    private static (double[], double) Epsilon(LinearMap map, double[] x, double[] r, double epsilon)
    {
        var z = map.Apply(w => w, x, map.Bias);
        var s = Divide(r, z, epsilon);
        var c = map.ApplyTransposed(w => w, s);
        return (x.Select((v, i) => v * c[i]).ToArray(), Dot(map.Bias, s));
    }

    /// <summary>
    /// AlphaBeta (ZPlus is α=1, β=0): <c>sα = R / stab(W⁺x⁺ + W⁻x⁻ + b⁺)</c>, <c>sβ = R / stab(W⁻x⁺ + W⁺x⁻ + b⁻)</c>;
    /// <c>R_x = α(x⁺⊙W⁺ᵀsα + x⁻⊙W⁻ᵀsα) − β(x⁺⊙W⁻ᵀsβ + x⁻⊙W⁺ᵀsβ)</c>.
    /// </summary>
    private static (double[], double) AlphaBeta(LinearMap map, double[] x, double[] r, double alpha, double beta, double epsilon)
    {
        var xp = x.Select(Pos).ToArray();
        var xn = x.Select(Neg).ToArray();
        var bp = map.Bias.Select(Pos).ToArray();
        var bn = map.Bias.Select(Neg).ToArray();
        var sa = Divide(r, Plus(map.Apply(Pos, xp, bp), map.Apply(Neg, xn, null)), epsilon);
        var relevance = new double[x.Length];
        var ap = map.ApplyTransposed(Pos, sa);
        var an = map.ApplyTransposed(Neg, sa);
        for (int i = 0; i < x.Length; i++)
        {
            relevance[i] = alpha * ((xp[i] * ap[i]) + (xn[i] * an[i]));
        }

        double biasShare = alpha * Dot(bp, sa);
        if (beta != 0)
        {
            var sb = Divide(r, Plus(map.Apply(Neg, xp, bn), map.Apply(Pos, xn, null)), epsilon);
            var bnT = map.ApplyTransposed(Neg, sb);
            var bpT = map.ApplyTransposed(Pos, sb);
            for (int i = 0; i < x.Length; i++)
            {
                relevance[i] -= beta * ((xp[i] * bnT[i]) + (xn[i] * bpT[i]));
            }

            biasShare -= beta * Dot(bn, sb);
        }

        return (relevance, biasShare);
    }

    /// <summary>
    /// Generalised Gamma: <c>Wᵖ = W+γW⁺, Wⁿ = W+γW⁻</c> (bias likewise); <c>s⁺ = [z&gt;0]R / stab(Wᵖx⁺ + Wⁿx⁻ + bᵖ)</c>,
    /// <c>s⁻ = [z&lt;0]R / stab(Wⁿx⁺ + Wᵖx⁻ + bⁿ)</c>; <c>R_x = x⁺⊙(Wᵖᵀs⁺ + Wⁿᵀs⁻) + x⁻⊙(Wⁿᵀs⁺ + Wᵖᵀs⁻)</c>.
    /// </summary>
    private static (double[], double) Gamma(LinearMap map, double[] x, double[] r, double gamma, double epsilon)
    {
        double WP(double w) => w + (gamma * Pos(w));
        double WN(double w) => w + (gamma * Neg(w));
        var xp = x.Select(Pos).ToArray();
        var xn = x.Select(Neg).ToArray();
        var bp = map.Bias.Select(b => b + (gamma * Pos(b))).ToArray();
        var bn = map.Bias.Select(b => b + (gamma * Neg(b))).ToArray();
        var z = map.Apply(w => w, x, map.Bias);
        var dPos = Plus(map.Apply(WP, xp, bp), map.Apply(WN, xn, null));
        var dNeg = Plus(map.Apply(WN, xp, bn), map.Apply(WP, xn, null));
        var sPos = r.Select((v, o) => z[o] > 0 ? v / Stab(dPos[o], epsilon) : 0).ToArray();
        var sNeg = r.Select((v, o) => z[o] < 0 ? v / Stab(dNeg[o], epsilon) : 0).ToArray();
        var pTp = map.ApplyTransposed(WP, sPos);
        var nTn = map.ApplyTransposed(WN, sNeg);
        var nTp = map.ApplyTransposed(WN, sPos);
        var pTn = map.ApplyTransposed(WP, sNeg);
        var relevance = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            relevance[i] = (xp[i] * (pTp[i] + nTn[i])) + (xn[i] * (nTp[i] + pTn[i]));
        }

        return (relevance, Dot(bp, sPos) + Dot(bn, sNeg));
    }

    /// <summary>Flat: <c>n = 1ᵀ·1</c> per output over its connections; <c>R_x = 1ᵀ(R / stab(n))</c>.</summary>
    private static (double[], double) Flat(LinearMap map, double[] r, double epsilon)
    {
        var ones = new double[map.InputSize];
        Array.Fill(ones, 1.0);
        var n = map.Apply(_ => 1.0, ones, null);
        return (map.ApplyTransposed(_ => 1.0, Divide(r, n, epsilon)), 0);
    }

    /// <summary>WSquare: <c>R_x = (W²)ᵀ(R / stab(W²·1 + b²))</c>.</summary>
    private static (double[], double) WSquare(LinearMap map, double[] r, double epsilon)
    {
        var ones = new double[map.InputSize];
        Array.Fill(ones, 1.0);
        var b2 = map.Bias.Select(b => b * b).ToArray();
        var s = Divide(r, map.Apply(w => w * w, ones, b2), epsilon);
        return (map.ApplyTransposed(w => w * w, s), Dot(b2, s));
    }

    /// <summary>ZBox: <c>s = R / stab(Wx − W⁺l − W⁻h)</c> (bias cancels); <c>R_x = x⊙Wᵀs − l⊙W⁺ᵀs − h⊙W⁻ᵀs</c>.</summary>
    private static (double[], double) ZBox(LinearMap map, double[] x, double[] r, double[] low, double[] high, double epsilon)
    {
        var d = map.Apply(w => w, x, null);
        var dl = map.Apply(Pos, low, null);
        var dh = map.Apply(Neg, high, null);
        var s = Divide(r, d.Select((v, o) => v - dl[o] - dh[o]).ToArray(), epsilon);
        var c = map.ApplyTransposed(w => w, s);
        var cp = map.ApplyTransposed(Pos, s);
        var cn = map.ApplyTransposed(Neg, s);
        return (x.Select((v, i) => (v * c[i]) - (low[i] * cp[i]) - (high[i] * cn[i])).ToArray(), 0);
    }
}
