using Microsoft.ML.Data;
using Microsoft.ML.Lrp.MLNet;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.MLNet;

/// <summary>The 10,000-row MLP pipeline of the progress tests, and the recorders they read.</summary>
internal static class ProgressTestKit
{
    public const int Features = 10;

    /// <summary><paramref name="rows"/> rows of a column "input" (10 Single each) for <see cref="TestNetworks.Mlp"/>.</summary>
    public static IDataView Rows(MLContext mlContext, int rows)
    {
        var list = Enumerable.Range(0, rows)
            .Select(r => new VectorRow { Input = Enumerable.Range(0, Features).Select(i => (float)Math.Sin(0.01 * r + 0.3 * i)).ToArray() })
            .ToList();
        var definition = SchemaDefinition.Create(typeof(VectorRow));
        definition["input"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, Features);
        return mlContext.Data.LoadFromEnumerable(list, definition);
    }

    /// <summary>Reads every row's relevance through one cursor; returns the rows read (an exception ends the count early).</summary>
    public static int ReadAll(IDataView view, Action<int>? afterRow = null)
    {
        var column = view.Schema["Relevance"];
        using var cursor = view.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        VBuffer<float> value = default;
        int rows = 0;
        while (cursor.MoveNext())
        {
            getter(ref value);
            rows++;
            afterRow?.Invoke(rows);
        }

        return rows;
    }

    internal sealed class VectorRow
    {
        [ColumnName("input")]
        public float[] Input { get; set; } = [];
    }
}

/// <summary>An <see cref="IProgress{T}"/> that records each report on the reporting thread (unlike <see cref="Progress{T}"/>).</summary>
internal sealed class ProgressRecorder : IProgress<LrpProgress>
{
    private readonly Action<LrpProgress>? _onReport;

    public ProgressRecorder(Action<LrpProgress>? onReport = null) => _onReport = onReport;

    public List<LrpProgress> Reports { get; } = [];

    public void Report(LrpProgress value)
    {
        Reports.Add(value);
        _onReport?.Invoke(value);
    }
}

/// <summary>Wraps an explainer and counts its batches.</summary>
internal sealed class CountingBatchExplainer(IBatchExplainer inner) : IBatchExplainer
{
    public int Calls { get; private set; }

    public string InputName => inner.InputName;

    public IReadOnlyList<int> InputShape => inner.InputShape;

    public int InputRowLength => inner.InputRowLength;

    public string OutputName => inner.OutputName;

    public IReadOnlyList<int> OutputShape => inner.OutputShape;

    public int OutputRowLength => inner.OutputRowLength;

    public IReadOnlyDictionary<string, IReadOnlyList<int>> AdditionalInputs => inner.AdditionalInputs;

    public IReadOnlyDictionary<string, int> AdditionalInputBatchAxes => inner.AdditionalInputBatchAxes;

    public LrpPlanStatistics Statistics => inner.Statistics;

    public string BackendName => inner.BackendName;

    public LrpExplanation Explain(float[] input, int rows, IReadOnlyList<int>? targets, IReadOnlyDictionary<string, Array>? additionalInputs)
    {
        Calls++;
        return inner.Explain(input, rows, targets, additionalInputs);
    }

    public void Dispose() => inner.Dispose();
}

/// <summary>A data view that states the row count it is given (null: unknown, as for a file or a stream), delegating everything else.</summary>
internal sealed class RowCountView(IDataView inner, long? rows) : IDataView
{
    public bool CanShuffle => inner.CanShuffle;

    public DataViewSchema Schema => inner.Schema;

    public long? GetRowCount() => rows;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => inner.GetRowCursor(columnsNeeded, rand);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => inner.GetRowCursorSet(columnsNeeded, n, rand);
}
