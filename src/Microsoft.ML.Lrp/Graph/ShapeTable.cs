namespace Microsoft.ML.Lrp.Graph;

/// <summary>
/// The shape of every value the relevance pass touches, as a function of the batch size. Learnt once by running the
/// capture model on one and on two rows: the axis that doubles is the batch axis (none for batch-independent values).
/// </summary>
internal sealed class ShapeTable
{
    private readonly Dictionary<string, (int[] Shape, int BatchAxis)> _entries = new(StringComparer.Ordinal);

    public bool Contains(string name) => _entries.ContainsKey(name);

    public void Add(string name, int[] shapeAtOne, int batchAxis) => _entries[name] = (shapeAtOne, batchAxis);

    public int BatchAxis(string name) => Entry(name).BatchAxis;

    public int[] Shape(string name, int batch)
    {
        var (shape, axis) = Entry(name);
        var result = (int[])shape.Clone();
        if (axis >= 0)
        {
            result[axis] = shape[axis] * batch;
        }

        return result;
    }

    /// <summary>Elements per row (the whole tensor for batch-independent values).</summary>
    public long ElementsPerRow(string name)
    {
        var (shape, _) = Entry(name);
        long n = 1;
        foreach (int d in shape)
        {
            n *= d;
        }

        return n;
    }

    /// <summary>
    /// Fills the table from shapes observed at batch 1 and, when the model could run batched, at batch 2.
    /// Returns a reason when some value changes shape in a way other than one axis doubling.
    /// </summary>
    public string? Learn(IReadOnlyDictionary<string, int[]> atOne, IReadOnlyDictionary<string, int[]>? atTwo)
    {
        string? problem = null;
        var table = this;
        foreach (var (name, one) in atOne)
        {
            int axis = atTwo is null ? (one.Length > 0 && one[0] == 1 ? 0 : -1) : -1;
            if (atTwo is not null && atTwo.TryGetValue(name, out var two))
            {
                if (two.Length != one.Length)
                {
                    problem ??= $"'{name}' has rank {one.Length} at batch 1 but {two.Length} at batch 2";
                }
                else
                {
                    for (int a = 0; a < one.Length; a++)
                    {
                        if (one[a] == two[a])
                        {
                            continue;
                        }

                        if (two[a] == 2 * one[a] && axis < 0)
                        {
                            axis = a;
                        }
                        else
                        {
                            problem ??= $"'{name}' has shape [{string.Join(",", one)}] at batch 1 but [{string.Join(",", two)}] at batch 2";
                        }
                    }
                }
            }

            table._entries[name] = (one, axis);
        }

        return problem;
    }

    private (int[] Shape, int BatchAxis) Entry(string name) => _entries.TryGetValue(name, out var e)
        ? e
        : throw new InvalidOperationException($"No shape is known for '{name}'.");
}
