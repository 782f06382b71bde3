namespace Microsoft.ML.Lrp;

/// <summary>What a perturbed region of the input is replaced with in <see cref="LrpEvaluation.PixelFlipping(LrpExplainer, float[], LrpExplanation, LrpPixelFlippingOptions?)"/>.</summary>
public enum LrpPerturbation
{
    /// <summary>
    /// The same region of a Gaussian-blurred copy of the input (per channel, over the spatial axes, standard
    /// deviation <see cref="LrpPixelFlippingOptions.BlurSigma"/>): removes the detail without moving the input far
    /// from the data it was trained on.
    /// </summary>
    Blur,

    /// <summary><see cref="LrpPixelFlippingOptions.ConstantValue"/> in every element of the region.</summary>
    Constant,
}
