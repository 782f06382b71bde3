namespace ExplainTabular;

/// <summary>Mean absolute values per input column, over the test rows.</summary>
internal static class SlotGroups
{
    /// <summary>Mean |value| per column of values already summed per column (such as <c>RelevanceByColumn</c>).</summary>
    public static Dictionary<string, double> MeanAbsolute(float[][] byColumn, string[] columns)
        => columns.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => byColumn.Average(row => (double)Math.Abs(row[p.i])));

    /// <summary>
    /// Mean |Σ slots| per column, the slots of each column given by <paramref name="groups"/> (the grouping
    /// <c>ExplainWithLrp</c> traced, read back from its options).
    /// </summary>
    public static Dictionary<string, double> MeanAbsoluteByGroup(float[][] perSlot, IReadOnlyDictionary<string, int[]> groups)
        => groups.ToDictionary(g => g.Key, g => perSlot.Average(row => Math.Abs(g.Value.Sum(i => (double)row[i]))));
}
