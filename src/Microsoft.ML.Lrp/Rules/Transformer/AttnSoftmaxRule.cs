using Microsoft.ML.Lrp.Backends.Cpu;
using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Transformer;

/// <summary>
/// Softmax inside the network, AttnLRP: <c>R_x = x ⊙ (R − s ⊙ Σ_axis R)</c> with <c>s = softmax(x)</c>. Inputs whose
/// softmax weight is exactly 0 in float (masked with <c>−∞</c>, <c>−10000</c> or <c>float.MinValue</c>) and
/// non-finite inputs get 0. The absorbed share is computed from the linearisation's Taylor bias (and the masked
/// elements), not as <c>R − R_x</c>, so the per-node conservation report checks the formula's implementation.
/// </summary>
/// <param name="legacyAxis">Opset &lt; 13: the input is coerced to 2-D at the axis (default 1).</param>
internal sealed class AttnSoftmaxRule(bool legacyAxis) : IRelevanceRule
{
    public string Description => "AttnLrpSoftmax";

    public IEnumerable<string> RequiredValues(LrpNode node) => [node.Inputs[0], node.Outputs[0]];

    public void Propagate(RuleContext ctx)
    {
        var node = ctx.Node;
        var x = ctx.Value(node.Inputs[0]);
        var y = ctx.Value(node.Outputs[0]);
        var r = ctx.OutputRelevanceOrZeros(0);
        int rank = x.Rank;
        int axis = (int)node.Source.GetInt("axis", legacyAxis ? 1 : -1);
        axis = axis < 0 ? axis + rank : axis;
        int length, inner;
        if (legacyAxis)
        {
            length = Tensor.ShapeSize(x.Shape.AsSpan(axis));
            inner = 1;
        }
        else
        {
            length = x.Shape[axis];
            inner = Tensor.ShapeSize(x.Shape.AsSpan(axis + 1));
        }

        int outer = x.Length / (length * inner);
        if (inner == 1 && outer % ctx.Batch == 0)
        {
            // Each row reads its R before it writes R_x over it: the output relevance's buffer is reused.
            PropagateLastAxis(ctx, x.Data, y.Data, r.Data, r.Data, length);
            ctx.AddInputRelevance(0, new Tensor(x.Shape, r.Data));
            return;
        }

        var rx = new float[x.Length];

        var absorbed = new float[x.Length];
        Parallel.For(0, outer, CpuParallel.Options, o =>
        {
            for (int c = 0; c < inner; c++)
            {
                int start = (o * length * inner) + c;
                double total = 0, sx = 0;
                for (int k = 0; k < length; k++)
                {
                    int i = start + (k * inner);
                    total += r.Data[i];
                    sx += Kept(x.Data[i], y.Data[i]) ? (double)y.Data[i] * x.Data[i] : 0;
                }

                for (int k = 0; k < length; k++)
                {
                    int i = start + (k * inner);
                    float xi = x.Data[i];
                    bool kept = Kept(xi, y.Data[i]);
                    rx[i] = kept ? (float)(xi * (r.Data[i] - (y.Data[i] * total))) : 0f;
                    absorbed[i] = (float)TaylorBiasShare(r.Data[i], xi, sx, kept);
                }
            }
        });
        ctx.Absorb(absorbed);
        ctx.AddInputRelevance(0, new Tensor(x.Shape, rx));
    }

    private static bool Kept(float x, float y) => y != 0f && float.IsFinite(x);

    /// <summary>
    /// What output element j absorbs, from the node's own terms: linearised at x (AttnLRP), <c>s_j = Σ_i J_ji x_i + b_j</c>
    /// with the Taylor bias <c>b_j = s_j (1 − x_j + Σ_k s_k x_k)</c>, so element j's relevance <c>R_j</c> leaves the share
    /// <c>R_j b_j / s_j</c> in the bias; a masked element (softmax weight 0) keeps no diagonal term, so its share is
    /// <c>R_j (1 + Σ_k s_k x_k)</c>.
    /// </summary>
    private static double TaylorBiasShare(float r, float x, double sx, bool kept) => kept ? r * (1 - (double)x + sx) : r * (1 + sx);

    /// <summary>The softmax over the last axis, vectorised per row; the absorbed share is summed per row. <paramref name="rx"/> may be <paramref name="r"/>.</summary>
    private static void PropagateLastAxis(RuleContext ctx, float[] x, float[] y, float[] r, float[] rx, int length)
    {
        int outer = x.Length / length;
        var absorbedPerRow = new double[outer];
        Parallel.For(0, outer, CpuParallel.Options, o =>
        {
            var xs = x.AsSpan(o * length, length);
            var ys = y.AsSpan(o * length, length);
            var rs = r.AsSpan(o * length, length);
            var target = rx.AsSpan(o * length, length);
            float total = System.Numerics.Tensors.TensorPrimitives.Sum<float>(rs);

            // r and target may share a buffer: the bias shares are read from r before R_x is written.
            double sx = 0;
            for (int k = 0; k < length; k++)
            {
                sx += Kept(xs[k], ys[k]) ? (double)ys[k] * xs[k] : 0;
            }

            double absorbedRow = 0;
            for (int k = 0; k < length; k++)
            {
                absorbedRow += TaylorBiasShare(rs[k], xs[k], sx, Kept(xs[k], ys[k]));
            }

            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(ys, -total, rs, target);
            System.Numerics.Tensors.TensorPrimitives.Multiply(target, xs, target);
            for (int k = 0; k < length; k++)
            {
                if (!Kept(xs[k], ys[k]))
                {
                    target[k] = 0f;
                }
            }

            absorbedPerRow[o] = absorbedRow;
        });

        int rowsPerSample = outer / ctx.Batch;
        for (int o = 0; o < outer; o++)
        {
            ctx.Absorb(o / rowsPerSample, absorbedPerRow[o]);
        }
    }
}
