namespace Microsoft.ML.Lrp.Tests.Reference;

/// <summary>
/// What the reference explains, mirroring <see cref="LrpOptions"/> with the same public rule, composite, seed and
/// target types.
/// </summary>
internal sealed record ReferenceOptions
{
    /// <summary>The rule preset.</summary>
    public LrpComposite Composite { get; init; } = LrpComposite.EpsilonPlusFlat;

    /// <summary>The stabiliser ε of every rule.</summary>
    public double Epsilon { get; init; } = 1e-6;

    /// <summary>γ of the Gamma rule in <see cref="LrpComposite.EpsilonGammaBox"/>.</summary>
    public double Gamma { get; init; } = 0.25;

    /// <summary>ZBox lower bound of the explained input: one value, one per channel (dim 1), one per row element, or one per element.</summary>
    public double[]? InputLowerBound { get; init; }

    /// <summary>ZBox upper bound, like <see cref="InputLowerBound"/>.</summary>
    public double[]? InputUpperBound { get; init; }

    /// <summary>Rules that replace the composite's choice; key: node name or op type (a node name wins).</summary>
    public IReadOnlyDictionary<string, LrpRule>? RuleOverrides { get; init; }

    /// <summary>How the output relevance is initialised.</summary>
    public LrpOutputSeed OutputSeed { get; init; } = LrpOutputSeed.Score;

    /// <summary>What to explain in each row (<see cref="LrpTargetKind.FromColumn"/> needs <see cref="TargetPerRow"/>).</summary>
    public LrpTarget Target { get; init; } = LrpTarget.PredictedClass;

    /// <summary>A class index per row; when set it replaces <see cref="Target"/>.</summary>
    public int[]? TargetPerRow { get; init; }

    /// <summary>The explained input; null: the first graph input.</summary>
    public string? InputName { get; init; }

    /// <summary>The explained output; null: the first graph output.</summary>
    public string? OutputName { get; init; }

    /// <summary>The reference options equal to the library's options (targets from a column go in <paramref name="targetPerRow"/>).</summary>
    public static ReferenceOptions From(LrpOptions options, int[]? targetPerRow = null) => new()
    {
        Composite = options.Composite,
        Epsilon = options.Epsilon,
        Gamma = options.Gamma,
        InputLowerBound = options.InputLowerBound?.Select(v => (double)v).ToArray(),
        InputUpperBound = options.InputUpperBound?.Select(v => (double)v).ToArray(),
        RuleOverrides = options.RuleOverrides,
        OutputSeed = options.OutputSeed,
        Target = options.Target,
        TargetPerRow = targetPerRow,
        InputName = options.InputColumnName,
        OutputName = options.OutputName,
    };
}
