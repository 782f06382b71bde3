using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Rules.Bodies;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Transformer;

/// <summary>
/// MatMul of two activations (<c>Q·Kᵀ</c>, <c>A·V</c>), ONNX batched/broadcast semantics. AttnLRP uniform when both
/// operands carry relevance: <c>s = R / stab(2z)</c>, <c>R_A = A ⊙ s·Bᵀ</c>, <c>R_B = B ⊙ Aᵀ·s</c>. When one operand is
/// held constant (a side input such as a mask, or the attention weights under CP-LRP) the rule is Epsilon on the
/// other: <c>s = R / stab(z)</c> and only that operand receives relevance. The stabiliser's share is absorbed.
/// </summary>
internal sealed class BilinearMatMulRule(bool aCarries, bool bCarries) : IRelevanceRule
{
    public string Description => aCarries && bCarries ? "AttnLrpUniform" : aCarries ? "Epsilon(B constant)" : "Epsilon(A constant)";

    public IEnumerable<string> RequiredValues(LrpNode node) => [node.Inputs[0], node.Inputs[1]];

    public void Propagate(RuleContext ctx)
    {
        var node = ctx.Node;
        var a = ctx.Value(node.Inputs[0]);
        var b = ctx.Value(node.Inputs[1]);
        var r = ctx.OutputRelevanceOrZeros(0);
        var geometry = new MatMulGeometry(a.Shape, b.Shape);
        float factor = aCarries && bCarries ? 2f : 1f;
        if (geometry.Offsets.Length % ctx.Batch == 0 && ctx.Backend.BilinearFusable(geometry.Batch, aCarries, bCarries))
        {
            PropagateFused(ctx, geometry, a, b, r, factor);
            return;
        }

        var z = geometry.Multiply(ctx.Backend, a.Data, b.Data);
        if (factor != 1f)
        {
            ctx.Backend.Map(new Scale(factor), z, z);
        }

        var s = TensorArena.Allocate(z.Length);
        ctx.Backend.Map(new StabilizedDivide(ctx.Epsilon), r.Data, z, s);
        var ra = aCarries ? TensorArena.Allocate(a.Length) : null;
        var rb = bCarries ? TensorArena.Allocate(b.Length) : null;
        geometry.Shares(ctx.Backend, a.Data, b.Data, s, ra, rb);

        // Absorbed: R − s ⊙ (factor · z), the stabiliser's share (exact arithmetic gives Σ shares = Σ s ⊙ factor·z).
        var absorbed = TensorArena.Allocate(z.Length, clear: false);
        ctx.Backend.Map(new ScaledProductAdd(-1f), r.Data, s, z, absorbed);
        ctx.Absorb(absorbed);
        TensorArena.Release(z);
        TensorArena.Release(s);
        TensorArena.Release(absorbed);
        if (ra is not null)
        {
            ctx.AddInputRelevance(0, new Tensor(a.Shape, ra));
        }

        if (rb is not null)
        {
            ctx.AddInputRelevance(1, new Tensor(b.Shape, rb));
        }
    }

    private void PropagateFused(RuleContext ctx, MatMulGeometry geometry, Tensor a, Tensor b, Tensor r, float factor)
    {
        // Each output matrix writes its own A and B shares whole, so where the matrices tile an operand its share
        // array needs no zeroing first.
        var g = geometry.Batch;
        var ra = aCarries ? TensorArena.Allocate(a.Length, clear: g.AStride != g.M * g.K || g.Offsets.Length * g.M * g.K != a.Length) : null;
        var rb = bCarries ? TensorArena.Allocate(b.Length, clear: g.BStride != g.K * g.N || g.Offsets.Length * g.K * g.N != b.Length) : null;
        var absorbed = ctx.Backend.BilinearFused(geometry.Batch, a.Data, b.Data, r.Data, factor, ctx.Epsilon, ra, rb);
        int perSample = absorbed.Length / ctx.Batch;
        for (int i = 0; i < absorbed.Length; i++)
        {
            ctx.Absorb(i / perSample, absorbed[i]);
        }

        if (ra is not null)
        {
            ctx.AddInputRelevance(0, new Tensor(a.Shape, ra));
        }

        if (rb is not null)
        {
            ctx.AddInputRelevance(1, new Tensor(b.Shape, rb));
        }
    }
}
