namespace Microsoft.ML.Lrp.MLNet;

/// <summary>
/// The lazy result of <see cref="LrpTransformer.Transform"/>: nothing runs until a cursor moves. A cursor that needs
/// none of the added columns passes the input through; otherwise it explains the rows batch by batch.
/// </summary>
internal sealed class LrpDataView : IDataView
{
    private readonly LrpTransformer _owner;
    private readonly IDataView _source;
    private readonly LrpSchemaBinding _binding;

    public LrpDataView(LrpTransformer owner, IDataView source, LrpSchemaBinding binding)
    {
        _owner = owner;
        _source = source;
        _binding = binding;
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema => _binding.OutputSchema;

    public long? GetRowCount() => _source.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        ArgumentNullException.ThrowIfNull(columnsNeeded);
        _owner.ThrowIfDisposed();
        bool[] active = _binding.ActiveFlags(columnsNeeded);
        var input = _source.GetRowCursor(_binding.Dependencies(active));
        return _binding.AnyAddedActive(active)
            ? new LrpBatchCursor(_owner, _binding, input, active, new LrpProgressReporter(_owner.Options, _owner.Environment, _source.GetRowCount()))
            : new LrpPassThroughCursor(_owner, _binding, input, active);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => [GetRowCursor(columnsNeeded, rand)];
}
