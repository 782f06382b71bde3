using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Transformer;

/// <summary>
/// LayerNormalization with σ held constant (AttnLRP): <c>y = w ⊙ (x − mean x)/σ + b</c> is linear in <c>x</c>; Epsilon
/// on it: <c>s = R / stab(y)</c>, <c>R_x = (x/σ) ⊙ (w⊙s − mean(w⊙s))</c>, means over the normalised axes (from
/// <c>axis</c> on). The bias' share <c>s⊙b</c> and the stabiliser's <c>R − s⊙y</c> are absorbed (computed from those terms, not as <c>R − R_x</c>). Not <paramref name="centered"/>, it is
/// RMSNormalization (opset 23): no mean, <c>σ = √(mean(x²) + ε)</c>, so <c>R_x = y ⊙ R / stab(y)</c>.
/// </summary>
internal sealed class LayerNormRule(bool centered = true) : IRelevanceRule
{
    public string Description => centered ? "AttnLrpLayerNorm" : "AttnLrpRmsNorm";

    public IEnumerable<string> RequiredValues(LrpNode node) => node.Inputs.Take(3).Where(i => i.Length > 0);

    public void Propagate(RuleContext ctx)
    {
        var node = ctx.Node;
        var x = ctx.Value(node.Inputs[0]);
        var scale = ctx.Value(node.Inputs[1]);
        var w = TensorShapes.BroadcastTo(scale, x.Shape[Axis(node, x.Rank)..]).Data;
        var shift = node.Inputs.Count > 2 && node.Inputs[2].Length > 0 ? ctx.Value(node.Inputs[2]) : null;
        float[]? bias = shift is null ? null : TensorShapes.BroadcastTo(shift, x.Shape[Axis(node, x.Rank)..]).Data;
        double epsilonNorm = node.Source.GetFloat("epsilon", 1e-5f);
        double stabiliser = ctx.Epsilon;
        var r = ctx.OutputRelevanceOrZeros(0);
        int length = Tensor.ShapeSize(x.Shape.AsSpan(Axis(node, x.Rank)));
        var rx = TensorArena.Allocate(x.Length);
        var absorbed = TensorArena.Allocate(x.Length);
        ctx.Backend.LayerNormRelevance(x.Data, w, bias, r.Data, length, epsilonNorm, stabiliser, centered, rx, absorbed);
        ctx.Absorb(absorbed);
        TensorArena.Release(absorbed);
        ctx.AddInputRelevance(0, new Tensor(x.Shape, rx));

        // A scale or bias smaller than the normalised shape was broadcast into a copy of this step's.
        TensorArena.ReleaseUnlessShared(w, scale.Data);
        if (bias is not null)
        {
            TensorArena.ReleaseUnlessShared(bias, shift!.Data);
        }
    }

    private static int Axis(LrpNode node, int rank)
    {
        int axis = (int)node.Source.GetInt("axis", -1);
        return axis < 0 ? axis + rank : axis;
    }
}
