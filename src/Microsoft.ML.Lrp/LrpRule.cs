namespace Microsoft.ML.Lrp;

/// <summary>
/// A relevance rule to apply to a node, chosen through <see cref="LrpOptions.RuleOverrides"/>. The formulas are
/// those of RULES.md (Zennit's for linear layers).
/// </summary>
public sealed class LrpRule
{
    private LrpRule(LrpRuleKind kind, float epsilon = float.NaN, float alpha = 0, float beta = 0, float gamma = 0, float low = 0, float high = 0)
    {
        Kind = kind;
        EpsilonValue = epsilon;
        Alpha = alpha;
        Beta = beta;
        GammaValue = gamma;
        Low = low;
        High = high;
    }

    /// <summary>The rule's kind.</summary>
    public LrpRuleKind Kind { get; }

    /// <summary>The stabiliser for <see cref="LrpRuleKind.Epsilon"/>; NaN means the options' <see cref="LrpOptions.Epsilon"/>.</summary>
    public float EpsilonValue { get; }

    /// <summary>α of <see cref="LrpRuleKind.AlphaBeta"/>.</summary>
    public float Alpha { get; }

    /// <summary>β of <see cref="LrpRuleKind.AlphaBeta"/>.</summary>
    public float Beta { get; }

    /// <summary>γ of <see cref="LrpRuleKind.Gamma"/>.</summary>
    public float GammaValue { get; }

    /// <summary>The lower input bound of <see cref="LrpRuleKind.ZBox"/>.</summary>
    public float Low { get; }

    /// <summary>The upper input bound of <see cref="LrpRuleKind.ZBox"/>.</summary>
    public float High { get; }

    /// <summary>Epsilon rule: <c>R_x = x ⊙ Wᵀ(R / stab(z))</c>. Null <paramref name="epsilon"/> takes the options' value.</summary>
    public static LrpRule Epsilon(float? epsilon = null) => new(LrpRuleKind.Epsilon, epsilon: epsilon ?? float.NaN);

    /// <summary>ZPlus rule (positive contributions only).</summary>
    public static LrpRule ZPlus() => new(LrpRuleKind.ZPlus);

    /// <summary>AlphaBeta rule; <c>alpha − beta</c> must be 1.</summary>
    public static LrpRule AlphaBeta(float alpha = 2f, float beta = 1f)
    {
        if (Math.Abs(alpha - beta - 1f) > 1e-6f)
        {
            throw new ArgumentException($"AlphaBeta needs alpha − beta = 1 to conserve relevance; got alpha={alpha}, beta={beta}.", nameof(alpha));
        }

        return new(LrpRuleKind.AlphaBeta, alpha: alpha, beta: beta);
    }

    /// <summary>Generalised Gamma rule (Zennit's) favouring positive contributions by <paramref name="gamma"/>.</summary>
    public static LrpRule Gamma(float gamma = 0.25f)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(gamma);
        return new(LrpRuleKind.Gamma, gamma: gamma);
    }

    /// <summary>Flat rule: weights and inputs replaced by 1, relevance spread evenly over each receptive field.</summary>
    public static LrpRule Flat() => new(LrpRuleKind.Flat);

    /// <summary>WSquare rule: relevance spread in proportion to the squared weights.</summary>
    public static LrpRule WSquare() => new(LrpRuleKind.WSquare);

    /// <summary>ZBox rule for inputs bounded by [<paramref name="low"/>, <paramref name="high"/>].</summary>
    public static LrpRule ZBox(float low, float high)
    {
        if (!(low <= high))
        {
            throw new ArgumentException($"ZBox needs low ≤ high; got low={low}, high={high}.", nameof(low));
        }

        return new(LrpRuleKind.ZBox, low: low, high: high);
    }

    /// <summary>Pass rule: relevance goes through unchanged (activations, identities).</summary>
    public static LrpRule Pass() => new(LrpRuleKind.Pass);

    /// <summary>Norm rule: relevance split in proportion to each operand's contribution (sums, averages).</summary>
    public static LrpRule Norm() => new(LrpRuleKind.Norm);

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        LrpRuleKind.Epsilon => float.IsNaN(EpsilonValue) ? "Epsilon" : $"Epsilon({EpsilonValue})",
        LrpRuleKind.AlphaBeta => $"AlphaBeta({Alpha}, {Beta})",
        LrpRuleKind.Gamma => $"Gamma({GammaValue})",
        LrpRuleKind.ZBox => $"ZBox({Low}, {High})",
        _ => Kind.ToString(),
    };
}

/// <summary>The kinds of <see cref="LrpRule"/>.</summary>
public enum LrpRuleKind
{
    /// <summary>Epsilon.</summary>
    Epsilon,

    /// <summary>ZPlus.</summary>
    ZPlus,

    /// <summary>AlphaBeta.</summary>
    AlphaBeta,

    /// <summary>Gamma.</summary>
    Gamma,

    /// <summary>Flat.</summary>
    Flat,

    /// <summary>WSquare.</summary>
    WSquare,

    /// <summary>ZBox.</summary>
    ZBox,

    /// <summary>Pass.</summary>
    Pass,

    /// <summary>Norm.</summary>
    Norm,
}
