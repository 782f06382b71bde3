using Microsoft.ML.Lrp.Graph.Fused;

namespace Microsoft.ML.Lrp.Graph.Recurrent;

/// <summary>
/// One time step of a recurrent op in one direction, written as primitive ops. The input projection
/// <c>Xt·Wᵀ + bias</c> of every step is computed once for the whole sequence by the caller; a step adds the recurrent
/// term <c>Ht−1·Rᵀ</c>, applies the gate activations (after the optional clip) and combines the gates with the
/// state by Mul and Add, so that the graph analysis sees each gate as the sigmoid operand of a product (GateOperands).
/// An absent previous state (the first step without initial state) drops the terms it would zero.
/// </summary>
internal abstract class RecurrentCell
{
    private readonly float? _clip;

    protected RecurrentCell(FusedGraphBuilder b, RecurrentWeights weights, RecurrentActivation[] activations, float? clip)
    {
        B = b;
        Weights = weights;
        Activations = activations;
        _clip = clip;
    }

    protected FusedGraphBuilder B { get; }

    protected RecurrentWeights Weights { get; }

    protected RecurrentActivation[] Activations { get; }

    protected int Hidden => Weights.Hidden;

    /// <summary>The number of gates (rows of W per hidden unit) of an op type.</summary>
    public static int GatesOf(string opType) => opType switch
    {
        "LSTM" => 4,
        "GRU" => 3,
        _ => 1,
    };

    /// <summary>The default activations of one direction of an op type.</summary>
    public static string[] DefaultActivations(string opType) => opType switch
    {
        "LSTM" => ["Sigmoid", "Tanh", "Tanh"],
        "GRU" => ["Sigmoid", "Tanh"],
        _ => ["Tanh"],
    };

    /// <summary>The cell of <paramref name="b"/>'s node for one direction.</summary>
    public static RecurrentCell Create(FusedGraphBuilder b, RecurrentWeights weights, RecurrentActivation[] activations, float? clip) => b.Fused.OpType switch
    {
        "LSTM" => new LstmCell(b, weights, activations, clip),
        "GRU" => new GruCell(b, weights, activations, clip, b.Fused.GetInt("linear_before_reset", 0) != 0),
        _ => new RnnCell(b, weights, activations, clip),
    };

    /// <summary>Wᵀ of every gate, [I, gates·H].</summary>
    public string InputWeightsT => Weights.InputWeightsT(0, GatesOf(B.Fused.OpType));

    /// <summary>The bias added to the input projection, [gates·H].</summary>
    public abstract float[] InputBias();

    /// <summary>Emits one step: <paramref name="xw"/> is this step's input projection [batch, gates·H].</summary>
    /// <returns>The new hidden state and (LSTM) cell state, each [batch, H].</returns>
    public abstract (string H, string? C) Step(string xw, string? hPrev, string? cPrev);

    /// <summary>The clip of a gate input (none without the attribute), then activation <paramref name="k"/>.</summary>
    protected string Activate(int k, string x) => Activations[k].Apply(B, Clip(x));

    /// <summary>Gate <paramref name="k"/> of a value [batch, n·H].</summary>
    protected string Gate(string z, int k) => B.Opset >= 10
        ? B.Slice(z, [k * (long)Hidden], [(k + 1) * (long)Hidden], [1])
        : B.Op("Slice", [z], null, ("starts", new[] { k * (long)Hidden }), ("ends", new[] { (k + 1) * (long)Hidden }), ("axes", new[] { 1L }));

    private string Clip(string x)
    {
        if (_clip is not float c)
        {
            return x;
        }

        return B.Opset >= 11
            ? B.Op("Clip", [x, B.Scalar(-c), B.Scalar(c)])
            : B.Op("Clip", [x], null, ("min", -c), ("max", c));
    }
}
