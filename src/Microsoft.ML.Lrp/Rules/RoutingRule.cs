using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules;

/// <summary>
/// The adjoint of a data movement (Transpose, Slice, Gather with constant indices, Pad, Expand, Tile): each output
/// element's relevance goes back to the input element it was copied from; elements copied from nowhere (padding)
/// are absorbed by the constant; broadcast copies are summed.
/// </summary>
/// <param name="parametersFixed">
/// True when the op's indices, starts or pads depend only on constants and shapes (see
/// <see cref="Graph.ValueDependence"/>): its index map is then built once per batch size; otherwise on every call.
/// </param>
internal sealed class RoutingRule(bool parametersFixed = true) : IRelevanceRule
{
    private readonly Dictionary<int, int[]> _maps = [];
    private readonly Dictionary<int, StridedView?> _views = [];
    private readonly object _lock = new();

    public string Description => "Route";

    /// <summary>Whether the index map may be reused from call to call at one batch size.</summary>
    public bool ParametersFixed => parametersFixed;

    public IEnumerable<string> RequiredValues(LrpNode node) => [];

    public void Propagate(RuleContext ctx)
    {
        var node = ctx.Node;
        var r = ctx.OutputRelevanceOrZeros(0);
        var xShape = ctx.Shape(node.Inputs[0]);
        StridedView? view;
        lock (_lock)
        {
            if (!parametersFixed || !_views.TryGetValue(ctx.Batch, out view))
            {
                view = IndexMaps.Strided(ctx, xShape, r.Shape);
                view = view is { Injective: true } ? view : null;
                if (parametersFixed)
                {
                    _views[ctx.Batch] = view;
                }
            }
        }

        if (view is not null)
        {
            // Transpose and Slice: every output element has its own source element, so the adjoint is a scatter.
            int size = Tensor.ShapeSize(xShape);
            var target = new Tensor(xShape, TensorArena.Allocate(size, clear: view.Length != size));
            view.Scatter(ctx.Backend, r.Data, target.Data);
            ctx.AddInputRelevance(0, target);
            return;
        }

        int[] map;
        lock (_lock)
        {
            if (!parametersFixed || !_maps.TryGetValue(ctx.Batch, out map!))
            {
                map = IndexMaps.SourceIndex(ctx, xShape, r.Shape);
                if (parametersFixed)
                {
                    _maps[ctx.Batch] = map;
                }
            }
        }

        if (parametersFixed)
        {
            // Kept for this batch size: a device backend holds it like a weight (declaring again is a lookup).
            ctx.Backend.DeclareConstant(map);
        }

        ctx.AddInputRelevance(0, RouteBack(ctx, map, r, xShape));
    }

    /// <summary>
    /// The adjoint of a copy map: <c>R_x[map[i]] += R[i]</c>; relevance of elements copied from nowhere (map −1) is
    /// absorbed.
    /// </summary>
    public static Tensor RouteBack(RuleContext ctx, int[] map, Tensor r, int[] xShape)
    {
        var rx = new Tensor(xShape);
        // One backend scatter-add (on the device with a device backend); the unmapped relevance comes back.
        var lost = ctx.Backend.ScatterAddByMap(map, r.Data, rx.Data);
        if (lost is not null)
        {
            ctx.Absorb(lost);
            TensorArena.Release(lost);
        }

        return rx;
    }
}
