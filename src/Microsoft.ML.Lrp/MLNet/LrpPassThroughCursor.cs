using Microsoft.ML.Data;

namespace Microsoft.ML.Lrp.MLNet;

/// <summary>A cursor that needs none of the added columns: the input cursor, seen through the output schema.</summary>
internal sealed class LrpPassThroughCursor : DataViewRowCursor
{
    private readonly LrpTransformer _owner;
    private readonly LrpSchemaBinding _binding;
    private readonly DataViewRowCursor _input;
    private readonly bool[] _active;

    public LrpPassThroughCursor(LrpTransformer owner, LrpSchemaBinding binding, DataViewRowCursor input, bool[] active)
    {
        _owner = owner;
        _binding = binding;
        _input = input;
        _active = active;
    }

    public override DataViewSchema Schema => _binding.OutputSchema;

    public override long Position => _input.Position;

    public override long Batch => _input.Batch;

    public override bool MoveNext()
    {
        _owner.ThrowIfDisposed();
        return _input.MoveNext();
    }

    public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

    public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (column.Index >= _active.Length || !_active[column.Index])
        {
            throw new InvalidOperationException($"Column '{column.Name}' was not requested when this cursor was created.");
        }

        return _input.GetGetter<TValue>(_binding.InputSchema[column.Index]);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _input.Dispose();
        }

        base.Dispose(disposing);
    }
}
