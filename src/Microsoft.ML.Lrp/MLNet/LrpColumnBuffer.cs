using Microsoft.ML.Data;

namespace Microsoft.ML.Lrp.MLNet;

/// <summary>
/// Holds one pass-through column's values for the rows of a batch, so that rows can be served after the input
/// cursor has moved ahead. Vectors are deep-copied (ML.NET getters may reuse their buffers).
/// </summary>
internal abstract class LrpColumnBuffer
{
    public static LrpColumnBuffer Create(DataViewRow row, DataViewSchema.Column column, int capacity)
    {
        var type = column.Type is VectorDataViewType vector
            ? typeof(VectorBuffer<>).MakeGenericType(vector.ItemType.RawType)
            : typeof(ScalarBuffer<>).MakeGenericType(column.Type.RawType);
        return (LrpColumnBuffer)Activator.CreateInstance(type, row, column, capacity)!;
    }

    /// <summary>Copies the current row's value into <paramref name="slot"/>.</summary>
    public abstract void Capture(int slot);

    /// <summary>A getter serving the value at the slot <paramref name="slot"/> returns.</summary>
    public abstract Delegate CreateGetter(Func<int> slot);

    private sealed class ScalarBuffer<T> : LrpColumnBuffer
    {
        private readonly ValueGetter<T> _source;
        private readonly T[] _values;

        public ScalarBuffer(DataViewRow row, DataViewSchema.Column column, int capacity)
        {
            _source = row.GetGetter<T>(column);
            _values = new T[capacity];
        }

        public override void Capture(int slot) => _source(ref _values[slot]);

        public override Delegate CreateGetter(Func<int> slot) => (ValueGetter<T>)((ref T value) => value = _values[slot()]);
    }

    private sealed class VectorBuffer<T> : LrpColumnBuffer
    {
        private readonly ValueGetter<VBuffer<T>> _source;
        private readonly VBuffer<T>[] _values;
        private VBuffer<T> _scratch;

        public VectorBuffer(DataViewRow row, DataViewSchema.Column column, int capacity)
        {
            _source = row.GetGetter<VBuffer<T>>(column);
            _values = new VBuffer<T>[capacity];
        }

        public override void Capture(int slot)
        {
            _source(ref _scratch);
            _scratch.CopyTo(ref _values[slot]);
        }

        public override Delegate CreateGetter(Func<int> slot) => (ValueGetter<VBuffer<T>>)((ref VBuffer<T> value) => _values[slot()].CopyTo(ref value));
    }
}
