using Microsoft.ML.Data;

namespace Microsoft.ML.Lrp.MLNet;

/// <summary>
/// A row of <see cref="LrpRowToRowMapper"/>: pass-through columns read the input row; the added columns come from
/// one explanation per input position, computed on the first read and cached.
/// </summary>
internal sealed class LrpMappedRow : DataViewRow
{
    private readonly LrpTransformer _owner;
    private readonly LrpSchemaBinding _binding;
    private readonly DataViewRow _input;
    private readonly bool[] _active;
    private readonly bool _anyAdded;
    private LrpBatchReader? _reader;
    private LrpExplanation? _explanation;
    private long _explainedPosition = -1;

    public LrpMappedRow(LrpTransformer owner, LrpSchemaBinding binding, DataViewRow input, bool[] active)
    {
        _owner = owner;
        _binding = binding;
        _input = input;
        _active = active;
        _anyAdded = binding.AnyAddedActive(active);
    }

    public override DataViewSchema Schema => _binding.OutputSchema;

    public override long Position => _input.Position;

    public override long Batch => _input.Batch;

    public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

    public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (column.Index >= _active.Length || !_active[column.Index])
        {
            throw new InvalidOperationException($"Column '{column.Name}' was not requested when this row was created.");
        }

        if (column.Index < _binding.FirstAddedIndex)
        {
            return _input.GetGetter<TValue>(_binding.InputSchema[column.Index]);
        }

        var getter = LrpAddedColumnGetters.Create(column.Index - _binding.FirstAddedIndex, _binding, () => (Current(), 0));
        return LrpAddedColumnGetters.Typed<TValue>(getter, column);
    }

    private LrpExplanation Current()
    {
        _owner.ThrowIfDisposed();
        long position = _input.Position;
        if (position < 0)
        {
            throw new InvalidOperationException("The input row has no values yet (position -1).");
        }

        if (_explanation is null || position != _explainedPosition)
        {
            // Getters of the input are requested only when an added column is read, so that a row that needs no
            // explanation does not ask its input for the explained columns.
            _reader ??= _anyAdded ? new LrpBatchReader(_binding, _input, 1) : throw new InvalidOperationException("No added column is active.");
            _reader.Read(0);
            _explanation = _reader.Explain(_owner.Explainer, 1);
            _explainedPosition = position;
        }

        return _explanation;
    }
}
