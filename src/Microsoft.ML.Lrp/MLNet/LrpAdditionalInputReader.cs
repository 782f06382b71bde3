using Microsoft.ML.Data;

namespace Microsoft.ML.Lrp.MLNet;

/// <summary>Copies one additional ONNX input (Single, Int64 or Int32; scalar or vector) into a batch buffer.</summary>
internal abstract class LrpAdditionalInputReader
{
    protected LrpAdditionalInputReader(LrpAdditionalInputColumn column) => Column = column;

    public LrpAdditionalInputColumn Column { get; }

    public static LrpAdditionalInputReader Create(DataViewRow row, LrpAdditionalInputColumn column, int capacity)
    {
        var type = column.Column.Type;
        var itemType = type is VectorDataViewType vector ? vector.ItemType : type;
        if (itemType == NumberDataViewType.Single)
        {
            return new Typed<float>(row, column, capacity);
        }

        if (itemType == NumberDataViewType.Int64)
        {
            return new Typed<long>(row, column, capacity);
        }

        return new Typed<int>(row, column, capacity);
    }

    /// <summary>Copies the current row into <paramref name="slot"/>; <paramref name="rowIndex"/> is only for messages.</summary>
    public abstract void Read(int slot, long rowIndex);

    /// <summary>The buffer holding exactly <paramref name="rows"/> rows.</summary>
    public abstract Array Take(int rows);

    private sealed class Typed<T> : LrpAdditionalInputReader
        where T : struct
    {
        private readonly T[] _buffer;
        private readonly ValueGetter<VBuffer<T>>? _vectorGetter;
        private readonly ValueGetter<T>? _scalarGetter;
        private VBuffer<T> _scratch;

        public Typed(DataViewRow row, LrpAdditionalInputColumn column, int capacity)
            : base(column)
        {
            _buffer = new T[capacity * column.RowLength];
            if (column.Column.Type is VectorDataViewType)
            {
                _vectorGetter = row.GetGetter<VBuffer<T>>(column.Column);
            }
            else
            {
                _scalarGetter = row.GetGetter<T>(column.Column);
            }
        }

        public override void Read(int slot, long rowIndex)
        {
            int length = Column.RowLength;
            if (_scalarGetter is not null)
            {
                T value = default;
                _scalarGetter(ref value);
                _buffer[slot] = value;
                return;
            }

            _vectorGetter!(ref _scratch);
            if (_scratch.Length != length)
            {
                throw new LrpException($"Row {rowIndex}: the column '{Column.InputName}' (ONNX input) has {_scratch.Length} elements; the model expects {length}.");
            }

            _scratch.CopyTo(_buffer.AsSpan(slot * length, length));
        }

        public override Array Take(int rows)
            => rows * Column.RowLength == _buffer.Length ? _buffer : _buffer.AsSpan(0, rows * Column.RowLength).ToArray();
    }
}
