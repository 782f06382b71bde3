using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Transformer;

/// <summary>
/// Mul of two independent activations (gated MLPs), AttnLRP uniform: <c>R_a = R_b = R/2</c>, each summed back to its
/// operand's shape where it was broadcast.
/// </summary>
internal sealed class ProductSplitRule : IRelevanceRule
{
    public string Description => "AttnLrpUniform";

    public IEnumerable<string> RequiredValues(LrpNode node) => [];

    public void Propagate(RuleContext ctx)
    {
        var r = ctx.OutputRelevanceOrZeros(0);
        var half = new Tensor(r.Shape, TensorArena.Allocate(r.Length, clear: false));
        ctx.Backend.Map(new Bodies.Scale(0.5f), r.Data, half.Data);
        var scratch = new List<float[]>();
        for (int i = 0; i < 2; i++)
        {
            var share = i == 0 ? half : Copy(ctx, half);
            var reduced = TensorShapes.ReduceToShape(share, ctx.Shape(ctx.Node.Inputs[i]));
            ctx.AddInputRelevance(i, reduced);

            // An operand broadcast in the product gets a summed copy; the full-size share is then scratch (handed
            // back after the loop: the second share is cloned from the first).
            if (!ReferenceEquals(reduced.Data, share.Data))
            {
                scratch.Add(share.Data);
            }
        }

        scratch.ForEach(TensorArena.Release);
    }

    /// <summary>A copy of <paramref name="t"/> made by the backend (on the device with a device backend).</summary>
    private static Tensor Copy(RuleContext ctx, Tensor t)
    {
        var copy = new Tensor(t.Shape, TensorArena.Allocate(t.Length, clear: false));
        ctx.Backend.Copy(t.Data, copy.Data);
        return copy;
    }
}
