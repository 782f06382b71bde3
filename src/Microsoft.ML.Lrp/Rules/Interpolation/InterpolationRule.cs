using Microsoft.ML.Lrp.Backends.Cpu;
using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Rules.Bodies;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Interpolation;

/// <summary>
/// Relevance through a fixed interpolation map <c>y = A x + c</c> (Resize, Upsample, GridSample, RoiAlign), whose
/// weights come from the geometry alone. Interpolating maps (linear, cubic, bilinear sampling, RoiAlign average) get
/// the Epsilon rule of the map without bias: <c>R_x = x ⊙ Aᵀ(R / stab(A x + c))</c>, which conserves up to the stabiliser
/// and the constant outputs (absorbed: <c>R − s ⊙ A x</c>). Selections (nearest modes, RoiAlign max winners) are data
/// movement: <c>R_x = Aᵀ R</c> with unit weights, exact; outputs that read no input (extrapolation) are absorbed.
/// The sampling parameters (sizes, scales, roi, grid, boxes) carry no relevance.
/// </summary>
internal sealed class InterpolationRule : IRelevanceRule
{
    /// <summary>Builds the plan at run time: context, input shape, output shape, and the input values when the map depends on them.</summary>
    public delegate InterpolationPlan PlanFactory(RuleContext ctx, int[] xShape, int[] yShape, float[]? x);

    private readonly PlanFactory _plan;
    private readonly bool _selection;
    private readonly bool _planReadsInput;

    /// <param name="plan">The map of the node.</param>
    /// <param name="selection">True when every output copies one input element (routing, no activations needed).</param>
    /// <param name="planReadsInput">True when the map itself depends on x (winners of RoiAlign max).</param>
    public InterpolationRule(PlanFactory plan, bool selection, bool planReadsInput = false)
    {
        _plan = plan;
        _selection = selection;
        _planReadsInput = planReadsInput;
    }

    public string Description => _selection ? "Route" : "Epsilon(interpolation)";

    public IEnumerable<string> RequiredValues(LrpNode node) => _selection && !_planReadsInput ? [] : [node.Inputs[0]];

    public void Propagate(RuleContext ctx)
    {
        var node = ctx.Node;
        var backend = ctx.Backend;
        var r = ctx.OutputRelevanceOrZeros(0);
        var xShape = ctx.Shape(node.Inputs[0]);
        float[]? x = _selection && !_planReadsInput ? null : ctx.Value(node.Inputs[0]).Data;
        var plan = _plan(ctx, xShape, r.Shape, x);
        if (plan.YLength != r.Length || plan.XLength != Tensor.ShapeSize(xShape))
        {
            throw new LrpException($"Node '{node.Name}' ({node.OpType}): the interpolation map ({plan.XLength} → {plan.YLength} elements) does not match the run's shapes ([{string.Join(", ", xShape)}] → [{string.Join(", ", r.Shape)}]).");
        }

        if (_selection)
        {
            var routed = plan.Routing.Adjoint(backend, r.Data);
            var lost = new float[r.Length];
            backend.Map(new ScaledProductAdd(-1f), r.Data, r.Data, plan.Covered(backend), lost);
            ctx.Absorb(lost);
            ctx.AddInputRelevance(0, new Tensor(xShape, routed));
            return;
        }

        var ax = plan.Apply(backend, x);
        var z = ax;
        if (plan.Constant is not null)
        {
            z = new float[ax.Length];
            backend.Map(new SumOp(), ax, plan.Constant, z);
        }

        var s = new float[r.Length];
        backend.Map(new StabilizedDivide(ctx.Epsilon), r.Data, z, s);
        var g = plan.Adjoint(backend, s);
        backend.Map(new ProductOp(), x!, g, g);
        var absorbed = new float[r.Length];
        backend.Map(new ScaledProductAdd(-1f), r.Data, s, ax, absorbed);
        ctx.Absorb(absorbed);
        ctx.AddInputRelevance(0, new Tensor(xShape, g));
    }
}
