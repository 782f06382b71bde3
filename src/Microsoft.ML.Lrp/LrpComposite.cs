namespace Microsoft.ML.Lrp;

/// <summary>
/// A preset mapping from graph nodes to relevance rules, named as in Zennit (see RULES.md, "Composites").
/// "First layer" is the first Dense or Conv node reached from the explained input.
/// </summary>
public enum LrpComposite
{
    /// <summary>Epsilon on every linear node.</summary>
    Epsilon,

    /// <summary>ZPlus on convolutions, Epsilon on dense layers.</summary>
    EpsilonPlus,

    /// <summary>AlphaBeta(2, 1) on convolutions, Epsilon on dense layers.</summary>
    EpsilonAlpha2Beta1,

    /// <summary>Flat on the first layer, ZPlus on convolutions, Epsilon on dense layers.</summary>
    EpsilonPlusFlat,

    /// <summary>Flat on the first layer, AlphaBeta(2, 1) on convolutions, Epsilon on dense layers.</summary>
    EpsilonAlpha2Beta1Flat,

    /// <summary>ZBox on a first convolution (bounds from the options), Gamma on convolutions, Epsilon on dense layers.</summary>
    EpsilonGammaBox,

    /// <summary>Epsilon everywhere plus the AttnLRP rules for transformer operations: bilinear MatMul (uniform), Softmax, LayerNorm (σ constant), gates.</summary>
    AttnLrp,

    /// <summary>Epsilon everywhere; softmax and gates carry no relevance (CP-LRP: the attention weights are held constant in <c>A·V</c>).</summary>
    CpLrp,
}
