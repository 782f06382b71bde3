using Microsoft.ML.Data;

namespace Microsoft.ML.Lrp.Tests.MLNet;

/// <summary>Rows and helpers shared by the ML.NET tests.</summary>
internal static class LrpTestData
{
    public static LrpOptions Options(int batchSize = 4, LrpTarget? target = null) => new()
    {
        ModelBytes = [1, 2, 3],
        InputColumnName = "input",
        BatchSize = batchSize,
        Target = target ?? LrpTarget.PredictedClass,
    };

    /// <summary>Row i: input = [i, i+1, i+2, i+3], Name = "row i", Weight = i / 2, Id = i.</summary>
    public static InputRow[] Rows(int count) => Enumerable.Range(0, count).Select(i => new InputRow
    {
        Input = [i, i + 1, i + 2, i + 3],
        Name = $"row {i}",
        Weight = i / 2f,
        Id = i,
    }).ToArray();

    public static (LrpTransformer Transformer, FakeBatchExplainer Fake) Fit(MLContext mlContext, IDataView data, LrpOptions options, Func<LrpOptions, FakeBatchExplainer>? create = null)
    {
        FakeBatchExplainer? fake = null;
        var estimator = new LrpEstimator(options, o => fake = (create ?? (x => new FakeBatchExplainer(x)))(o));
        var transformer = estimator.Fit(data);
        return (transformer, fake!);
    }

    /// <summary>Reads every row of <paramref name="view"/> through a cursor over the named columns.</summary>
    public static List<T> Read<T>(IDataView view, string column)
    {
        var col = view.Schema[column];
        using var cursor = view.GetRowCursor([col]);
        var getter = cursor.GetGetter<T>(col);
        var values = new List<T>();
        while (cursor.MoveNext())
        {
            T value = default!;
            getter(ref value);
            values.Add(value);
        }

        return values;
    }

    public static List<float[]> ReadVectors(IDataView view, string column)
        => Read<VBuffer<float>>(view, column).Select(v => v.DenseValues().ToArray()).ToList();

    internal sealed class InputRow
    {
        [ColumnName("input")]
        [VectorType(4)]
        public float[] Input { get; set; } = [];

        public string Name { get; set; } = "";

        public float Weight { get; set; }

        public int Id { get; set; }
    }

    internal sealed class VariableRow
    {
        [ColumnName("input")]
        public float[] Input { get; set; } = [];
    }

    internal sealed class Prediction
    {
        public float[] Relevance { get; set; } = [];

        [ColumnName("output")]
        public float[] Output { get; set; } = [];

        public int LrpTarget { get; set; }

        public float LrpScore { get; set; }

        public string Name { get; set; } = "";
    }
}
