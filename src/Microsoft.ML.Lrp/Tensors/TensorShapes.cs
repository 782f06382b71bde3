namespace Microsoft.ML.Lrp.Tensors;

/// <summary>Broadcasting and stride helpers shared by the routing and reduction rules.</summary>
internal static class TensorShapes
{
    public static int[] Strides(int[] shape)
    {
        var strides = new int[shape.Length];
        int s = 1;
        for (int a = shape.Length - 1; a >= 0; a--)
        {
            strides[a] = s;
            s *= shape[a];
        }

        return strides;
    }

    /// <summary>Sums <paramref name="t"/> over the axes along which <paramref name="target"/> was broadcast (numpy rules).</summary>
    public static Tensor ReduceToShape(Tensor t, int[] target)
    {
        if (t.Length == Tensor.ShapeSize(target))
        {
            return t.Reshape(target);
        }

        TensorArena.ReadOnHost(t.Data);
        var result = new Tensor(target);
        var map = BroadcastSourceIndex(target, t.Shape);
        for (int i = 0; i < t.Length; i++)
        {
            result.Data[map[i]] += t.Data[i];
        }

        return result;
    }

    /// <summary>
    /// <see cref="BroadcastTo(Tensor, int[])"/>'s data; when a copy had to be made it is added to <paramref name="copies"/>,
    /// for the caller to hand back to the arena once the step is done.
    /// </summary>
    public static float[] BroadcastTo(Tensor t, int[] shape, List<float[]> copies)
    {
        var spread = BroadcastTo(t, shape);
        if (!ReferenceEquals(spread.Data, t.Data))
        {
            copies.Add(spread.Data);
        }

        return spread.Data;
    }

    /// <summary>Expands <paramref name="t"/> to <paramref name="shape"/> (numpy rules).</summary>
    public static Tensor BroadcastTo(Tensor t, int[] shape)
    {
        if (t.Length == Tensor.ShapeSize(shape))
        {
            return t.Reshape(shape);
        }

        TensorArena.ReadOnHost(t.Data);
        var result = new Tensor(shape);
        var map = BroadcastSourceIndex(t.Shape, shape);
        for (int i = 0; i < result.Length; i++)
        {
            result.Data[i] = t.Data[map[i]];
        }

        return result;
    }

    /// <summary>For every element of <paramref name="outShape"/>, the flat index of the broadcast source element.</summary>
    public static int[] BroadcastSourceIndex(int[] sourceShape, int[] outShape)
    {
        int rank = outShape.Length;
        var src = new int[rank];
        int offset = rank - sourceShape.Length;
        if (offset < 0)
        {
            throw new ArgumentException($"Cannot broadcast [{string.Join(",", sourceShape)}] to [{string.Join(",", outShape)}].");
        }

        for (int a = 0; a < sourceShape.Length; a++)
        {
            src[a + offset] = sourceShape[a];
        }

        for (int a = 0; a < offset; a++)
        {
            src[a] = 1;
        }

        var srcStrides = Strides(src);
        var map = new int[Tensor.ShapeSize(outShape)];
        var index = new int[rank];
        for (int i = 0; i < map.Length; i++)
        {
            int flat = 0;
            for (int a = 0; a < rank; a++)
            {
                if (src[a] != 1)
                {
                    flat += index[a] * srcStrides[a];
                }
            }

            map[i] = flat;
            Increment(index, outShape);
        }

        return map;
    }

    /// <summary>Advances a row-major multi-index.</summary>
    public static void Increment(int[] index, int[] shape)
    {
        for (int a = shape.Length - 1; a >= 0; a--)
        {
            if (++index[a] < shape[a])
            {
                return;
            }

            index[a] = 0;
        }
    }

    /// <summary>The broadcast shape of several operands (numpy rules).</summary>
    public static int[] BroadcastShape(IEnumerable<int[]> shapes)
    {
        var list = shapes.ToList();
        int rank = list.Max(s => s.Length);
        var result = Enumerable.Repeat(1, rank).ToArray();
        foreach (var s in list)
        {
            for (int a = 0; a < s.Length; a++)
            {
                int r = a + rank - s.Length;
                if (s[a] != 1)
                {
                    result[r] = s[a];
                }
            }
        }

        return result;
    }
}
