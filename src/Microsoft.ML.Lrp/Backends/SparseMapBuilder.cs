namespace Microsoft.ML.Lrp.Backends;

/// <summary>
/// Builds a <see cref="SparseMap"/> row by row: <see cref="Add"/> the entries of a row, then <see cref="EndRow"/>.
/// Entries of one row that name the same column are merged (their weights summed); exact zeros are dropped.
/// </summary>
internal sealed class SparseMapBuilder(int columns)
{
    private readonly List<int> _rowStart = [0];
    private readonly List<int> _column = [];
    private readonly List<float> _weight = [];

    /// <summary>Rows ended so far.</summary>
    public int Rows => _rowStart.Count - 1;

    /// <summary>Adds <c>weight · x[column]</c> to the current row.</summary>
    public void Add(int column, double weight)
    {
        int begin = _rowStart[^1];
        for (int k = begin; k < _column.Count; k++)
        {
            if (_column[k] == column)
            {
                _weight[k] = (float)(_weight[k] + weight);
                return;
            }
        }

        _column.Add(column);
        _weight.Add((float)weight);
    }

    /// <summary>Closes the current row (an empty row maps to 0).</summary>
    public void EndRow()
    {
        int begin = _rowStart[^1];
        for (int k = _column.Count - 1; k >= begin; k--)
        {
            if (_weight[k] == 0f)
            {
                _column.RemoveAt(k);
                _weight.RemoveAt(k);
            }
        }

        _rowStart.Add(_column.Count);
    }

    public SparseMap Build() => new(Rows, columns, [.. _rowStart], [.. _column], [.. _weight]);
}
