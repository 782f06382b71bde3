namespace Microsoft.ML.Lrp;

/// <summary>
/// How far the explanation of a data view has come, reported through <see cref="LrpOptions.Progress"/> after each
/// batch of <see cref="LrpOptions.BatchSize"/> rows.
/// </summary>
/// <param name="RowsDone">Rows explained so far by this cursor.</param>
/// <param name="RowsTotal">Rows the data view holds, when it knows (<c>IDataView.GetRowCount()</c>); otherwise null.</param>
/// <param name="RowsPerSecond">Rows explained per second since the cursor started (reading the input included).</param>
/// <param name="EstimatedTimeLeft">
/// <c>(RowsTotal − RowsDone) / RowsPerSecond</c> when <paramref name="RowsTotal"/> is known; otherwise null.
/// </param>
public sealed record LrpProgress(long RowsDone, long? RowsTotal, double RowsPerSecond, TimeSpan? EstimatedTimeLeft);
