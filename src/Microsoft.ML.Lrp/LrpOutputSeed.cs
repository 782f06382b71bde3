namespace Microsoft.ML.Lrp;

/// <summary>How the relevance at the explained output is initialised.</summary>
public enum LrpOutputSeed
{
    /// <summary>The model's value at the target (<c>output[target] · onehot(target)</c>): relevance sums to the score.</summary>
    Score,

    /// <summary>A plain one-hot at the target: relevance sums to about 1.</summary>
    One,
}
