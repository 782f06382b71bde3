namespace Microsoft.ML.Lrp.Tensors;

/// <summary>Reductions to a kept shape (the reduced axes set to 1), the companions of <see cref="TensorShapes.ReduceToShape"/>.</summary>
internal static class TensorReductions
{
    /// <summary>
    /// The maximum (or minimum) of <paramref name="x"/> over the axes where <paramref name="kept"/> is 1 and
    /// <paramref name="x"/> is not (ReduceMax/ReduceMin with keepdims); a NaN in a window makes its result NaN.
    /// </summary>
    public static Tensor Extremum(Tensor x, int[] kept, bool max)
    {
        TensorArena.ReadOnHost(x.Data);
        var y = new Tensor(kept);
        if (y.Length == x.Length)
        {
            x.Data.CopyTo(y.Data, 0);
            return y;
        }

        Array.Fill(y.Data, max ? float.NegativeInfinity : float.PositiveInfinity);
        var map = TensorShapes.BroadcastSourceIndex(kept, x.Shape);
        float[] source = x.Data, target = y.Data;
        for (int i = 0; i < source.Length; i++)
        {
            int j = map[i];
            target[j] = max ? MathF.Max(target[j], source[i]) : MathF.Min(target[j], source[i]);
        }

        return y;
    }

    /// <summary>
    /// The shape <paramref name="xShape"/> keeps after a ReduceX node (shared by the winner and the average rules) (the reduced axes set to 1): axes from the
    /// attribute (before opset 18) or the second input, all axes when none are given, none when
    /// <c>noop_with_empty_axes</c> is set and the axes are empty.
    /// </summary>
    public static int[] KeptShape(Onnx.OnnxNode node, int[] xShape, Func<string, long[]> int64s)
    {
        long[]? given = node.GetInts("axes");
        if (given is null && node.Inputs.Count > 1 && node.Inputs[1].Length > 0)
        {
            given = int64s(node.Inputs[1]);
        }

        bool noopWithEmpty = node.GetInt("noop_with_empty_axes", 0) != 0;
        IEnumerable<int> axes = given is null || given.Length == 0
            ? (noopWithEmpty ? [] : Enumerable.Range(0, xShape.Length))
            : given.Select(a => (int)(a < 0 ? a + xShape.Length : a));
        var kept = (int[])xShape.Clone();
        foreach (int a in axes)
        {
            kept[a] = 1;
        }

        return kept;
    }
}
