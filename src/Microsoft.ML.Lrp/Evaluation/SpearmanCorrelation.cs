namespace Microsoft.ML.Lrp.Evaluation;

/// <summary>
/// Spearman's rank correlation: the Pearson correlation of the ranks, equal values sharing the mean of their ranks.
/// 0 when either series is constant (its ranks carry no order).
/// </summary>
internal static class SpearmanCorrelation
{
    public static double Of(ReadOnlySpan<float> a, ReadOnlySpan<float> b, bool absolute)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"Rank correlation needs series of equal length ({a.Length} and {b.Length}).");
        }

        var ra = Ranks(a, absolute);
        var rb = Ranks(b, absolute);
        double meanA = ra.Average(), meanB = rb.Average();
        double cov = 0, varA = 0, varB = 0;
        for (int i = 0; i < ra.Length; i++)
        {
            double da = ra[i] - meanA, db = rb[i] - meanB;
            cov += da * db;
            varA += da * da;
            varB += db * db;
        }

        return varA == 0 || varB == 0 ? 0 : cov / Math.Sqrt(varA * varB);
    }

    /// <summary>1-based ranks; ties get the mean of the ranks they span.</summary>
    internal static double[] Ranks(ReadOnlySpan<float> values, bool absolute)
    {
        var keys = new double[values.Length];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = absolute ? Math.Abs((double)values[i]) : values[i];
        }

        var order = Enumerable.Range(0, keys.Length).ToArray();
        Array.Sort(order, (x, y) => keys[x].CompareTo(keys[y]));
        var ranks = new double[keys.Length];
        for (int start = 0; start < order.Length;)
        {
            int end = start;
            while (end + 1 < order.Length && keys[order[end + 1]] == keys[order[start]])
            {
                end++;
            }

            double rank = (start + end) / 2.0 + 1;
            for (int i = start; i <= end; i++)
            {
                ranks[order[i]] = rank;
            }

            start = end + 1;
        }

        return ranks;
    }
}
