using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Backends.Cpu;

namespace Microsoft.ML.Lrp.Rules.Interpolation;

/// <summary>One sparse map applied to <paramref name="Planes"/> consecutive planes of x (from <paramref name="XOffset"/>) into y (from <paramref name="YOffset"/>).</summary>
internal sealed record InterpolationBlock(SparseMap Map, int XOffset, int YOffset, int Planes);

/// <summary>
/// A fixed linear map <c>y = A x + c</c> between two flat tensors, as blocks of sparse maps (one per group of planes that
/// share the geometry: all planes of a Resize, the channels of one GridSample sample, of one RoiAlign box).
/// <c>c</c> holds the constant outputs (Resize's extrapolation value), null when there are none. Output elements no
/// block writes are 0. With <c>disjointInputs</c> false, blocks may read the same input elements (RoiAlign boxes of one
/// image), and their adjoints are accumulated.
/// </summary>
internal sealed class InterpolationPlan(IReadOnlyList<InterpolationBlock> blocks, int xLength, int yLength, float[]? constant, bool selection, bool disjointInputs = true)
{
    private float[]? _covered;
    private InterpolationPlan? _routing;

    public IReadOnlyList<InterpolationBlock> Blocks { get; } = blocks;

    public int XLength { get; } = xLength;

    public int YLength { get; } = yLength;

    /// <summary>The constant term per output element, or null.</summary>
    public float[]? Constant { get; } = constant;

    /// <summary>Every output copies at most one input element (nearest modes, winners): relevance is routed, not divided.</summary>
    public bool Selection { get; } = selection;

    /// <summary>The same pattern with unit weights: the routing of a selection.</summary>
    public InterpolationPlan Routing => _routing ??= new InterpolationPlan(
        Blocks.Select(b => b with { Map = b.Map.WithUnitWeights() }).ToList(), XLength, YLength, null, true, disjointInputs);

    /// <summary><c>A x</c> (without the constant).</summary>
    public float[] Apply(IRelevanceBackend backend, ReadOnlySpan<float> x)
    {
        var y = new float[YLength];
        foreach (var b in Blocks)
        {
            backend.SparseLinear(b.Map, false, x.Slice(b.XOffset, b.Planes * b.Map.Columns), y.AsSpan(b.YOffset, b.Planes * b.Map.Rows));
        }

        return y;
    }

    /// <summary><c>A x + c</c>: the node's output.</summary>
    public float[] Forward(IRelevanceBackend backend, ReadOnlySpan<float> x)
    {
        var y = Apply(backend, x);
        if (Constant is not null)
        {
            backend.Map(new SumOp(), y, Constant, y);
        }

        return y;
    }

    /// <summary><c>Aᵀ s</c>: blocks that read the same input region (RoiAlign boxes of one image) accumulate.</summary>
    public float[] Adjoint(IRelevanceBackend backend, ReadOnlySpan<float> s)
    {
        var g = new float[XLength];
        for (int i = 0; i < Blocks.Count; i++)
        {
            var b = Blocks[i];
            int length = b.Planes * b.Map.Columns;
            var target = g.AsSpan(b.XOffset, length);
            var source = s.Slice(b.YOffset, b.Planes * b.Map.Rows);
            if (disjointInputs)
            {
                backend.SparseLinear(b.Map, true, source, target);
                continue;
            }

            var part = new float[length];
            backend.SparseLinear(b.Map, true, source, part);
            backend.Map(new SumOp(), target, part, target);
        }

        return g;
    }

    /// <summary>1 where an output reads at least one input element, else 0 (for a selection's routing).</summary>
    public float[] Covered(IRelevanceBackend backend)
    {
        if (_covered is null)
        {
            var ones = new float[XLength];
            Array.Fill(ones, 1f);
            var covered = Routing.Apply(backend, ones);
            backend.Map(new Indicator(), covered, covered);
            _covered = covered;
        }

        return _covered;
    }
}
