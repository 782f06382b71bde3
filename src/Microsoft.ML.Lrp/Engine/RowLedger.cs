using Microsoft.ML.Lrp.Graph;

namespace Microsoft.ML.Lrp.Engine;

/// <summary>
/// Per-row relevance bookkeeping of one step whose values do not hold the batch on their leading axis (inside an
/// unrolled LSTM/GRU/RNN the activations are time-major, <c>[steps, batch, ...]</c>). Rules record what they absorb
/// as if rows were contiguous blocks, which splits such a tensor by time instead of by row; the rows' totals are
/// then wrong although the node's total is right. The ledger sums, with each value's batch axis, the relevance that
/// reached the node's outputs and what it passed on, row by row, and gives each row
/// <c>absorbed_r = In_r − Out_r + (A − (In − Out)) / rows</c>: the rule's total <c>A</c> is kept (an imbalance
/// of the node stays visible in the report) and spread evenly only for the part that no row accounts for.
/// </summary>
internal sealed class RowLedger
{
    private readonly ShapeTable _shapes;
    private readonly int _count;
    private readonly double[] _in;
    private readonly double[] _out;

    private RowLedger(ShapeTable shapes, int count)
    {
        _shapes = shapes;
        _count = count;
        _in = new double[count];
        _out = new double[count];
    }

    /// <summary>
    /// A ledger when some value the step reads relevance from or writes it to has its batch on an axis other than
    /// the first; null when the rule's own per-row figures are right (every such value is batch-major) or cannot be
    /// redone (a value has no batch axis, or no known shape).
    /// </summary>
    public static RowLedger? For(ShapeTable shapes, IEnumerable<string> values, int count)
    {
        bool moved = false;
        foreach (var name in values)
        {
            if (!shapes.Contains(name) || shapes.BatchAxis(name) < 0)
            {
                return null;
            }

            moved |= shapes.BatchAxis(name) > 0;
        }

        return moved && count > 1 ? new RowLedger(shapes, count) : null;
    }

    public void AddIn(string name, float[] data) => Add(_in, name, data);

    public void AddOut(string name, float[] data) => Add(_out, name, data);

    /// <summary>Replaces the rule's per-row absorbed figures (whose sum is kept) by the rows' own balances.</summary>
    public void Redistribute(double[] absorbedPerRow)
    {
        double total = absorbedPerRow.Sum();
        double balance = 0;
        for (int r = 0; r < _count; r++)
        {
            balance += _in[r] - _out[r];
        }

        double residual = (total - balance) / _count;
        for (int r = 0; r < _count; r++)
        {
            absorbedPerRow[r] = _in[r] - _out[r] + residual;
        }
    }

    private void Add(double[] rows, string name, float[] data)
    {
        int[] shape = _shapes.Shape(name, _count);
        int axis = _shapes.BatchAxis(name);
        long inner = 1;
        for (int a = axis + 1; a < shape.Length; a++)
        {
            inner *= shape[a];
        }

        long total = inner * shape[axis];
        int perRow = shape[axis] / _count;
        long length = Math.Min(data.Length, total * Outer(shape, axis));
        for (long i = 0; i < length; i++)
        {
            rows[(int)((i % total) / inner / perRow)] += data[i];
        }
    }

    private static long Outer(int[] shape, int axis)
    {
        long n = 1;
        for (int a = 0; a < axis; a++)
        {
            n *= shape[a];
        }

        return n;
    }
}
