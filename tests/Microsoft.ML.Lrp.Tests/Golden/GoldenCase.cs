namespace Microsoft.ML.Lrp.Tests.Golden;

/// <summary>One input of a golden file with the reference library's output and relevance (float64).</summary>
internal sealed record GoldenCase
{
    /// <summary>Model, composite and input index, e.g. <c>vgg-EpsilonGammaBox-2</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The composite whose counterpart in the reference library made <see cref="Relevance"/>.</summary>
    public required LrpComposite Composite { get; init; }

    /// <summary>The explained output index; the seed is <c>onehot(target) · output</c>.</summary>
    public required int Target { get; init; }

    /// <summary>ε of the reference's Epsilon rule and stabilisers.</summary>
    public required double Epsilon { get; init; }

    /// <summary>γ of the reference's Gamma rule.</summary>
    public required double Gamma { get; init; }

    /// <summary>ZBox lower bound: one per element or one per channel; null where the composite has no ZBox.</summary>
    public double[]? Lower { get; init; }

    /// <summary>ZBox upper bound, like <see cref="Lower"/>.</summary>
    public double[]? Upper { get; init; }

    /// <summary>The input row (float32 values stored as doubles).</summary>
    public required double[] Input { get; init; }

    /// <summary>PyTorch's output row.</summary>
    public required double[] Output { get; init; }

    /// <summary>The reference relevance at the input.</summary>
    public required double[] Relevance { get; init; }

    /// <summary>max |R(float32) − R(float64)| / max |R| of the reference library itself: float32 noise in this case.</summary>
    public required double Float32Deviation { get; init; }
}
