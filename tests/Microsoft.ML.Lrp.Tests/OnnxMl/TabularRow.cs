using Microsoft.ML.Data;

namespace Microsoft.ML.Lrp.Tests.OnnxMl;

/// <summary>One row of the ground-truth data: ten features, labels that depend on features 0 and 1 only.</summary>
public sealed class TabularRow
{
    [VectorType(10)]
    public float[] F { get; set; } = [];

    public bool Binary { get; set; }

    public float Target { get; set; }

    public uint Class { get; set; }
}
