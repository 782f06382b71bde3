using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Rules.Bodies;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules;

/// <summary>
/// Norm over each window for linear pooling (AveragePool, GlobalAveragePool, ReduceMean, ReduceSum):
/// <c>R_x = x ⊙ Aᵀ(R / stab(A x))</c> with <c>A</c> the pooling map. The stabiliser's share is absorbed.
/// </summary>
internal sealed class AverageNormRule : IRelevanceRule
{
    public string Description => "Norm";

    public IEnumerable<string> RequiredValues(LrpNode node) => [node.Inputs[0]];

    public void Propagate(RuleContext ctx)
    {
        var node = ctx.Node;
        var x = ctx.Value(node.Inputs[0]);
        var r = ctx.OutputRelevanceOrZeros(0);
        if (node.OpType != "AveragePool" && ReductionNorm.TryPropagate(ctx, x, r, KeptShape(ctx, x.Shape, out float blockScale), blockScale))
        {
            return;
        }

        var ax = new Tensor(r.Shape);
        var s = new Tensor(r.Shape);
        var rx = new Tensor(x.Shape);
        Tensor? sum = null, spread = null;
        switch (node.OpType)
        {
            case "AveragePool":
            {
                var g = PoolGeometryBuilder.Build(node, x.Shape, r.Shape);
                ctx.Backend.AveragePoolForward(g, x.Data, ax.Data);
                ctx.Backend.Map(new StabilizedDivide(ctx.Epsilon), r.Data, ax.Data, s.Data);
                ctx.Backend.AveragePoolBackward(g, s.Data, rx.Data);
                break;
            }

            default:
            {
                // Reductions: A x = scale · Σ_axes x, so Aᵀ s = scale · broadcast(s).
                int[] keptShape = KeptShape(ctx, x.Shape, out float scale);
                sum = TensorShapes.ReduceToShape(x, keptShape);
                ctx.Backend.Map(new Scale(scale), sum.Data, ax.Data);
                ctx.Backend.Map(new StabilizedDivide(ctx.Epsilon), r.Data, ax.Data, s.Data);
                spread = TensorShapes.BroadcastTo(s.Reshape(keptShape), x.Shape);
                ctx.Backend.Map(new Scale(scale), spread.Data, rx.Data);
                break;
            }
        }

        ctx.Backend.Map(new Product(), rx.Data, x.Data, rx.Data);
        var absorbed = new Tensor(r.Shape, TensorArena.Allocate(r.Length, clear: false));
        ctx.Backend.Copy(r.Data, absorbed.Data);
        ctx.Backend.Map(new ScaledProductAdd(-1f), absorbed.Data, s.Data, ax.Data, absorbed.Data);
        ctx.Absorb(absorbed.Data);
        ctx.AddInputRelevance(0, rx);
        TensorArena.Release(ax.Data);
        TensorArena.Release(s.Data);
        TensorArena.Release(absorbed.Data);
        if (sum is not null && spread is not null)
        {
            TensorArena.ReleaseUnlessShared(sum.Data, x.Data);
            TensorArena.ReleaseUnlessShared(spread.Data, s.Data);
        }
    }

    private static int[] KeptShape(RuleContext ctx, int[] xShape, out float scale)
    {
        var node = ctx.Node.Source;
        int[] kept;
        if (node.OpType == "GlobalAveragePool")
        {
            kept = (int[])xShape.Clone();
            for (int a = 2; a < kept.Length; a++)
            {
                kept[a] = 1;
            }
        }
        else
        {
            kept = Tensors.TensorReductions.KeptShape(node, xShape, ctx.Int64s);
        }

        int count = 1;
        for (int a = 0; a < xShape.Length; a++)
        {
            count *= kept[a] != xShape[a] ? xShape[a] : 1;
        }

        scale = node.OpType == "ReduceSum" ? 1f : 1f / count;
        return kept;
    }
}
