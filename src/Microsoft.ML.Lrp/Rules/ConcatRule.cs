using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules;

/// <summary>Concat: the output relevance is cut back into the operands along the axis (constant operands absorb theirs).</summary>
internal sealed class ConcatRule : IRelevanceRule
{
    public string Description => "Route";

    public IEnumerable<string> RequiredValues(LrpNode node) => [];

    public void Propagate(RuleContext ctx)
    {
        var node = ctx.Node;
        var r = ctx.OutputRelevanceOrZeros(0);
        int rank = r.Rank;
        int axis = (int)node.Source.GetInt("axis", 0);
        if (axis < 0)
        {
            axis += rank;
        }

        int outer = 1;
        for (int a = 0; a < axis; a++)
        {
            outer *= r.Shape[a];
        }

        int outBlock = r.Length / outer;
        int offset = 0;
        for (int i = 0; i < node.Inputs.Count; i++)
        {
            var shape = ctx.Shape(node.Inputs[i]);
            int block = Tensor.ShapeSize(shape) / Math.Max(1, outer);
            var part = new Tensor(shape);
            // part[o, b] = r[o, offset + b]: one strided gather (on the device with a device backend).
            ctx.Backend.StridedCopy(offset, [outer, block], [outBlock, 1], r.Data, part.Data, scatter: false);

            offset += block;
            ctx.AddInputRelevance(i, part);
        }
    }
}
