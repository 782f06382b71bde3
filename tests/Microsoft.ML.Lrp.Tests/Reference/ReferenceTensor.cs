namespace Microsoft.ML.Lrp.Tests.Reference;

/// <summary>
/// A plain tensor of the reference: row-major values in double (float tensors) or int64 (integer tensors such as
/// shapes and indices), with a shape.
/// </summary>
internal sealed class ReferenceTensor
{
    /// <summary>Creates a double tensor.</summary>
    public ReferenceTensor(int[] shape, double[] data)
    {
        if (SizeOf(shape) != data.Length)
        {
            throw new ArgumentException($"Shape [{string.Join(",", shape)}] does not hold {data.Length} values.", nameof(data));
        }

        Shape = shape;
        Data = data;
    }

    /// <summary>Creates an int64 tensor.</summary>
    public ReferenceTensor(int[] shape, long[] ints)
        : this(shape, ints.Select(v => (double)v).ToArray())
        => Ints = ints;

    /// <summary>The dimensions.</summary>
    public int[] Shape { get; }

    /// <summary>The values as doubles (also set for integer tensors).</summary>
    public double[] Data { get; }

    /// <summary>The exact values of an integer tensor; null for float tensors.</summary>
    public long[]? Ints { get; }

    /// <summary>Whether the tensor holds integers.</summary>
    public bool IsInteger => Ints is not null;

    /// <summary>The number of elements.</summary>
    public int Size => Data.Length;

    /// <summary>The integer values (exact for integer tensors, truncated for float ones).</summary>
    public long[] AsLongs() => Ints ?? Data.Select(v => (long)v).ToArray();

    /// <summary>The product of the dimensions.</summary>
    public static int SizeOf(int[] shape)
    {
        int size = 1;
        foreach (int d in shape)
        {
            size *= d;
        }

        return size;
    }

    /// <summary>Row-major strides.</summary>
    public static int[] StridesOf(int[] shape)
    {
        var strides = new int[shape.Length];
        int stride = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = stride;
            stride *= shape[i];
        }

        return strides;
    }

    /// <summary>The multi-index of a flat index.</summary>
    public static int[] Unravel(int flat, int[] shape)
    {
        var index = new int[shape.Length];
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            index[i] = flat % shape[i];
            flat /= shape[i];
        }

        return index;
    }

    /// <summary>The flat index of a multi-index.</summary>
    public static int Ravel(int[] index, int[] shape)
    {
        int flat = 0;
        for (int i = 0; i < shape.Length; i++)
        {
            flat = (flat * shape[i]) + index[i];
        }

        return flat;
    }

    /// <summary>Every multi-index of a shape in row-major order.</summary>
    public static IEnumerable<int[]> Positions(int[] shape)
    {
        int size = SizeOf(shape);
        for (int flat = 0; flat < size; flat++)
        {
            yield return Unravel(flat, shape);
        }
    }

    /// <summary>The numpy broadcast of two shapes.</summary>
    public static int[] BroadcastShape(int[] a, int[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var shape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1;
            int db = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            if (da != db && da != 1 && db != 1)
            {
                throw new InvalidOperationException($"Shapes [{string.Join(",", a)}] and [{string.Join(",", b)}] do not broadcast.");
            }

            shape[i] = Math.Max(da, db);
        }

        return shape;
    }

    /// <summary>For each element of <paramref name="outShape"/>, the flat index of the operand element broadcast to it.</summary>
    public static int[] BroadcastMap(int[] operandShape, int[] outShape)
    {
        var map = new int[SizeOf(outShape)];
        int offset = outShape.Length - operandShape.Length;
        for (int flat = 0; flat < map.Length; flat++)
        {
            var index = Unravel(flat, outShape);
            var source = new int[operandShape.Length];
            for (int i = 0; i < operandShape.Length; i++)
            {
                source[i] = operandShape[i] == 1 ? 0 : index[i + offset];
            }

            map[flat] = Ravel(source, operandShape);
        }

        return map;
    }
}
