using Microsoft.ML.Data;

namespace Microsoft.ML.Lrp.Benchmarks;

/// <summary>A generated row: its position, ten features, a label from features 0 and 1.</summary>
internal sealed class TabularBenchmarkRow
{
    public int Id { get; set; }

    [VectorType(10)]
    public float[] F { get; set; } = [];

    public bool Label { get; set; }
}
