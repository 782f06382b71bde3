using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Rules.Bodies;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Transformer;

/// <summary>
/// A one-operand Einsum: a data movement (a permutation <c>"bij-&gt;bji"</c>, a diagonal <c>"bii-&gt;bi"</c>) is
/// routed like Transpose: each output element's relevance goes unchanged to the input element it copies, entries
/// off the diagonal get 0. With a summed letter (<c>"bij-&gt;bi"</c>, a trace <c>"ii-&gt;"</c>) it is the Norm rule
/// of ReduceSum over the terms of each output element: <c>R_x = x ⊙ R / stab(Σ terms)</c>, the stabiliser's share
/// absorbed; a plain reduction (kept letters in input order, no diagonal) runs <see cref="ReductionNorm"/>.
/// </summary>
internal sealed class EinsumUnaryRule(string text) : IRelevanceRule
{
    private readonly object _lock = new();
    private readonly Dictionary<int, EinsumTerms> _terms = [];

    private readonly bool _routes = RoutesOnly(text);

    public string Description => _routes ? "Route" : "Norm";

    public IEnumerable<string> RequiredValues(LrpNode node) => _routes ? [] : [node.Inputs[0]];

    public void Propagate(RuleContext ctx)
    {
        var node = ctx.Node;
        var r = ctx.OutputRelevanceOrZeros(0);
        var xShape = ctx.Shape(node.Inputs[0]);
        EinsumTerms terms;
        lock (_lock)
        {
            if (!_terms.TryGetValue(ctx.Batch, out terms!))
            {
                terms = new EinsumTerms(EinsumEquation.Parse(text, xShape.Length), xShape);
                _terms[ctx.Batch] = terms;
            }
        }

        // Kept for this batch size: a device backend holds the map like a weight (declaring again is a lookup).
        ctx.Backend.DeclareConstant(terms.Target);
        if (!terms.Equation.Sums && _routes)
        {
            // Routing: every output element copies exactly one input element, which takes its relevance (a gather).
            var routed = new Tensor(xShape, TensorArena.Allocate(terms.Target.Length, clear: false));
            ctx.Backend.GatherByMap(terms.Target, r.Data, 0f, routed.Data);
            ctx.AddInputRelevance(0, routed);
            return;
        }

        var x = ctx.Value(node.Inputs[0]);
        if (terms.KeptShape is not null && ReductionNorm.TryPropagate(ctx, x, r, terms.KeptShape, 1f))
        {
            return;
        }

        // z = Σ terms per output element (a scatter-add of x), s = R / stab(z), R_x = x · s[target] (0 off the terms).
        var z = TensorArena.Allocate(r.Length);
        var offTerms = ctx.Backend.ScatterAddByMap(terms.Target, x.Data, z);
        if (offTerms is not null)
        {
            TensorArena.Release(offTerms);
        }

        var s = TensorArena.Allocate(r.Length, clear: false);
        ctx.Backend.Map(new StabilizedDivide(ctx.Epsilon), r.Data, z, s);
        var absorbed = TensorArena.Allocate(r.Length, clear: false);
        ctx.Backend.Map(new ScaledProductAdd(-1f), r.Data, s, z, absorbed);
        ctx.Absorb(absorbed);
        var rx = new Tensor(xShape, TensorArena.Allocate(x.Length, clear: false));
        ctx.Backend.GatherByMap(terms.Target, s, 0f, rx.Data);
        ctx.Backend.Map(new Product(), x.Data, rx.Data, rx.Data);
        TensorArena.Release(z);
        TensorArena.Release(s);
        TensorArena.Release(absorbed);
        ctx.AddInputRelevance(0, rx);
    }

    /// <summary>
    /// Whether the equation sums no axis: an explicit output names every letter (and the ellipsis if any); an implicit
    /// output keeps every letter that occurs once, so it sums none when no letter repeats.
    /// </summary>
    private static bool RoutesOnly(string text)
    {
        var sides = text.Replace(" ", "", StringComparison.Ordinal).Split("->");
        var letters = sides[0].Replace("...", "", StringComparison.Ordinal);
        return sides.Length == 2 ? sides[0].All(c => c == '.' || sides[1].Contains(c)) : letters.Distinct().Count() == letters.Length;
    }
}
