using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Rules.Bodies;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules;

/// <summary>
/// Norm for sums (Add, Sum, Sub): <c>R_i = x_i · R / stab(Σ_j x_j)</c>, the subtrahend of Sub entering as <c>−x</c>.
/// Operands that carry no relevance (constants, side inputs) absorb their share, as does the stabiliser. Mean of n
/// operands: <c>R_i = (x_i / n) · R / stab(mean)</c>, the same shares with the stabiliser scaled by n.
/// </summary>
internal sealed class NormRule(float? epsilon = null) : IRelevanceRule
{
    /// <summary>The block offsets of the sums this rule has seen, by shapes (built once; a device backend holds them).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int[]> _offsets = new(StringComparer.Ordinal);

    public string Description => "Norm";

    public IEnumerable<string> RequiredValues(LrpNode node) => node.Inputs.Where(i => i.Length > 0);

    public void Propagate(RuleContext ctx)
    {
        var node = ctx.Node;
        var r = ctx.OutputRelevanceOrZeros(0);
        var outShape = r.Shape;
        var raw = new List<(int Index, Tensor Value, float Sign)>();
        for (int i = 0; i < node.Inputs.Count; i++)
        {
            if (node.Inputs[i].Length > 0)
            {
                raw.Add((i, ctx.Value(node.Inputs[i]), node.OpType == "Sub" && i == 1 ? -1f : 1f));
            }
        }

        float eps = (epsilon ?? ctx.Epsilon) * (node.OpType == "Mean" ? raw.Count : 1);
        var blocks = NormBlocks.TryCreate(outShape, ctx.Batch, raw.Select(o => (o.Value, o.Sign, ctx.IsRelevanceInput(o.Index))).ToList(), _offsets);
        if (blocks is not null)
        {
            var blockShares = blocks.Propagate(ctx.Backend, r.Data, eps, ctx.AbsorbedPerRow, reuseRelevance: true);
            for (int i = 0; i < raw.Count; i++)
            {
                if (blockShares[i] is { } share)
                {
                    ctx.AddInputRelevance(raw[i].Index, new Tensor(ctx.Shape(node.Inputs[raw[i].Index]), share));
                }
            }

            return;
        }

        var operands = raw.Select(o => (o.Index, TensorShapes.BroadcastTo(o.Value, outShape), o.Sign)).ToList();
        var z = new Tensor(outShape);
        foreach (var (_, value, sign) in operands)
        {
            ctx.Backend.Map(new ScaledAdd(sign), z.Data, value.Data, z.Data);
        }

        var s = new Tensor(outShape);
        ctx.Backend.Map(new StabilizedDivide(eps), r.Data, z.Data, s.Data);
        // Absorbed from the node's own terms (the stabiliser's share R − s·z plus the shares of operands that carry no
        // relevance), so the conservation report checks the shares; R − Σ shares where an operand is non-finite (a −∞
        // mask makes the own terms 0·∞).
        var remainder = r.Clone();
        var ownTerms = r.Clone();
        ctx.Backend.Map(new ScaledProductAdd(-1f), ownTerms.Data, s.Data, z.Data, ownTerms.Data);
        foreach (var (index, value, sign) in operands)
        {
            var share = new Tensor(outShape);
            ctx.Backend.Map(new ScaledProductAdd(sign), share.Data, value.Data, s.Data, share.Data);
            if (ctx.IsRelevanceInput(index))
            {
                ctx.Backend.Map(new Difference(), remainder.Data, share.Data, remainder.Data);
                var reduced = TensorShapes.ReduceToShape(share, ctx.Shape(node.Inputs[index]));
                ctx.AddInputRelevance(index, reduced);
                TensorArena.ReleaseUnlessShared(share.Data, reduced.Data);
            }
            else
            {
                ctx.Backend.Map(new Sum(), ownTerms.Data, share.Data, ownTerms.Data);
                TensorArena.Release(share.Data);
            }
        }

        ctx.Backend.Map(new FiniteOr(), ownTerms.Data, remainder.Data, ownTerms.Data);

        ctx.Absorb(ownTerms.Data);

        // Scratch of this step (the broadcast operands are copies only where they were broadcast).
        foreach (var (index, value, _) in operands)
        {
            TensorArena.ReleaseUnlessShared(value.Data, raw.First(o => o.Index == index).Value.Data);
        }

        TensorArena.Release(z.Data);
        TensorArena.Release(s.Data);
        TensorArena.Release(remainder.Data);
        TensorArena.Release(ownTerms.Data);
    }
}
