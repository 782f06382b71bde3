using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Rules.Bodies;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules;

/// <summary>
/// Winner takes all per element for an element-wise Max or Min of two or more operands (numpy broadcasting): with
/// <c>y = max_j x_j</c> (or min) and <c>c = Σ_j [x_j = y]</c>, operand <c>i</c> gets <c>R_i = [x_i = y] · R / c</c>
/// (ties split equally), summed back over the axes along which it was broadcast. The share of an operand that carries
/// no relevance (a constant, a side input) is absorbed, as is the relevance of an element no operand wins (a NaN).
/// </summary>
/// <remarks>The routing of the gradient of max (the rule LRP uses for MaxPool), per element.</remarks>
internal sealed class ElementwiseWinnerRule(bool max) : IRelevanceRule
{
    public string Description => "WinnerTakesAll";

    public IEnumerable<string> RequiredValues(LrpNode node) => node.Inputs.Where(i => i.Length > 0);

    public void Propagate(RuleContext ctx)
    {
        var node = ctx.Node;
        var r = ctx.OutputRelevanceOrZeros(0);
        var outShape = r.Shape;
        var operands = new List<(int Index, Tensor Value)>();
        var broadcastCopies = new List<float[]>();
        for (int i = 0; i < node.Inputs.Count; i++)
        {
            if (node.Inputs[i].Length > 0)
            {
                operands.Add((i, new Tensor(outShape, TensorShapes.BroadcastTo(ctx.Value(node.Inputs[i]), outShape, broadcastCopies))));
            }
        }

        // y: the output, recomputed from the operands the rule reads so that the winners match them exactly.
        var y = operands[0].Value.Clone();
        foreach (var (_, value) in operands.Skip(1))
        {
            if (max)
            {
                ctx.Backend.Map(new ElementMax(), y.Data, value.Data, y.Data);
            }
            else
            {
                ctx.Backend.Map(new ElementMin(), y.Data, value.Data, y.Data);
            }
        }

        var count = new Tensor(outShape);
        foreach (var (_, value) in operands)
        {
            ctx.Backend.Map(new WinnerCount(), count.Data, value.Data, y.Data, count.Data);
        }

        var share = new Tensor(outShape);
        ctx.Backend.Map(new WinnerShare(), r.Data, count.Data, share.Data);
        var absorbed = new Tensor(outShape);
        ctx.Backend.Map(new UnclaimedRelevance(), r.Data, count.Data, absorbed.Data);
        foreach (var (index, value) in operands)
        {
            var rx = new Tensor(outShape);
            ctx.Backend.Map(new WinnerRelevance(), value.Data, y.Data, share.Data, rx.Data);
            if (ctx.IsRelevanceInput(index))
            {
                var reduced = TensorShapes.ReduceToShape(rx, ctx.Shape(node.Inputs[index]));
                ctx.AddInputRelevance(index, reduced);
                TensorArena.ReleaseUnlessShared(rx.Data, reduced.Data);
            }
            else
            {
                ctx.Backend.Map(new Sum(), absorbed.Data, rx.Data, absorbed.Data);
                TensorArena.Release(rx.Data);
            }
        }

        ctx.Absorb(absorbed.Data);
        foreach (var scratch in broadcastCopies.Concat([y.Data, count.Data, share.Data, absorbed.Data]))
        {
            TensorArena.Release(scratch);
        }
    }
}
