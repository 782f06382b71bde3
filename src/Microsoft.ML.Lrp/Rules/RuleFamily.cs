namespace Microsoft.ML.Lrp.Rules;

/// <summary>The kinds of rule an op type can take.</summary>
internal enum RuleFamily
{
    Linear,
    Pass,
    Norm,
    AverageNorm,
    WinnerTakesAll,
    Routing,
    Concat,
    Split,
    TokenEmbedding,

    /// <summary>The transformer rows of RULES.md; the registry row binds the rule (no overrides by op type).</summary>
    Transformer,

    /// <summary>A rule of the op's own, bound by its registry row (<see cref="Ops.OpInfo.Rule"/>); no overrides.</summary>
    Own,

    /// <summary>An <c>ai.onnx.ml</c> operator (Rules/OnnxMl): one rule per op type.</summary>
    OnnxMl,
}

/// <summary>The rule chosen for one node, before it is bound to shapes and weights.</summary>
/// <param name="Family">The family of the op.</param>
/// <param name="Rule">The linear rule (Linear family) or an override's rule.</param>
/// <param name="RelevanceInput">For Pass: the input that carries relevance.</param>
/// <param name="IsFirstLayer">True for the first Dense/Conv reached from the input.</param>
/// <param name="BoundsFromOptions">True when a ZBox rule takes its bounds from <see cref="LrpOptions.InputLowerBound"/>/<see cref="LrpOptions.InputUpperBound"/>.</param>
internal sealed record RuleChoice(RuleFamily Family, LrpRule? Rule = null, int RelevanceInput = 0, bool IsFirstLayer = false, bool BoundsFromOptions = false)
{
    /// <summary>The factory of a rule specific to the op (from its registry row); null for the shared families.</summary>
    public Func<Ops.OpRuleBinding, IRelevanceRule>? Bind { get; init; }
}
