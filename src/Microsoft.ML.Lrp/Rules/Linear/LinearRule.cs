using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Rules.Bodies;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Linear;

/// <summary>
/// The one engine behind every linear rule (Epsilon, ZPlus, AlphaBeta, Gamma, Flat, WSquare, ZBox): a rule is a
/// list of <see cref="LinearGroup"/>s. What a group's bias and stabiliser take is recorded as absorbed relevance:
/// <c>absorbed = Σ R − Σ_g coefficient_g · ⟨s_g, z_g − b_g⟩</c>, which equals <c>Σ R − Σ R_x</c> exactly when the
/// backward map is the adjoint of the forward map.
/// </summary>
internal sealed partial class LinearRule : IRelevanceRule
{
    private readonly IReadOnlyList<LinearGroup> _groups;
    private readonly float? _epsilon;
    private readonly float _gamma;
    private readonly Func<int[], (Tensor Low, Tensor High)>? _bounds;
    private FlatConvShortcut? _flat;
    private bool _flatChecked;
    private float[]? _negatedBias;
    private bool? _biasIsZero;

    public LinearRule(string description, LinearLayer layer, IReadOnlyList<LinearGroup> groups, float? epsilon, float gamma = 0f, Func<int[], (Tensor Low, Tensor High)>? bounds = null)
    {
        Description = description;
        Layer = layer;
        _groups = groups;
        _epsilon = epsilon;
        _gamma = gamma;
        _bounds = bounds;
    }

    public string Description { get; }

    public LinearLayer Layer { get; }

    /// <summary>
    /// The input; for Gamma and ZBox also the node's output <c>W x + b</c>, which gives Gamma's mask and both rules'
    /// <c>W x</c> without a forward product (a convolution's output costs no more to capture than the ReLU after it,
    /// which is then replayed from it).
    /// </summary>
    public IEnumerable<string> RequiredValues(LrpNode node) => IsGamma || IsZBox ? [node.Inputs[0], node.Outputs[0]] : [node.Inputs[0]];

    /// <summary>The node's own output is <c>W x + b</c>: where it is captured anyway, Epsilon skips its forward product.</summary>
    public IEnumerable<string> OptionalValues(LrpNode node) => ReusesOutput ? [node.Outputs[0]] : [];

    /// <summary>
    /// Without a bias the captured output is the forward product itself (up to the summation order); with one, the
    /// product would come back as <c>output − b</c>, which cancels digits where the bias dominates, so it is recomputed.
    /// </summary>
    public IEnumerable<string> WorthCapturing(LrpNode node) => ReusesOutput && BiasIsZero ? [node.Outputs[0]] : [];

    private bool BiasIsZero => _biasIsZero ??= Array.TrueForAll(Layer.Bias, b => b == 0f);

    private float[] NegatedBias => _negatedBias ??= Layer.Bias.Select(b => -b).ToArray();

    /// <summary>One group of one unmasked product <c>W · x</c>: the forward product is the node's output minus its bias.</summary>
    private bool ReusesOutput => _groups.Count == 1 && _groups[0].Mask == 0 && _groups[0].Terms.Count == 1
        && _groups[0].Terms[0] is { Input: InputVariant.X, Weight: WeightVariant.W, Sign: 1f };

    public void Propagate(RuleContext ctx)
    {
        var backend = ctx.Backend;
        float eps = _epsilon ?? ctx.Epsilon;
        if (!_flatChecked)
        {
            _flat = FlatConvShortcut.Applies(Layer, _groups) ? new FlatConvShortcut((ConvLayer)Layer) : null;
            _flatChecked = true;
        }

        if (_flat is not null)
        {
            var flatRelevance = ctx.OutputRelevanceOrZeros(0);
            var flatAbsorbed = new double[ctx.Batch];
            var flatInput = _flat.Propagate(backend, flatRelevance, ctx.Shape(ctx.Node.Inputs[0]), eps, flatAbsorbed);
            for (int r = 0; r < ctx.Batch; r++)
            {
                ctx.Absorb(r, flatAbsorbed[r]);
            }

            ctx.AddInputRelevance(0, flatInput);
            return;
        }

        var x = ctx.Value(ctx.Node.Inputs[0]);
        var relevance = ctx.OutputRelevanceOrZeros(0);
        var zShape = relevance.Shape;
        if (TryPropagateSingleDenseTerm(ctx, x, relevance, eps) || TryPropagateZBox(ctx, x, relevance, eps))
        {
            return;
        }

        // One pass for a ReLU output: when x ≥ 0 the x⁻ terms vanish, and treating x as not non-positive (even when
        // it is all zeros) only keeps terms that evaluate to zero.
        bool nonNegative = backend.Min(x.Data) >= 0f;
        bool nonPositive = !nonNegative && backend.Max(x.Data) <= 0f;
        if (TryPropagateSingleConvTerm(ctx, x, relevance, eps, nonNegative, nonPositive)
            || TryPropagateGamma(ctx, x, relevance, eps, nonNegative, nonPositive))
        {
            return;
        }

        var inputs = new LinearInputs(backend, x, _bounds);

        Tensor? zRef = null;
        bool zRefMadeHere = false;
        if (_groups.Any(g => g.Mask != 0) && ctx.TryValue(ctx.Node.Outputs[0], out var output) && output.Length == relevance.Length)
        {
            // The masks read the sign of z = W x + b: the node's output where the plan keeps it.
            zRef = output;
        }
        else if (_groups.Any(g => g.Mask != 0))
        {
            zRef = new Tensor(zShape);
            zRefMadeHere = true;
            Layer.Forward(backend, Layer.Weight, x, zRef);
            Layer.AddBias(backend, Layer.Bias, zRef);
        }

        var inputRelevance = new Tensor(x.Shape);
        bool inputRelevanceEmpty = true;
        // Absorbed per row: Σ R − Σ_g coefficient_g · ⟨s_g, z_g − b_g⟩ (row dot products, no extra tensor).
        var absorbed = new double[ctx.Batch];
        backend.RowSums(relevance.Data, ctx.Batch, absorbed);
        var dots = new double[ctx.Batch];
        var zNoBias = new Tensor(zShape);
        var z = new Tensor(zShape);
        Tensor? term = null;
        var s = new Tensor(zShape);
        var c = new Tensor(x.Shape);

        foreach (var group in _groups)
        {
            var active = group.Terms.Where(t => !IsZero(t.Input, nonNegative, nonPositive)).ToList();
            if (active.Count == 1 && active[0].Sign == 1f)
            {
                Layer.Forward(backend, WeightOf(active[0].Weight), InputOf(active[0].Input), zNoBias);
            }
            else
            {
                backend.Clear(zNoBias.Data);
                term ??= new Tensor(zShape);
                foreach (var t in active)
                {
                    Layer.Forward(backend, WeightOf(t.Weight), InputOf(t.Input), term);
                    backend.Map(new ScaledAdd(t.Sign), zNoBias.Data, term.Data, zNoBias.Data);
                }
            }

            if (group.Bias != BiasVariant.Zero)
            {
                Layer.AddBias(backend, BiasOf(group.Bias), zNoBias, z);
            }
            else
            {
                backend.Copy(zNoBias.Data, z.Data);
            }

            if (group.Mask == 0)
            {
                backend.Map(new StabilizedDivide(eps), relevance.Data, z.Data, s.Data);
            }
            else
            {
                backend.Map(new MaskedStabilizedDivide(eps, group.Mask > 0), relevance.Data, z.Data, zRef!.Data, s.Data);
            }

            backend.RowDots(s.Data, zNoBias.Data, ctx.Batch, dots);
            for (int r = 0; r < ctx.Batch; r++)
            {
                absorbed[r] -= group.Coefficient * dots[r];
            }

            foreach (var t in active)
            {
                Layer.Backward(backend, WeightOf(t.Weight), s, c);
                float scale = group.Coefficient * t.Sign;
                if (inputRelevanceEmpty && scale == 1f)
                {
                    backend.Map(new Product(), InputOf(t.Input).Data, c.Data, inputRelevance.Data);
                }
                else
                {
                    backend.Map(new ScaledProductAdd(scale), inputRelevance.Data, InputOf(t.Input).Data, c.Data, inputRelevance.Data);
                }

                inputRelevanceEmpty = false;
            }
        }

        for (int r = 0; r < ctx.Batch; r++)
        {
            ctx.Absorb(r, absorbed[r]);
        }

        ctx.AddInputRelevance(0, inputRelevance);
        if (zRefMadeHere && zRef is not null)
        {
            TensorArena.Release(zRef.Data);
        }

        foreach (var scratch in new[] { zNoBias, z, term, s, c })
        {
            if (scratch is not null)
            {
                TensorArena.Release(scratch.Data);
            }
        }

        inputs.Release();

        Tensor InputOf(InputVariant v)
            => (v == InputVariant.Positive && nonNegative) || (v == InputVariant.Negative && nonPositive) ? x : inputs.Of(v);
    }

    private static bool IsZero(InputVariant v, bool nonNegative, bool nonPositive)
        => (v == InputVariant.Negative && nonNegative) || (v == InputVariant.Positive && nonPositive);

    /// <summary>The ZBox bounds for an input shape (null for the other rules).</summary>
    internal Func<int[], (Tensor Low, Tensor High)>? Bounds => _bounds;

    private float[] WeightOf(WeightVariant v) => Layer.WeightFor(v, _gamma);

    private float[] BiasOf(BiasVariant v) => Layer.BiasFor(v, _gamma);
}
