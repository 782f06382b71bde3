using Microsoft.ML.Lrp.Graph;

namespace Microsoft.ML.Lrp.Engine.Taps;

/// <summary>
/// Where the rows and the channels of a tensor lie. One row is the tensor at batch 1 without its batch axis (a
/// time-major <c>[steps, batch, hidden]</c> value's row is <c>[steps, hidden]</c>). The channel axis is axis 1 of an
/// image-like <c>[N, C, …]</c> tensor (rank 4 or 5, or rank 3 where a convolution, pooling or normalisation node
/// produces or reads it) and the last axis otherwise (<c>[batch, features]</c>, <c>[batch, sequence, hidden]</c>).
/// </summary>
internal sealed class TensorLayout
{
    private static readonly HashSet<string> ChannelFirstOps = new(StringComparer.Ordinal)
    {
        "Conv", "ConvTranspose", "MaxPool", "AveragePool", "LpPool", "GlobalAveragePool", "GlobalMaxPool", "BatchNormalization", "InstanceNormalization",
    };

    private TensorLayout(int[] shapeAtOne, int batchAxis, int channelAxisFull)
    {
        ShapeAtOne = shapeAtOne;
        BatchAxis = batchAxis;
        // The batch axis leaves the row shape when one row spans one index of it (not for [rows·steps, hidden]).
        bool dropped = shapeAtOne[batchAxis] == 1;
        RowShape = [.. shapeAtOne.Where((_, a) => a != batchAxis || !dropped)];
        RowLength = RowShape.Aggregate(1, (p, d) => p * d);
        ChannelAxisFull = channelAxisFull;
        ChannelAxis = channelAxisFull < 0 ? -1 : channelAxisFull - (dropped && channelAxisFull > batchAxis ? 1 : 0);
    }

    /// <summary>The tensor's shape at batch 1.</summary>
    public int[] ShapeAtOne { get; }

    /// <summary>The batch axis; -1 for a tensor without one.</summary>
    public int BatchAxis { get; }

    /// <summary>One row's shape: the shape at batch 1 without the batch axis (kept when a row spans several indices of it).</summary>
    public int[] RowShape { get; }

    public int RowLength { get; }

    /// <summary>The channel axis in <see cref="RowShape"/>; -1 when the row has no axis left for channels.</summary>
    public int ChannelAxis { get; }

    /// <summary>The channel axis in the full tensor.</summary>
    public int ChannelAxisFull { get; }

    public static TensorLayout Of(CanonicalGraph graph, ShapeTable shapes, string name)
    {
        int[] shape = shapes.Shape(name, 1);
        int batchAxis = shapes.BatchAxis(name);
        if (batchAxis < 0)
        {
            throw new LrpException($"The tensor '{name}' (shape [{string.Join(", ", shape)}]) does not change with the batch size, so it has no relevance per row to record or condition.");
        }

        int channel;
        if (batchAxis != 0)
        {
            channel = shape.Length - 1 == batchAxis ? -1 : shape.Length - 1;
        }
        else if (shape.Length >= 4 || (shape.Length == 3 && IsChannelFirst(graph, name)))
        {
            channel = 1;
        }
        else
        {
            channel = shape.Length >= 2 ? shape.Length - 1 : -1;
        }

        return new TensorLayout(shape, batchAxis, channel);
    }

    /// <summary>Copies the rows of <paramref name="data"/> (the tensor at <paramref name="count"/> rows) to <paramref name="destination"/> from row <paramref name="firstRow"/> on.</summary>
    public void CopyRows(ReadOnlySpan<float> data, int count, float[] destination, int firstRow)
    {
        var (outer, perRow, inner) = Blocks();
        int block = perRow * inner;
        for (int r = 0; r < count; r++)
        {
            for (long o = 0; o < outer; o++)
            {
                data.Slice((int)((((o * count) + r) * block)), block).CopyTo(destination.AsSpan((int)((((long)(firstRow + r) * RowLength) + (o * block))), block));
            }
        }
    }

    /// <summary>Per row: Σ of <paramref name="data"/> over the row's elements.</summary>
    public double[] RowSums(ReadOnlySpan<float> data, int count)
    {
        var sums = new double[count];
        var (outer, perRow, inner) = Blocks();
        int block = perRow * inner;
        for (long o = 0; o < outer; o++)
        {
            for (int r = 0; r < count; r++)
            {
                double s = 0;
                foreach (float v in data.Slice((int)(((o * count) + r) * block), block))
                {
                    s += v;
                }

                sums[r] += s;
            }
        }

        return sums;
    }

    /// <summary>A 0/1 mask over the whole tensor at <paramref name="count"/> rows: 1 where the element's channel is in <paramref name="channels"/>.</summary>
    public float[] ChannelMask(int count, IReadOnlyCollection<int> channels)
    {
        int[] shape = (int[])ShapeAtOne.Clone();
        shape[BatchAxis] *= count;
        long inner = 1;
        for (int a = ChannelAxisFull + 1; a < shape.Length; a++)
        {
            inner *= shape[a];
        }

        int channelCount = shape[ChannelAxisFull];
        var keep = new bool[channelCount];
        foreach (int c in channels)
        {
            keep[c] = true;
        }

        var mask = new float[shape.Aggregate(1, (p, d) => p * d)];
        for (int i = 0; i < mask.Length; i++)
        {
            mask[i] = keep[(int)((i / inner) % channelCount)] ? 1f : 0f;
        }

        return mask;
    }

    private (long Outer, int PerRow, int Inner) Blocks()
    {
        long outer = 1;
        for (int a = 0; a < BatchAxis; a++)
        {
            outer *= ShapeAtOne[a];
        }

        int inner = 1;
        for (int a = BatchAxis + 1; a < ShapeAtOne.Length; a++)
        {
            inner *= ShapeAtOne[a];
        }

        return (outer, ShapeAtOne[BatchAxis], inner);
    }

    private static bool IsChannelFirst(CanonicalGraph graph, string name)
        => graph.Onnx.Producer(name) is { } p && ChannelFirstOps.Contains(p.OpType)
            || graph.Onnx.Consumers(name).Any(c => ChannelFirstOps.Contains(c.OpType));
}
