using Microsoft.ML.Lrp.Graph.Fused;
using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Graph.Recurrent;

/// <summary>
/// The constant parameters of one direction of a recurrent node: <c>W [gates·H, I]</c>, <c>R [gates·H, H]</c>,
/// <c>B [2·gates·H]</c> (Wb then Rb; zeros when absent) and the LSTM peepholes <c>P [3·H]</c>, emitted as transposed
/// initializers for the MatMuls of the unrolled graph.
/// </summary>
internal sealed class RecurrentWeights
{
    private readonly FusedGraphBuilder _b;
    private readonly float[] _w;
    private readonly float[] _r;
    private readonly float[] _bias;
    private readonly float[]? _p;

    public RecurrentWeights(FusedGraphBuilder b, int direction, int directions, int gates, int hidden, int inputSize)
    {
        _b = b;
        Hidden = hidden;
        InputSize = inputSize;
        int gh = gates * hidden;
        _w = Slice(b, "W", Constant(b, 1, "W"), direction, gh * inputSize, directions);
        _r = Slice(b, "R", Constant(b, 2, "R"), direction, gh * hidden, directions);
        _bias = b.Input(3).Length > 0 ? Slice(b, "B", Constant(b, 3, "B"), direction, 2 * gh, directions) : new float[2 * gh];
        _p = b.Fused.OpType == "LSTM" && b.Input(7).Length > 0 ? Slice(b, "P", Constant(b, 7, "P"), direction, 3 * hidden, directions) : null;
    }

    public int Hidden { get; }

    public int InputSize { get; }

    /// <summary>True when the node has peepholes.</summary>
    public bool HasPeepholes => _p is not null;

    /// <summary>Wᵀ restricted to gate rows [<paramref name="firstGate"/>, +<paramref name="count"/>): an initializer [I, count·H].</summary>
    public string InputWeightsT(int firstGate, int count) => Transposed(_w, InputSize, firstGate, count);

    /// <summary>Rᵀ restricted to gate rows [<paramref name="firstGate"/>, +<paramref name="count"/>): an initializer [H, count·H].</summary>
    public string RecurrentWeightsT(int firstGate, int count) => Transposed(_r, Hidden, firstGate, count);

    /// <summary>
    /// The bias of gates [<paramref name="firstGate"/>, +<paramref name="count"/>): Wb plus, where
    /// <paramref name="withRecurrent"/>, Rb.
    /// </summary>
    public float[] Bias(int firstGate, int count, bool withRecurrent)
    {
        int gh = _bias.Length / 2;
        var result = new float[count * Hidden];
        for (int k = 0; k < result.Length; k++)
        {
            int row = firstGate * Hidden + k;
            result[k] = _bias[row] + (withRecurrent ? _bias[gh + row] : 0f);
        }

        return result;
    }

    /// <summary>Rb of gate <paramref name="gate"/> alone.</summary>
    public float[] RecurrentBias(int gate) => _bias.AsSpan(_bias.Length / 2 + gate * Hidden, Hidden).ToArray();

    /// <summary>The peephole vector of gate <paramref name="k"/> (0 = i, 1 = o, 2 = f) as an initializer [H].</summary>
    public string Peephole(int k) => _b.Floats(_p!.AsSpan(k * Hidden, Hidden).ToArray(), Hidden);

    /// <summary>The values of a constant input (an initializer or a Constant node), or null.</summary>
    public static float[]? ConstantFloats(FusedGraphBuilder b, string value)
    {
        if (value.Length == 0)
        {
            return null;
        }

        if (b.Graph.Initializers.TryGetValue(value, out OnnxTensorData? init))
        {
            return init.ToFloats();
        }

        return b.Graph.Producer(value) is { OpType: "Constant" } c && c.GetTensor("value") is { } t ? t.ToFloats() : null;
    }

    private string Transposed(float[] m, int cols, int firstGate, int count)
    {
        int rows = count * Hidden;
        var t = new float[cols * rows];
        for (int r = 0; r < rows; r++)
        {
            int source = (firstGate * Hidden + r) * cols;
            for (int c = 0; c < cols; c++)
            {
                t[c * rows + r] = m[source + c];
            }
        }

        return _b.Floats(t, cols, rows);
    }

    private static float[] Constant(FusedGraphBuilder b, int index, string what)
        => ConstantFloats(b, b.Input(index))
           ?? throw b.Unsupported($"a non-constant {what} ('{b.Input(index)}')", $"The weights {what} must be an initializer or a Constant node.");

    private static float[] Slice(FusedGraphBuilder b, string what, float[] all, int direction, int perDirection, int directions)
    {
        if (all.Length != perDirection * directions)
        {
            throw b.Unsupported($"{what} with {all.Length} values", $"{directions} direction(s) of {perDirection} values each were expected from hidden_size and the input size.");
        }

        return all.AsSpan(direction * perDirection, perDirection).ToArray();
    }
}
