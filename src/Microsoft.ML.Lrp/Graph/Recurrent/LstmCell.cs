using Microsoft.ML.Lrp.Graph.Fused;

namespace Microsoft.ML.Lrp.Graph.Recurrent;

/// <summary>
/// An LSTM step (ONNX gate order i, o, f, c; activations f, g, h):
/// <c>it = f(zi + Pi⊙Ct−1)</c>, <c>ft = f(zf + Pf⊙Ct−1)</c>, <c>ct = g(zc)</c>, <c>Ct = ft⊙Ct−1 + it⊙ct</c>,
/// <c>ot = f(zo + Po⊙Ct)</c>, <c>Ht = ot⊙h(Ct)</c>, with <c>z = Xt·Wᵀ + Ht−1·Rᵀ + Wb + Rb</c>.
/// </summary>
internal sealed class LstmCell : RecurrentCell
{
    private readonly string _recurrentT;
    private readonly string[] _peepholes;

    public LstmCell(FusedGraphBuilder b, RecurrentWeights weights, RecurrentActivation[] activations, float? clip)
        : base(b, weights, activations, clip)
    {
        _recurrentT = weights.RecurrentWeightsT(0, 4);
        _peepholes = weights.HasPeepholes ? [weights.Peephole(0), weights.Peephole(1), weights.Peephole(2)] : [];
    }

    public override float[] InputBias() => Weights.Bias(0, 4, withRecurrent: true);

    public override (string H, string? C) Step(string xw, string? hPrev, string? cPrev)
    {
        string z = hPrev is null ? xw : B.Add(xw, B.MatMul(hPrev, _recurrentT));
        string iIn = Gate(z, 0), oIn = Gate(z, 1), fIn = Gate(z, 2), cIn = Gate(z, 3);
        if (_peepholes.Length > 0 && cPrev is not null)
        {
            iIn = B.Add(iIn, B.Mul(cPrev, _peepholes[0]));
            fIn = B.Add(fIn, B.Mul(cPrev, _peepholes[2]));
        }

        string input = Activate(0, iIn);
        string candidate = Activate(1, cIn);
        string c = B.Mul(input, candidate);
        if (cPrev is not null)
        {
            string forget = Activate(0, fIn);
            c = B.Add(B.Mul(forget, cPrev), c);
        }

        if (_peepholes.Length > 0)
        {
            oIn = B.Add(oIn, B.Mul(c, _peepholes[1]));
        }

        string output = Activate(0, oIn);
        string h = B.Mul(output, Activations[2].Apply(B, c));
        return (h, c);
    }
}
