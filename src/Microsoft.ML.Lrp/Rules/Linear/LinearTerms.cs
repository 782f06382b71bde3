namespace Microsoft.ML.Lrp.Rules.Linear;

/// <summary>Which modified weights a term uses (γ is the rule's).</summary>
internal enum WeightVariant
{
    W,
    Positive,
    Negative,
    Ones,
    Square,
    GammaPositive,
    GammaNegative,
}

/// <summary>Which modified input a term uses (<c>Low</c>/<c>High</c> are the ZBox bounds).</summary>
internal enum InputVariant
{
    X,
    Positive,
    Negative,
    Ones,
    Low,
    High,
}

/// <summary>Which modified bias a group's denominator uses.</summary>
internal enum BiasVariant
{
    B,
    Positive,
    Negative,
    Zero,
    Square,
    GammaPositive,
    GammaNegative,
}

/// <summary>One product <c>sign · W_t x_t</c> of a group's denominator; its input relevance is <c>sign · x_t ⊙ W_tᵀ s</c>.</summary>
internal sealed record LinearTerm(WeightVariant Weight, InputVariant Input, float Sign = 1f);

/// <summary>
/// One quotient of a linear rule: <c>z_g = Σ_t sign_t W_t x_t + b_g</c>, <c>s_g = mask · R / stab(z_g)</c>,
/// contributing <c>coefficient · Σ_t sign_t x_t ⊙ W_tᵀ s_g</c> to the input relevance. <see cref="Mask"/> is 0 for
/// none, +1 to keep outputs whose original <c>z</c> is positive, −1 for negative ones.
/// </summary>
internal sealed record LinearGroup(IReadOnlyList<LinearTerm> Terms, BiasVariant Bias, float Coefficient = 1f, int Mask = 0);
