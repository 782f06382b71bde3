namespace Microsoft.ML.Lrp;

/// <summary>One step of the cascading randomisation: the layers randomised so far and how the heatmaps changed.</summary>
public sealed class LrpRandomizationStep
{
    internal LrpRandomizationStep(int index, string? layer, string? initializer, double[] correlations, float[] relevance)
    {
        Index = index;
        LayerName = layer;
        InitializerName = initializer;
        RowCorrelations = correlations;
        MeanCorrelation = correlations.Length == 0 ? 0 : correlations.Average();
        Relevance = relevance;
    }

    /// <summary>0 for the original model; k after the top k linear layers were randomised.</summary>
    public int Index { get; }

    /// <summary>The node whose weights this step randomised (added to those of the steps before); null at step 0.</summary>
    public string? LayerName { get; }

    /// <summary>The initializer that holds those weights; null at step 0.</summary>
    public string? InitializerName { get; }

    /// <summary>Per row: Spearman's rank correlation of this step's heatmap with the original one (1 at step 0).</summary>
    public IReadOnlyList<double> RowCorrelations { get; }

    /// <summary>The mean of <see cref="RowCorrelations"/>.</summary>
    public double MeanCorrelation { get; }

    /// <summary>This step's relevance, rows × input row length, row-major.</summary>
    public IReadOnlyList<float> Relevance { get; }
}
