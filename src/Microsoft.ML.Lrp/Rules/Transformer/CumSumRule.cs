using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Transformer;

/// <summary>
/// CumSum as a sum over windows, Norm: <c>y = A x</c> with <c>A</c> the (exclusive/reverse) prefix-sum map;
/// <c>R_x = x ⊙ Aᵀ(R / stab(A x))</c>. <c>Aᵀ</c> is the prefix sum in the opposite direction. The stabiliser's share
/// is absorbed.
/// </summary>
internal sealed class CumSumRule : IRelevanceRule
{
    public string Description => "Norm";

    public IEnumerable<string> RequiredValues(LrpNode node) => [node.Inputs[0], node.Inputs[1]];

    public void Propagate(RuleContext ctx)
    {
        var node = ctx.Node;
        var x = ctx.Value(node.Inputs[0]);
        var r = ctx.OutputRelevanceOrZeros(0);
        int axis = (int)ctx.Int64s(node.Inputs[1])[0];
        axis = axis < 0 ? axis + x.Rank : axis;
        bool exclusive = node.Source.GetInt("exclusive", 0) != 0;
        bool reverse = node.Source.GetInt("reverse", 0) != 0;
        int length = x.Shape[axis];
        int inner = Tensor.ShapeSize(x.Shape.AsSpan(axis + 1));
        int outer = x.Length / (length * inner);
        var y = PrefixSum(x.Data, outer, length, inner, exclusive, reverse);
        var s = new float[x.Length];
        for (int i = 0; i < s.Length; i++)
        {
            s[i] = (float)(r.Data[i] / (y[i] + (y[i] >= 0 ? ctx.Epsilon : -ctx.Epsilon)));
        }

        var back = PrefixSum(s, outer, length, inner, exclusive, !reverse);
        var rx = new float[x.Length];
        var absorbed = TensorArena.Allocate(r.Length, clear: false);
        r.Data.AsSpan(0, r.Length).CopyTo(absorbed);
        for (int i = 0; i < rx.Length; i++)
        {
            rx[i] = (float)(x.Data[i] * back[i]);
            absorbed[i] -= (float)(s[i] * y[i]);
        }

        ctx.Absorb(absorbed);
        TensorArena.Release(absorbed);
        ctx.AddInputRelevance(0, new Tensor(x.Shape, rx));
    }

    private static double[] PrefixSum(float[] v, int outer, int length, int inner, bool exclusive, bool reverse)
    {
        var result = new double[v.Length];
        for (int o = 0; o < outer; o++)
        {
            for (int c = 0; c < inner; c++)
            {
                double acc = 0;
                for (int step = 0; step < length; step++)
                {
                    int k = reverse ? length - 1 - step : step;
                    int i = (((o * length) + k) * inner) + c;
                    if (exclusive)
                    {
                        result[i] = acc;
                        acc += v[i];
                    }
                    else
                    {
                        acc += v[i];
                        result[i] = acc;
                    }
                }
            }
        }

        return result;
    }
}
