namespace Microsoft.ML.Lrp;

/// <summary>
/// How <see cref="LrpEvaluation"/> perturbs the input for pixel flipping (Samek et al. 2017, "region perturbation"
/// when a region holds more than one pixel). Regions are square patches of <see cref="PatchSize"/> × <see cref="PatchSize"/>
/// over the last two axes of a row (all leading axes, the channels, perturbed together); a row with one axis is cut
/// into runs of <see cref="PatchSize"/> elements. A region's relevance is the sum of the relevance inside it.
/// </summary>
public sealed record LrpPixelFlippingOptions
{
    /// <summary>Side of a square region in elements (1 = single pixels, all channels of the pixel together). Default 1.</summary>
    public int PatchSize { get; init; } = 1;

    /// <summary>Regions perturbed at each step. Default 1.</summary>
    public int RegionsPerStep { get; init; } = 1;

    /// <summary>
    /// Perturbation steps after the unperturbed input (each curve has <c>Steps + 1</c> points); null perturbs every
    /// region, <c>⌈regions / RegionsPerStep⌉</c> steps. Default null.
    /// </summary>
    public int? Steps { get; init; }

    /// <summary>What a perturbed region is replaced with. Default <see cref="LrpPerturbation.Blur"/>.</summary>
    public LrpPerturbation Replacement { get; init; } = LrpPerturbation.Blur;

    /// <summary>Standard deviation of the Gaussian blur in elements (kernel radius ⌈3σ⌉, edges clamped). Default 4.</summary>
    public float BlurSigma { get; init; } = 4f;

    /// <summary>The value a region takes with <see cref="LrpPerturbation.Constant"/>. Default 0.</summary>
    public float ConstantValue { get; init; }

    /// <summary>
    /// Divide each row's curves by the absolute unperturbed score <c>|f(x)|</c>, so that they start at ±1 and the
    /// area between them compares across rows and models. Default true; false keeps the model's own units.
    /// </summary>
    public bool NormalizeByInitialScore { get; init; } = true;
}
