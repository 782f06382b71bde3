using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Transformer;

/// <summary>
/// Softmax inside the network, AttnLRP: <c>R_x = x ⊙ (R − s ⊙ Σ_axis R)</c> with <c>s = softmax(x)</c>. Inputs whose
/// softmax weight is exactly 0 in float (masked with <c>−∞</c>, <c>−10000</c> or <c>float.MinValue</c>) and
/// non-finite inputs get 0. The absorbed share is computed from the linearisation's Taylor bias (and the masked
/// elements), not as <c>R − R_x</c>, so the per-node conservation report checks the formula's implementation:
/// element j absorbs <c>R_j (1 − x_j + Σ_k s_k x_k)</c>, a masked one <c>R_j (1 + Σ_k s_k x_k)</c> (the backend's
/// <c>SoftmaxRelevance</c> runs it).
/// </summary>
/// <param name="legacyAxis">Opset &lt; 13: the input is coerced to 2-D at the axis (default 1).</param>
internal sealed class AttnSoftmaxRule(bool legacyAxis) : IRelevanceRule
{
    public string Description => "AttnLrpSoftmax";

    public IEnumerable<string> RequiredValues(LrpNode node) => [node.Inputs[0], node.Outputs[0]];

    public void Propagate(RuleContext ctx)
    {
        var node = ctx.Node;
        var x = ctx.Value(node.Inputs[0]);
        var y = ctx.Value(node.Outputs[0]);
        var r = ctx.OutputRelevanceOrZeros(0);
        int rank = x.Rank;
        int axis = (int)node.Source.GetInt("axis", legacyAxis ? 1 : -1);
        axis = axis < 0 ? axis + rank : axis;
        int length, inner;
        if (legacyAxis)
        {
            length = Tensor.ShapeSize(x.Shape.AsSpan(axis));
            inner = 1;
        }
        else
        {
            length = x.Shape[axis];
            inner = Tensor.ShapeSize(x.Shape.AsSpan(axis + 1));
        }

        int outer = x.Length / (length * inner);
        if (inner == 1 && outer % ctx.Batch == 0)
        {
            // Each row reads its R before it writes R_x over it: the output relevance's buffer is reused.
            var absorbedPerRow = new double[outer];
            ctx.Backend.SoftmaxRelevanceLastAxis(x.Data, y.Data, r.Data, r.Data, length, absorbedPerRow);
            int rowsPerSample = outer / ctx.Batch;
            for (int o = 0; o < outer; o++)
            {
                ctx.Absorb(o / rowsPerSample, absorbedPerRow[o]);
            }

            ctx.AddInputRelevance(0, new Tensor(x.Shape, r.Data));
            return;
        }

        var rx = new float[x.Length];
        var absorbed = new float[x.Length];
        ctx.Backend.SoftmaxRelevance(x.Data, y.Data, r.Data, outer, length, inner, rx, absorbed);
        ctx.Absorb(absorbed);
        ctx.AddInputRelevance(0, new Tensor(x.Shape, rx));
    }
}
