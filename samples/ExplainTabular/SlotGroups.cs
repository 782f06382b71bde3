namespace ExplainTabular;

/// <summary>
/// Sums slots back to the input columns they came from, by ML.NET's slot names: a concatenated scalar column keeps
/// its name (<c>Income</c>), a vector column's slots read <c>Column.Slot</c> (<c>Color.Red</c>).
/// </summary>
internal static class SlotGroups
{
    public static Dictionary<string, double> MeanAbsoluteByColumn(float[][] relevance, string[] slots)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var row in relevance)
        {
            var perColumn = new Dictionary<string, double>(StringComparer.Ordinal);
            for (int i = 0; i < row.Length; i++)
            {
                string column = slots[i].Split('.')[0];
                perColumn[column] = perColumn.GetValueOrDefault(column) + row[i];
            }

            foreach (var (column, sum) in perColumn)
            {
                result[column] = result.GetValueOrDefault(column) + (Math.Abs(sum) / relevance.Length);
            }
        }

        return result;
    }
}
