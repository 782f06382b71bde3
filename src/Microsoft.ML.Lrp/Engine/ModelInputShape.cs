namespace Microsoft.ML.Lrp.Engine;

/// <summary>
/// How one ONNX input is fed: the shape of one row (the declared shape without the batch axis) and where the batch
/// axis sits, or <see cref="BatchAxis"/> = -1 for an input without one (a scalar, a shared state), whose
/// <see cref="RowShape"/> is the whole tensor, fed once per ONNX Runtime call.
/// </summary>
/// <param name="Name">The ONNX input.</param>
/// <param name="RowShape">The dimensions of one row (the whole tensor when there is no batch axis).</param>
/// <param name="BatchAxis">The batch axis of the ONNX tensor; -1 when the input has none.</param>
internal sealed record ModelInputShape(string Name, int[] RowShape, int BatchAxis)
{
    /// <summary>Elements of one row (of the whole tensor when there is no batch axis); 0 for an empty cache.</summary>
    public int RowLength => RowShape.Aggregate(1, (a, b) => checked(a * b));

    /// <summary>True when the input has a batch axis (one slice per row).</summary>
    public bool HasBatchAxis => BatchAxis >= 0;

    /// <summary>The ONNX tensor's shape for <paramref name="rows"/> rows.</summary>
    public int[] Shape(int rows)
    {
        if (BatchAxis < 0)
        {
            return (int[])RowShape.Clone();
        }

        var shape = new int[RowShape.Length + 1];
        RowShape.AsSpan(0, BatchAxis).CopyTo(shape);
        shape[BatchAxis] = rows;
        RowShape.AsSpan(BatchAxis).CopyTo(shape.AsSpan(BatchAxis + 1));
        return shape;
    }

    /// <summary>
    /// Lays rows <paramref name="start"/> .. <paramref name="start"/> + <paramref name="count"/> of
    /// <paramref name="rows"/> (row-major, <see cref="RowLength"/> each) out in the ONNX tensor's order: a plain
    /// copy when the batch axis is the first, an interleave of the per-row slices otherwise.
    /// </summary>
    public T[] Gather<T>(ReadOnlySpan<T> rows, int start, int count)
    {
        int rowLength = RowLength;
        var source = rows.Slice(start * rowLength, count * rowLength);
        if (BatchAxis <= 0)
        {
            return source.ToArray();
        }

        // Row r's element (outer o, inner i) goes to (o, r, i) in the [outer, count, inner] tensor.
        int outer = RowShape.AsSpan(0, BatchAxis).ToArray().Aggregate(1, (a, b) => a * b);
        int inner = outer == 0 ? 0 : rowLength / outer;
        var result = new T[count * rowLength];
        for (int r = 0; r < count; r++)
        {
            for (int o = 0; o < outer; o++)
            {
                source.Slice((r * outer + o) * inner, inner).CopyTo(result.AsSpan(((o * count) + r) * inner, inner));
            }
        }

        return result;
    }

    /// <summary>The declared form of this input for messages: <c>[2, batch, 128]</c> with the batch axis named.</summary>
    public string Describe() => HasBatchAxis
        ? $"[{string.Join(", ", Shape(-1).Select(d => d < 0 ? "batch" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]"
        : $"[{string.Join(", ", RowShape)}] (no batch axis: fed once per batch)";
}
