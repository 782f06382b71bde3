using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Rules.Bodies;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Transformer;

/// <summary>
/// Trilu: the adjoint of its data movement: <c>R</c> at a kept element goes to the same input element; the zeroed
/// elements (whose output is 0) absorb what reaches them.
/// </summary>
internal sealed class TriluRule : IRelevanceRule
{
    public string Description => "Route";

    public IEnumerable<string> RequiredValues(LrpNode node) => node.Inputs.Count > 1 && node.Inputs[1].Length > 0 ? [node.Inputs[1]] : [];

    public void Propagate(RuleContext ctx)
    {
        var node = ctx.Node;
        var r = ctx.OutputRelevanceOrZeros(0);
        long k = node.Inputs.Count > 1 && node.Inputs[1].Length > 0 ? ctx.Int64s(node.Inputs[1])[0] : 0;
        bool upper = node.Source.GetInt("upper", 1) != 0;
        int rows = r.Shape[^2], cols = r.Shape[^1];
        // The kept triangle as a constant mask per shape and k (1 kept, 0 dropped): two backend maps route R.
        float[] mask = Mask(r.Length, rows, cols, k, upper);
        ctx.Backend.DeclareConstant(mask);
        var rx = new Tensor(r.Shape, TensorArena.Allocate(r.Length, clear: false));
        var dropped = TensorArena.Allocate(r.Length, clear: false);
        ctx.Backend.Map(new ConditionShare(true), mask, r.Data, rx.Data);
        ctx.Backend.Map(new ConditionShare(false), mask, r.Data, dropped);
        ctx.Absorb(dropped.AsSpan(0, r.Length));
        TensorArena.Release(dropped);
        ctx.AddInputRelevance(0, rx);
    }

    private readonly Dictionary<(int Length, int Rows, int Cols, long K, bool Upper), float[]> _masks = [];

    private float[] Mask(int length, int rows, int cols, long k, bool upper)
    {
        lock (_masks)
        {
            if (!_masks.TryGetValue((length, rows, cols, k, upper), out var mask))
            {
                mask = new float[length];
                for (int i = 0; i < length; i++)
                {
                    int col = i % cols, row = (i / cols) % rows;
                    mask[i] = (upper ? col - row >= k : col - row <= k) ? 1f : 0f;
                }

                _masks[(length, rows, cols, k, upper)] = mask;
            }

            return mask;
        }
    }
}
