using Microsoft.ML.Data;

namespace Microsoft.ML.Lrp.Benchmarks;

/// <summary>One ResNet18 input row for an ML.NET data view (the model's input, 3 × 224 × 224 flattened).</summary>
internal sealed class ResNetImageRow
{
    [ColumnName(TargetTable.ResNetInput)]
    [VectorType(3 * 224 * 224)]
    public float[] Input { get; set; } = [];
}

/// <summary>One MiniLM sentence for an ML.NET data view (sequence 128; the other model inputs as columns of their name).</summary>
internal sealed class MiniLmTokenRow
{
    [ColumnName("input_ids")]
    [VectorType(MiniLmBenchmark.Sequence)]
    public long[] InputIds { get; set; } = [];

    [ColumnName("attention_mask")]
    [VectorType(MiniLmBenchmark.Sequence)]
    public long[] AttentionMask { get; set; } = [];

    [ColumnName("token_type_ids")]
    [VectorType(MiniLmBenchmark.Sequence)]
    public long[] TokenTypeIds { get; set; } = [];
}

/// <summary>Reads every row's relevance column (what a user of the pipeline does) and returns Σ relevance.</summary>
internal static class RelevanceReader
{
    public static double ReadAll(IDataView transformed, string column = "Relevance")
    {
        DataViewSchema.Column relevance = transformed.Schema[column];
        using DataViewRowCursor cursor = transformed.GetRowCursor([relevance]);
        ValueGetter<VBuffer<float>> getter = cursor.GetGetter<VBuffer<float>>(relevance);
        VBuffer<float> buffer = default;
        double sum = 0;
        while (cursor.MoveNext())
        {
            getter(ref buffer);
            foreach (float v in buffer.DenseValues())
            {
                sum += v;
            }
        }

        return sum;
    }
}
