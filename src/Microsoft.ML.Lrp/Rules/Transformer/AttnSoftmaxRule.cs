using Microsoft.ML.Lrp.Backends.Cpu;
using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Transformer;

/// <summary>
/// Softmax inside the network, AttnLRP: <c>R_x = x ⊙ (R − s ⊙ Σ_axis R)</c> with <c>s = softmax(x)</c>. Inputs whose
/// softmax weight is exactly 0 in float (masked with <c>−∞</c>, <c>−10000</c> or <c>float.MinValue</c>) and
/// non-finite inputs get 0. What the formula does not pass on (<c>R − R_x</c>) is absorbed.
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
                double total = 0;
                for (int k = 0; k < length; k++)
                {
                    total += r.Data[start + (k * inner)];
                }

                for (int k = 0; k < length; k++)
                {
                    int i = start + (k * inner);
                    float xi = x.Data[i];
                    float value = y.Data[i] == 0f || !float.IsFinite(xi) ? 0f : (float)(xi * (r.Data[i] - (y.Data[i] * total)));
                    rx[i] = value;
                    absorbed[i] = r.Data[i] - value;
                }
            }
        });
        ctx.Absorb(absorbed);
        ctx.AddInputRelevance(0, new Tensor(x.Shape, rx));
    }

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
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(ys, -total, rs, target);
            System.Numerics.Tensors.TensorPrimitives.Multiply(target, xs, target);
            for (int k = 0; k < length; k++)
            {
                if (ys[k] == 0f || !float.IsFinite(xs[k]))
                {
                    target[k] = 0f;
                }
            }

            absorbedPerRow[o] = (double)total - System.Numerics.Tensors.TensorPrimitives.Sum<float>(target);
        });

        int rowsPerSample = outer / ctx.Batch;
        for (int o = 0; o < outer; o++)
        {
            ctx.Absorb(o / rowsPerSample, absorbedPerRow[o]);
        }
    }
}
