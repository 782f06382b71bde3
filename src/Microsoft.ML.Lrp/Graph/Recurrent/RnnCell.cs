using Microsoft.ML.Lrp.Graph.Fused;

namespace Microsoft.ML.Lrp.Graph.Recurrent;

/// <summary>A simple RNN step: <c>Ht = f(Xt·Wᵀ + Ht−1·Rᵀ + Wb + Rb)</c>.</summary>
internal sealed class RnnCell : RecurrentCell
{
    private readonly string _recurrentT;

    public RnnCell(FusedGraphBuilder b, RecurrentWeights weights, RecurrentActivation[] activations, float? clip)
        : base(b, weights, activations, clip)
        => _recurrentT = weights.RecurrentWeightsT(0, 1);

    public override float[] InputBias() => Weights.Bias(0, 1, withRecurrent: true);

    public override (string H, string? C) Step(string xw, string? hPrev, string? cPrev)
        => (Activate(0, hPrev is null ? xw : B.Add(xw, B.MatMul(hPrev, _recurrentT))), null);
}
