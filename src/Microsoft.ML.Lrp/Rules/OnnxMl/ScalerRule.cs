using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.OnnxMl;

/// <summary>
/// <c>ai.onnx.ml.Scaler</c>, the affine map <c>y = (x − offset) · scale</c> per element, with the Epsilon rule:
/// <c>R_x = x·scale · R / stab(y)</c>, the offset absorbing the rest. Where the offset is 0 the map is a scaling by a
/// constant and keeps R exactly (RULES.md, "Mul / Div by a constant").
/// </summary>
internal sealed class ScalerRule(float[] offset, float[] scale) : IRelevanceRule
{
    public string Description => "Epsilon(affine)";

    public IEnumerable<string> RequiredValues(LrpNode node) => [node.Inputs[0]];

    public void Propagate(RuleContext ctx)
    {
        var r = ctx.OutputRelevanceOrZeros(0);
        var x = ctx.Value(ctx.Node.Inputs[0]);
        int features = x.Length / ctx.Batch;
        var rx = new Tensor(x.Shape);
        for (int i = 0; i < x.Length; i++)
        {
            int f = i % features;
            float o = offset.Length == 1 ? offset[0] : offset[f];
            if (o == 0f)
            {
                rx.Data[i] = r.Data[i];
                continue;
            }

            double s = scale.Length == 1 ? scale[0] : scale[f];
            double y = (x.Data[i] - (double)o) * s;
            double q = r.Data[i] / OnnxMlMath.Stab(y, ctx.Epsilon);
            rx.Data[i] = (float)(x.Data[i] * s * q);

            // Absorbed from the node's own terms: y = s·x + (−o·s), so the constant term's share −o·s·q and the
            // stabiliser's R − y·q.
            ctx.Absorb(i / features, (r.Data[i] - (y * q)) - (o * s * q));
        }

        ctx.AddInputRelevance(0, rx);
    }
}
