namespace Microsoft.ML.Lrp.Evaluation;

/// <summary>
/// The regions pixel flipping perturbs: square patches over the last two axes of a row (the leading axes, the
/// channels, belong to every patch), or runs of elements for a row with one axis. Patches at the border may be smaller.
/// </summary>
internal sealed class RegionGrid
{
    private readonly int[] _regionOf;
    private readonly int[][] _members;

    public RegionGrid(IReadOnlyList<int> rowShape, int patchSize)
    {
        if (patchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(patchSize), patchSize, "LrpPixelFlippingOptions.PatchSize must be at least 1.");
        }

        int length = 1;
        foreach (int d in rowShape)
        {
            length *= d;
        }

        (Channels, Height, Width) = rowShape.Count switch
        {
            0 => (1, 1, 1),
            1 => (1, 1, rowShape[0]),
            _ => (length / Math.Max(1, rowShape[^2] * rowShape[^1]), rowShape[^2], rowShape[^1]),
        };
        int patchRows = rowShape.Count >= 2 ? patchSize : 1;
        int across = (Width + patchSize - 1) / patchSize;
        int down = (Height + patchRows - 1) / patchRows;
        Count = across * down;
        _regionOf = new int[length];
        var members = new List<int>[Count];
        for (int i = 0; i < Count; i++)
        {
            members[i] = [];
        }

        for (int c = 0; c < Channels; c++)
        {
            for (int y = 0; y < Height; y++)
            {
                for (int x = 0; x < Width; x++)
                {
                    int element = (c * Height + y) * Width + x;
                    int region = y / patchRows * across + x / patchSize;
                    _regionOf[element] = region;
                    members[region].Add(element);
                }
            }
        }

        _members = Array.ConvertAll(members, m => m.ToArray());
        Length = length;
    }

    /// <summary>Elements of one row.</summary>
    public int Length { get; }

    /// <summary>Regions of one row.</summary>
    public int Count { get; }

    /// <summary>The product of the leading axes (1 for a row with fewer than three axes).</summary>
    public int Channels { get; }

    /// <summary>The second-to-last axis (1 for a row with one axis).</summary>
    public int Height { get; }

    /// <summary>The last axis.</summary>
    public int Width { get; }

    /// <summary>The elements of one region, in row-major order.</summary>
    public ReadOnlySpan<int> Members(int region) => _members[region];

    /// <summary>Sum of <paramref name="attribution"/> (one row) inside each region, in double precision.</summary>
    public double[] RegionSums(ReadOnlySpan<float> attribution)
    {
        var sums = new double[Count];
        for (int i = 0; i < attribution.Length; i++)
        {
            sums[_regionOf[i]] += attribution[i];
        }

        return sums;
    }

    /// <summary>
    /// Regions by relevance: descending for MoRF, ascending for LeRF; equal sums keep the region order (a stable sort),
    /// so the result does not depend on the sort's implementation.
    /// </summary>
    public static int[] Order(double[] sums, bool mostRelevantFirst)
    {
        var order = Enumerable.Range(0, sums.Length).ToArray();
        Comparison<int> compare = mostRelevantFirst
            ? (a, b) => sums[b] != sums[a] ? sums[b].CompareTo(sums[a]) : a.CompareTo(b)
            : (a, b) => sums[a] != sums[b] ? sums[a].CompareTo(sums[b]) : a.CompareTo(b);
        Array.Sort(order, compare);
        return order;
    }
}
