using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Linear;

/// <summary>The linear rules of RULES.md expressed as <see cref="LinearGroup"/>s for <see cref="LinearRule"/>.</summary>
internal static class LinearRuleFactory
{
    public static LinearRule Create(LrpRule rule, LinearLayer layer, Func<int[], (Tensor Low, Tensor High)>? bounds)
    {
        float? eps = rule.Kind == LrpRuleKind.Epsilon && !float.IsNaN(rule.EpsilonValue) ? rule.EpsilonValue : null;
        return rule.Kind switch
        {
            LrpRuleKind.Epsilon => new LinearRule(rule.ToString(), layer, [new([new(WeightVariant.W, InputVariant.X)], BiasVariant.B)], eps),
            LrpRuleKind.ZPlus => new LinearRule("ZPlus", layer, [PositiveGroup(1f)], null),
            LrpRuleKind.AlphaBeta => new LinearRule(rule.ToString(), layer,
            [
                PositiveGroup(rule.Alpha),
                new([new(WeightVariant.Negative, InputVariant.Positive), new(WeightVariant.Positive, InputVariant.Negative)], BiasVariant.Negative, -rule.Beta),
            ], null),
            LrpRuleKind.Gamma => new LinearRule(rule.ToString(), layer,
            [
                new([new(WeightVariant.GammaPositive, InputVariant.Positive), new(WeightVariant.GammaNegative, InputVariant.Negative)], BiasVariant.GammaPositive, 1f, +1),
                new([new(WeightVariant.GammaNegative, InputVariant.Positive), new(WeightVariant.GammaPositive, InputVariant.Negative)], BiasVariant.GammaNegative, 1f, -1),
            ], null, rule.GammaValue) { IsGamma = true },
            LrpRuleKind.Flat => new LinearRule("Flat", layer, [new([new(WeightVariant.Ones, InputVariant.Ones)], BiasVariant.Zero)], null),
            LrpRuleKind.WSquare => new LinearRule("WSquare", layer, [new([new(WeightVariant.Square, InputVariant.Ones)], BiasVariant.Square)], null),
            LrpRuleKind.ZBox => new LinearRule(rule.ToString(), layer,
            [
                new([new(WeightVariant.W, InputVariant.X), new(WeightVariant.Positive, InputVariant.Low, -1f), new(WeightVariant.Negative, InputVariant.High, -1f)], BiasVariant.Zero),
            ], null, 0f, bounds ?? throw new InvalidOperationException("ZBox needs bounds.")) { IsZBox = true },
            _ => throw new ArgumentOutOfRangeException(nameof(rule), $"{rule} is not a linear rule."),
        };
    }

    private static LinearGroup PositiveGroup(float coefficient)
        => new([new(WeightVariant.Positive, InputVariant.Positive), new(WeightVariant.Negative, InputVariant.Negative)], BiasVariant.Positive, coefficient);
}
