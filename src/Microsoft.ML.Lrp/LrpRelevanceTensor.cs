namespace Microsoft.ML.Lrp;

/// <summary>
/// Relevance of every row at one intermediate tensor (<see cref="LrpExplanation.RelevanceAt"/>) or one parameter
/// (<see cref="LrpExplanation.ParameterRelevance"/>): <see cref="Rows"/> blocks of <see cref="RowLength"/> values,
/// each laid out like <see cref="Shape"/>, row-major.
/// </summary>
public sealed class LrpRelevanceTensor
{
    internal LrpRelevanceTensor(string name, int[] shape, int rows, float[] values, int channelAxis)
    {
        Name = name;
        Shape = shape;
        Rows = rows;
        Values = values;
        RowLength = shape.Aggregate(1, (p, d) => p * d);
        ChannelAxis = channelAxis;
    }

    /// <summary>The ONNX tensor or initializer name.</summary>
    public string Name { get; }

    /// <summary>The shape of one row: the tensor's shape without the batch axis, or the parameter's shape.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>Rows explained.</summary>
    public int Rows { get; }

    /// <summary>Elements of one row.</summary>
    public int RowLength { get; }

    /// <summary>All rows, <see cref="Rows"/> × <see cref="RowLength"/>, row-major.</summary>
    public float[] Values { get; }

    /// <summary>
    /// The axis of <see cref="Shape"/> that holds channels (0 for an image tensor's <c>[C, H, W]</c> row, the last axis
    /// for <c>[features]</c> or <c>[sequence, hidden]</c>); -1 for parameters and for rows without one.
    /// </summary>
    public int ChannelAxis { get; }

    /// <summary>One row's values.</summary>
    public ReadOnlySpan<float> Row(int row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Rows);
        return Values.AsSpan(row * RowLength, RowLength);
    }

    /// <summary>The sum over all rows, element by element (accumulated in double): a parameter's relevance for the batch.</summary>
    public float[] Sum()
    {
        var sum = new double[RowLength];
        for (int r = 0; r < Rows; r++)
        {
            var row = Row(r);
            for (int i = 0; i < RowLength; i++)
            {
                sum[i] += row[i];
            }
        }

        return sum.Select(v => (float)v).ToArray();
    }

    /// <summary>Per channel of <see cref="ChannelAxis"/>: the sum of one row's relevance over all other axes.</summary>
    public double[] ChannelSums(int row)
    {
        if (ChannelAxis < 0)
        {
            throw new LrpException($"The relevance of '{Name}' (row shape [{string.Join(", ", Shape)}]) has no channel axis.");
        }

        int channels = Shape[ChannelAxis];
        int inner = 1;
        for (int a = ChannelAxis + 1; a < Shape.Count; a++)
        {
            inner *= Shape[a];
        }

        var sums = new double[channels];
        var values = Row(row);
        for (int i = 0; i < values.Length; i++)
        {
            sums[(i / inner) % channels] += values[i];
        }

        return sums;
    }
}
