namespace Microsoft.ML.Lrp.Backends;

/// <summary>
/// A fixed sparse linear map <c>y = A x</c> in compressed sparse row form: row <c>r</c> of <c>A</c> holds the entries
/// <c>(Column[k], Weight[k])</c> for <c>k</c> in <c>[RowStart[r], RowStart[r + 1])</c>. Built once (interpolation
/// geometry, a DFT matrix, a filterbank) and applied by <see cref="IRelevanceBackend.SparseLinear"/> to every plane of a
/// tensor. Its transpose is built on first use and kept, so <c>Aᵀ s</c> is again a row-parallel gather without write races.
/// </summary>
internal sealed class SparseMap
{
    private SparseMap? _transposed;

    /// <summary>Creates a map from its CSR arrays (validated: columns in range, row starts non-decreasing).</summary>
    public SparseMap(int rows, int columns, int[] rowStart, int[] column, float[] weight)
    {
        if (rows < 0 || columns < 0 || rowStart.Length != rows + 1 || rowStart[0] != 0 || column.Length != weight.Length || rowStart[rows] != column.Length)
        {
            throw new ArgumentException($"Inconsistent sparse map: {rows} rows, {columns} columns, {rowStart.Length} row starts, {column.Length} columns, {weight.Length} weights.");
        }

        for (int r = 0; r < rows; r++)
        {
            if (rowStart[r + 1] < rowStart[r])
            {
                throw new ArgumentException($"Sparse map row starts decrease at row {r}.");
            }
        }

        foreach (int c in column)
        {
            if ((uint)c >= (uint)columns)
            {
                throw new ArgumentException($"Sparse map column {c} is outside [0, {columns}).");
            }
        }

        Rows = rows;
        Columns = columns;
        RowStart = rowStart;
        Column = column;
        Weight = weight;
    }

    /// <summary>Output elements per plane.</summary>
    public int Rows { get; }

    /// <summary>Input elements per plane.</summary>
    public int Columns { get; }

    /// <summary>Where each row's entries start (length <see cref="Rows"/> + 1).</summary>
    public int[] RowStart { get; }

    /// <summary>The input element of each entry.</summary>
    public int[] Column { get; }

    /// <summary>The weight of each entry.</summary>
    public float[] Weight { get; }

    /// <summary>Stored entries.</summary>
    public int Entries => Column.Length;

    /// <summary><c>Aᵀ</c> as a CSR map of its own (entries of a column kept in row order, so sums are deterministic).</summary>
    public SparseMap Transposed
    {
        get
        {
            if (_transposed is null)
            {
                var t = Transpose();
                t._transposed = this;
                Interlocked.CompareExchange(ref _transposed, t, null);
            }

            return _transposed;
        }
    }

    /// <summary>The same pattern with every weight 1 (the routing of a selection: each output's relevance to its source).</summary>
    public SparseMap WithUnitWeights() => new(Rows, Columns, RowStart, Column, Enumerable.Repeat(1f, Entries).ToArray());

    private SparseMap Transpose()
    {
        var start = new int[Columns + 1];
        foreach (int c in Column)
        {
            start[c + 1]++;
        }

        for (int c = 0; c < Columns; c++)
        {
            start[c + 1] += start[c];
        }

        var next = (int[])start.Clone();
        var rows = new int[Entries];
        var weights = new float[Entries];
        for (int r = 0; r < Rows; r++)
        {
            for (int k = RowStart[r]; k < RowStart[r + 1]; k++)
            {
                int slot = next[Column[k]]++;
                rows[slot] = r;
                weights[slot] = Weight[k];
            }
        }

        return new SparseMap(Columns, Rows, start, rows, weights);
    }
}
