namespace Microsoft.ML.Lrp;

/// <summary>How <see cref="LrpEvaluation.ParameterRandomization(LrpOptions, float[], int, LrpRandomizationOptions?, IReadOnlyList{int}?)"/> randomises the model (Adebayo et al. 2018, cascading).</summary>
public sealed record LrpRandomizationOptions
{
    /// <summary>Seed of the random weights (layer k of the cascade draws from seed + k). Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Layers to randomise, from the top; null randomises every linear layer. Default null.</summary>
    public int? MaxLayers { get; init; }

    /// <summary>
    /// Rank the absolute relevance instead of the signed one (Adebayo et al. report both; the signed form also
    /// tests whether the evidence keeps its direction). Default false.
    /// </summary>
    public bool AbsoluteRelevance { get; init; }
}
