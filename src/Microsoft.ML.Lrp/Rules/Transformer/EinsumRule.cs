using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Rules.Bodies;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Transformer;

/// <summary>
/// A two-operand Einsum contraction, the bilinear rule of <see cref="BilinearMatMulRule"/>: with both operands carrying
/// relevance, AttnLRP uniform (<c>s = R / stab(2z)</c>, each operand element receives <c>Σ a·b·s</c> over the terms it
/// enters); with one constant operand, Epsilon on the other (<c>s = R / stab(z)</c>). An ellipsis is expanded into
/// letters from the operand ranks (<see cref="EinsumEllipsis"/>) the first time the rule runs; a letter repeated
/// within an operand walks its diagonal, so entries off the diagonal enter no term and get 0. The terms run as a batch
/// of matrix products on operands gathered by constant index maps (<see cref="EinsumProduct"/>), so the rule has no
/// host loop over tensor data.
/// </summary>
internal sealed class EinsumRule(string text, bool aCarries, bool bCarries) : IRelevanceRule
{
    private readonly object _lock = new();
    private readonly Dictionary<int, EinsumProduct> _products = [];
    private EinsumEquation? _equation;

    public string Description => aCarries && bCarries ? "AttnLrpUniform" : "Epsilon";

    public IEnumerable<string> RequiredValues(LrpNode node) => [node.Inputs[0], node.Inputs[1]];

    public void Propagate(RuleContext ctx)
    {
        var node = ctx.Node;
        var a = ctx.Value(node.Inputs[0]);
        var b = ctx.Value(node.Inputs[1]);
        var r = ctx.OutputRelevanceOrZeros(0);
        EinsumProduct product;
        lock (_lock)
        {
            var equation = _equation ??= EinsumEquation.Parse(text, a.Rank, b.Rank);
            if (!_products.TryGetValue(ctx.Batch, out product!))
            {
                product = new EinsumProduct(equation, a.Shape, b.Shape);
                _products[ctx.Batch] = product;
            }
        }

        // Kept for this batch size: a device backend holds the maps like weights (declaring again is a lookup).
        var backend = ctx.Backend;
        backend.DeclareConstant(product.AMap);
        backend.DeclareConstant(product.BMap);
        backend.DeclareConstant(product.ProductToOutput);
        backend.DeclareConstant(product.OutputToProduct);
        var g = product.Batch;
        var ga = TensorArena.Allocate(product.AMap.Length, clear: false);
        var gb = TensorArena.Allocate(product.BMap.Length, clear: false);
        backend.GatherByMap(product.AMap, a.Data, 0f, ga);
        backend.GatherByMap(product.BMap, b.Data, 0f, gb);
        var products = TensorArena.Allocate(product.ProductToOutput.Length, clear: false);
        backend.BatchedMatMul(g, ga, gb, products);

        // z, s = R / stab(factor · z) and the absorbed remainder in the output's layout (rows are samples).
        float factor = aCarries && bCarries ? 2f : 1f;
        var z = TensorArena.Allocate(r.Length, clear: false);
        backend.GatherByMap(product.OutputToProduct, products, 0f, z);
        if (factor != 1f)
        {
            backend.Map(new Scale(factor), z, z);
        }

        var s = TensorArena.Allocate(r.Length, clear: false);
        backend.Map(new StabilizedDivide(ctx.Epsilon), r.Data, z, s);
        var absorbed = TensorArena.Allocate(r.Length, clear: false);
        backend.Map(new ScaledProductAdd(-1f), r.Data, s, z, absorbed);
        ctx.Absorb(absorbed);

        // The shares per product (s laid out as the products), then summed back over the copies of each element.
        backend.GatherByMap(product.ProductToOutput, s, 0f, products);
        var ra = aCarries ? TensorArena.Allocate(ga.Length) : null;
        var rb = bCarries ? TensorArena.Allocate(gb.Length) : null;
        backend.BilinearShares(g, ga, gb, products, ra, rb);
        if (ra is not null)
        {
            ctx.AddInputRelevance(0, SumCopies(backend, product.AMap, ra, a.Shape));
        }

        if (rb is not null)
        {
            ctx.AddInputRelevance(1, SumCopies(backend, product.BMap, rb, b.Shape));
        }

        foreach (var scratch in new[] { ga, gb, products, z, s, absorbed })
        {
            TensorArena.Release(scratch);
        }
    }

    /// <summary>The adjoint of a gather: each operand element gets the sum of its copies' shares (0 when it has none).</summary>
    private static Tensor SumCopies(IRelevanceBackend backend, int[] map, float[] shares, int[] shape)
    {
        var relevance = new Tensor(shape);
        backend.ScatterAddByMap(map, shares, relevance.Data);
        TensorArena.Release(shares);
        return relevance;
    }
}
