namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>The sparse linear maps of <see cref="IlgpuBackend"/> (interpolation, and other fixed linear maps).</summary>
internal sealed partial class IlgpuBackend
{
    private const int SlotRowStart = 6, SlotColumn = 7;

    /// <inheritdoc/>
    public void SparseLinear(SparseMap map, bool transpose, ReadOnlySpan<float> x, Span<float> y)
    {
        var a = transpose ? map.Transposed : map;
        int rows = a.Rows, columns = a.Columns;
        int planes = columns == 0 ? (rows == 0 ? 0 : y.Length / rows) : x.Length / columns;
        if ((long)planes * columns != x.Length || (long)planes * rows != y.Length)
        {
            throw new ArgumentException($"Sparse map {rows}×{columns}{(transpose ? " (transposed)" : "")}: x has {x.Length} elements, y {y.Length}; both must be whole planes of the same count.");
        }

        if (y.Length == 0)
        {
            return;
        }

        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Meter?.Call();
            var starts = OperandInts(SlotRowStart, a.RowStart);
            var cols = OperandInts(SlotColumn, a.Column.Length == 0 ? [0] : a.Column);
            var weights = Operand(SlotB, a.Weight.Length == 0 ? [0f] : a.Weight);
            var xv = Operand(SlotA, x.Length == 0 ? [0f] : x);
            var yv = _pool.Floats(SlotResult, y.Length);
            Launched();
            _device.SparseRows(y.Length, starts, cols, weights, xv, yv, rows, columns);
            Download(yv, y);
        }
    }
}
