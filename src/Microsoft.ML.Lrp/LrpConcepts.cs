namespace Microsoft.ML.Lrp;

/// <summary>
/// Concept-level views of an explanation (CRP, Achtibat et al. 2023): a channel of an intermediate tensor is a learned
/// concept, its relevance is the sum over its positions, and <see cref="LrpOptions.Conditions"/> gives the heatmap of one.
/// </summary>
public static class LrpConcepts
{
    /// <summary>
    /// The <paramref name="k"/> channels of <paramref name="tensorName"/> with the largest relevance in row
    /// <paramref name="row"/> (summed over every other axis; axis 1 of an <c>[N, C, H, W]</c> tensor), largest first
    /// (ties: the lower index first). The tensor must be one of <see cref="LrpOptions.RelevanceOutputs"/>.
    /// </summary>
    /// <exception cref="LrpException">The tensor was not recorded, or has no channel axis.</exception>
    public static int[] TopChannels(LrpExplanation explanation, string tensorName, int k, int row = 0)
    {
        ArgumentNullException.ThrowIfNull(explanation);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        var sums = ChannelRelevance(explanation, tensorName, row);
        return Enumerable.Range(0, sums.Length).OrderByDescending(c => sums[c]).ThenBy(c => c).Take(k).ToArray();
    }

    /// <summary>Per channel of <paramref name="tensorName"/>: the relevance of row <paramref name="row"/> summed over every other axis.</summary>
    /// <exception cref="LrpException">The tensor was not recorded, or has no channel axis.</exception>
    public static double[] ChannelRelevance(LrpExplanation explanation, string tensorName, int row = 0)
    {
        ArgumentNullException.ThrowIfNull(explanation);
        return explanation.RelevanceAt(tensorName).ChannelSums(row);
    }
}
