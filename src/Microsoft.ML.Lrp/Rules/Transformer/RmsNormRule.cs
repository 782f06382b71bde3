using Microsoft.ML.Lrp.Backends.Cpu;
using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Transformer;

/// <summary>
/// RMSNormalization (opset 23) with σ held constant (AttnLRP, as <see cref="LayerNormRule"/> without the mean):
/// <c>y = x ⊙ w/σ</c>, <c>σ = √(mean(x²) + ε)</c> over the axes from <c>axis</c> on, is linear in <c>x</c>; Epsilon on
/// it: <c>R_x = x ⊙ (w/σ) ⊙ R / stab(y)</c>. The stabiliser's share is absorbed.
/// </summary>
internal sealed class RmsNormRule : IRelevanceRule
{
    public string Description => "AttnLrpRmsNorm";

    public IEnumerable<string> RequiredValues(LrpNode node) => node.Inputs.Take(2).Where(i => i.Length > 0);

    public void Propagate(RuleContext ctx)
    {
        var node = ctx.Node;
        var x = ctx.Value(node.Inputs[0]);
        int axis = Axis(node, x.Rank);
        var w = TensorShapes.BroadcastTo(ctx.Value(node.Inputs[1]), x.Shape[axis..]).Data;
        double epsilonNorm = node.Source.GetFloat("epsilon", 1e-5f);
        double stabiliser = ctx.Epsilon;
        var r = ctx.OutputRelevanceOrZeros(0);
        int length = Tensor.ShapeSize(x.Shape.AsSpan(axis));
        int groups = x.Length / length;
        var rx = TensorArena.Allocate(x.Length);
        var absorbed = TensorArena.Allocate(x.Length);
        Parallel.For(0, groups, CpuParallel.Options, g =>
        {
            int start = g * length;
            double meanSquare = 0;
            for (int k = 0; k < length; k++)
            {
                double v = x.Data[start + k];
                meanSquare += v * v;
            }

            double sigma = Math.Sqrt((meanSquare / length) + epsilonNorm);
            for (int k = 0; k < length; k++)
            {
                double y = x.Data[start + k] * w[k] / sigma;
                float value = (float)(y * r.Data[start + k] / (y + (y >= 0 ? stabiliser : -stabiliser)));
                rx[start + k] = value;
                absorbed[start + k] = r.Data[start + k] - value;
            }
        });
        ctx.Absorb(absorbed);
        TensorArena.Release(absorbed);
        ctx.AddInputRelevance(0, new Tensor(x.Shape, rx));
    }

    private static int Axis(LrpNode node, int rank)
    {
        int axis = (int)node.Source.GetInt("axis", -1);
        return axis < 0 ? axis + rank : axis;
    }
}
