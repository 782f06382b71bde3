using Microsoft.ML.Lrp.Graph.Fused;

namespace Microsoft.ML.Lrp.Graph.Recurrent;

/// <summary>
/// A GRU step (ONNX gate order z, r, h; activations f, g): <c>zt = f(Xt·Wzᵀ + Ht−1·Rzᵀ + Wbz + Rbz)</c>, <c>rt</c>
/// likewise, <c>ht = g(Xt·Whᵀ + (rt⊙Ht−1)·Rhᵀ + Rbh + Wbh)</c> (linear_before_reset = 0) or
/// <c>ht = g(Xt·Whᵀ + rt⊙(Ht−1·Rhᵀ + Rbh) + Wbh)</c> (linear_before_reset = 1), <c>Ht = (1 − zt)⊙ht + zt⊙Ht−1</c>.
/// </summary>
internal sealed class GruCell : RecurrentCell
{
    private readonly bool _linearBeforeReset;
    private readonly string _updateResetT;
    private readonly string _hiddenT;
    private readonly float[] _hiddenRecurrentBias;

    public GruCell(FusedGraphBuilder b, RecurrentWeights weights, RecurrentActivation[] activations, float? clip, bool linearBeforeReset)
        : base(b, weights, activations, clip)
    {
        _linearBeforeReset = linearBeforeReset;
        _updateResetT = weights.RecurrentWeightsT(0, 2);
        _hiddenT = weights.RecurrentWeightsT(2, 1);
        _hiddenRecurrentBias = weights.RecurrentBias(2);
    }

    public override float[] InputBias()
        => [.. Weights.Bias(0, 2, withRecurrent: true), .. Weights.Bias(2, 1, withRecurrent: !_linearBeforeReset)];

    public override (string H, string? C) Step(string xw, string? hPrev, string? cPrev)
    {
        string zIn = Gate(xw, 0), rIn = Gate(xw, 1), hIn = Gate(xw, 2);
        if (hPrev is not null)
        {
            string zr = B.MatMul(hPrev, _updateResetT);
            zIn = B.Add(zIn, Gate(zr, 0));
            rIn = B.Add(rIn, Gate(zr, 1));
        }

        string update = Activate(0, zIn);
        bool recurrentBias = _linearBeforeReset && _hiddenRecurrentBias.Any(v => v != 0f);
        if (hPrev is not null || recurrentBias)
        {
            string reset = Activate(0, rIn);
            string term;
            if (!_linearBeforeReset)
            {
                term = B.MatMul(B.Mul(reset, hPrev!), _hiddenT);
            }
            else
            {
                string bias = B.Floats(_hiddenRecurrentBias, Hidden);
                string linear = hPrev is null ? bias : recurrentBias ? B.Add(B.MatMul(hPrev, _hiddenT), bias) : B.MatMul(hPrev, _hiddenT);
                term = B.Mul(reset, linear);
            }

            hIn = B.Add(hIn, term);
        }

        string candidate = Activate(1, hIn);
        string h = B.Mul(B.Sub(B.Scalar(1f), update), candidate);
        if (hPrev is not null)
        {
            h = B.Add(h, B.Mul(update, hPrev));
        }

        return (h, null);
    }
}
