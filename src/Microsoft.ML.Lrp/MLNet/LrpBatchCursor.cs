using Microsoft.ML.Data;

namespace Microsoft.ML.Lrp.MLNet;

/// <summary>
/// A cursor that reads <see cref="LrpOptions.BatchSize"/> input rows ahead, keeps the values of every active
/// pass-through column for them, explains them in one call, then serves them in order.
/// </summary>
internal sealed class LrpBatchCursor : DataViewRowCursor
{
    private readonly LrpTransformer _owner;
    private readonly LrpSchemaBinding _binding;
    private readonly DataViewRowCursor _input;
    private readonly bool[] _active;
    private readonly int _capacity;
    private readonly LrpBatchReader _reader;
    private readonly LrpColumnBuffer?[] _passThrough;
    private readonly ValueGetter<DataViewRowId> _inputId;
    private readonly DataViewRowId[] _ids;
    private readonly LrpProgressReporter? _progress;
    private LrpExplanation? _explanation;
    private int _filled;
    private int _slot = -1;
    private long _position = -1;
    private bool _exhausted;

    public LrpBatchCursor(LrpTransformer owner, LrpSchemaBinding binding, DataViewRowCursor input, bool[] active, LrpProgressReporter? progress = null)
    {
        _progress = progress;
        _owner = owner;
        _binding = binding;
        _input = input;
        _active = active;
        _capacity = owner.Options.BatchSize;
        _reader = new LrpBatchReader(binding, input, _capacity);
        _passThrough = new LrpColumnBuffer?[binding.FirstAddedIndex];
        for (int i = 0; i < _passThrough.Length; i++)
        {
            if (active[i])
            {
                _passThrough[i] = LrpColumnBuffer.Create(input, binding.InputSchema[i], _capacity);
            }
        }

        _inputId = input.GetIdGetter();
        _ids = new DataViewRowId[_capacity];
    }

    public override DataViewSchema Schema => _binding.OutputSchema;

    public override long Position => _position;

    public override long Batch => _input.Batch;

    public override bool MoveNext()
    {
        _owner.ThrowIfDisposed();
        if (_slot + 1 < _filled)
        {
            _slot++;
            _position++;
            return true;
        }

        if (_exhausted || !FillBatch())
        {
            _slot = _filled;
            return false;
        }

        _slot = 0;
        _position++;
        return true;
    }

    public override ValueGetter<DataViewRowId> GetIdGetter()
        => (ref DataViewRowId value) => value = _ids[CurrentSlot()];

    public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (column.Index >= _active.Length || !_active[column.Index])
        {
            throw new InvalidOperationException($"Column '{column.Name}' was not requested when this cursor was created.");
        }

        var getter = column.Index < _binding.FirstAddedIndex
            ? _passThrough[column.Index]!.CreateGetter(CurrentSlot)
            : LrpAddedColumnGetters.Create(column.Index - _binding.FirstAddedIndex, _binding, () => (_explanation!, CurrentSlot()));
        return LrpAddedColumnGetters.Typed<TValue>(getter, column);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _input.Dispose();
            _progress?.Dispose();
            _explanation = null;
        }

        base.Dispose(disposing);
    }

    private bool FillBatch()
    {
        _progress?.ThrowIfCancellationRequested();
        int rows = 0;
        while (rows < _capacity && _input.MoveNext())
        {
            _reader.Read(rows);
            foreach (var buffer in _passThrough)
            {
                buffer?.Capture(rows);
            }

            _inputId(ref _ids[rows]);
            rows++;
        }

        _exhausted = rows < _capacity;
        _filled = rows;
        if (rows == 0)
        {
            _explanation = null;
            _progress?.Finish();
            return false;
        }

        _explanation = _reader.Explain(_owner.Explainer, rows);
        _progress?.BatchDone(rows);
        if (_exhausted)
        {
            _progress?.Finish();
        }

        return true;
    }

    private int CurrentSlot()
    {
        if (_slot < 0 || _slot >= _filled)
        {
            throw new InvalidOperationException("The cursor is not on a row: call MoveNext and check it returned true before reading values.");
        }

        return _slot;
    }
}
