namespace Microsoft.ML.Lrp.MLNet;

/// <summary>The saved form of an <see cref="LrpRule"/> in <see cref="LrpModel"/> files.</summary>
internal sealed record LrpRuleDto
{
    public LrpRuleKind Kind { get; init; }

    /// <summary>The rule's own ε; null means the options' value.</summary>
    public float? Epsilon { get; init; }

    public float Alpha { get; init; }

    public float Beta { get; init; }

    public float Gamma { get; init; }

    public float Low { get; init; }

    public float High { get; init; }

    public static LrpRuleDto From(LrpRule rule) => new()
    {
        Kind = rule.Kind,
        Epsilon = float.IsNaN(rule.EpsilonValue) ? null : rule.EpsilonValue,
        Alpha = rule.Alpha,
        Beta = rule.Beta,
        Gamma = rule.GammaValue,
        Low = rule.Low,
        High = rule.High,
    };

    public LrpRule ToRule() => Kind switch
    {
        LrpRuleKind.Epsilon => LrpRule.Epsilon(Epsilon),
        LrpRuleKind.ZPlus => LrpRule.ZPlus(),
        LrpRuleKind.AlphaBeta => LrpRule.AlphaBeta(Alpha, Beta),
        LrpRuleKind.Gamma => LrpRule.Gamma(Gamma),
        LrpRuleKind.Flat => LrpRule.Flat(),
        LrpRuleKind.WSquare => LrpRule.WSquare(),
        LrpRuleKind.ZBox => LrpRule.ZBox(Low, High),
        LrpRuleKind.Pass => LrpRule.Pass(),
        LrpRuleKind.Norm => LrpRule.Norm(),
        _ => throw new LrpException($"The saved model names an unknown rule kind '{Kind}'."),
    };
}
