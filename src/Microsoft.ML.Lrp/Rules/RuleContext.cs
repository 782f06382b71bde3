using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules;

/// <summary>What a rule sees while it runs: its node, tensors by name, and the relevance bookkeeping.</summary>
internal sealed class RuleContext
{
    private readonly Func<string, Tensor> _values;
    private readonly Func<string, long[]> _int64s;
    private readonly Func<string, int[]> _shapes;
    private readonly Func<string, Tensor?> _outputRelevance;
    private readonly Action<int, Tensor> _addInputRelevance;
    private readonly Func<int, bool> _isRelevanceInput;
    private readonly Func<string, bool>? _isAvailable;
    private readonly Action<float[]>? _discard;

    public RuleContext(
        LrpNode node,
        IRelevanceBackend backend,
        int batch,
        float epsilon,
        Func<string, Tensor> values,
        Func<string, long[]> int64s,
        Func<string, int[]> shapes,
        Func<string, Tensor?> outputRelevance,
        Func<int, bool> isRelevanceInput,
        Action<int, Tensor> addInputRelevance,
        Func<string, bool>? isAvailable = null,
        Action<float[]>? discard = null)
    {
        _isAvailable = isAvailable;
        _discard = discard;
        Node = node;
        Backend = backend;
        Batch = batch;
        Epsilon = epsilon;
        _values = values;
        _int64s = int64s;
        _shapes = shapes;
        _outputRelevance = outputRelevance;
        _isRelevanceInput = isRelevanceInput;
        _addInputRelevance = addInputRelevance;
    }

    public LrpNode Node { get; }

    public IRelevanceBackend Backend { get; }

    /// <summary>Rows in this pass.</summary>
    public int Batch { get; }

    /// <summary>The default stabiliser.</summary>
    public float Epsilon { get; }

    /// <summary>Relevance absorbed by this node per row (bias, constants, stabiliser).</summary>
    public double[] AbsorbedPerRow => _absorbed ??= new double[Batch];

    private double[]? _absorbed;

    /// <summary>An activation (batch first) or a constant (no batch) as a float tensor.</summary>
    public Tensor Value(string name) => _values(name);

    /// <summary>An activation the plan made available (see <see cref="IRelevanceRule.OptionalValues"/>); false when it was not kept.</summary>
    public bool TryValue(string name, out Tensor value)
    {
        if (_isAvailable is not null && _isAvailable(name))
        {
            value = _values(name);
            return true;
        }

        value = null!;
        return false;
    }

    /// <summary>An integer parameter (constant or captured).</summary>
    public long[] Int64s(string name) => _int64s(name);

    /// <summary>The shape of a value at this batch size.</summary>
    public int[] Shape(string name) => _shapes(name);

    /// <summary>Relevance at output <paramref name="index"/>; null when none arrived there.</summary>
    public Tensor? OutputRelevance(int index) => index < Node.Outputs.Count ? _outputRelevance(Node.Outputs[index]) : null;

    /// <summary>Relevance at output 0, or zeros of its shape.</summary>
    public Tensor OutputRelevanceOrZeros(int index = 0) => OutputRelevance(index) ?? new Tensor(Shape(Node.Outputs[index]));

    public bool IsRelevanceInput(int index) => index < Node.Inputs.Count && _isRelevanceInput(index);

    /// <summary>Passes relevance to input <paramref name="index"/> (added to what other consumers pass).</summary>
    public void AddInputRelevance(int index, Tensor relevance)
    {
        if (IsRelevanceInput(index))
        {
            _addInputRelevance(index, relevance);
        }
        else
        {
            Absorb(relevance.Data);
            // The pass recycles the buffer once the step is done (and no live tensor shares it).
            _discard?.Invoke(relevance.Data);
        }
    }

    /// <summary>
    /// Records relevance absorbed element-wise; the span is batch-major (rows are contiguous blocks), or, when its
    /// length is not a multiple of the batch, shared evenly by the rows. Summed by the backend (on a device, where the
    /// figures live): only the per-row sums come back.
    /// </summary>
    public void Absorb(ReadOnlySpan<float> perElement)
    {
        if (perElement.Length == 0)
        {
            return;
        }

        bool perRow = perElement.Length % Batch == 0;
        var sums = new double[perRow ? Batch : 1];
        Backend.RowSums(perElement, sums.Length, sums);
        for (int r = 0; r < Batch; r++)
        {
            AbsorbedPerRow[r] += perRow ? sums[r] : sums[0] / Batch;
        }
    }

    /// <summary>Records relevance absorbed by one row.</summary>
    public void Absorb(int row, double amount) => AbsorbedPerRow[row] += amount;
}
