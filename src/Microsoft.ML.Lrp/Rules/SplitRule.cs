using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules;

/// <summary>Split: the outputs' relevance is put back together along the axis (outputs with no relevance give zeros).</summary>
internal sealed class SplitRule : IRelevanceRule
{
    public string Description => "Route";

    public IEnumerable<string> RequiredValues(LrpNode node) => [];

    public void Propagate(RuleContext ctx)
    {
        var node = ctx.Node;
        var xShape = ctx.Shape(node.Inputs[0]);
        int axis = (int)node.Source.GetInt("axis", 0);
        if (axis < 0)
        {
            axis += xShape.Length;
        }

        int outer = 1;
        for (int a = 0; a < axis; a++)
        {
            outer *= xShape[a];
        }

        var rx = new Tensor(xShape);
        int inBlock = rx.Length / Math.Max(1, outer);
        int offset = 0;
        for (int j = 0; j < node.Outputs.Count; j++)
        {
            var shape = ctx.Shape(node.Outputs[j]);
            int block = Tensor.ShapeSize(shape) / Math.Max(1, outer);
            var r = ctx.OutputRelevance(j);
            if (r is not null)
            {
                // rx[o, offset + b] = r[o, b]: one strided scatter (on the device with a device backend).
                ctx.Backend.StridedCopy(offset, [outer, block], [inBlock, 1], rx.Data, r.Data, scatter: true);
            }

            offset += block;
        }

        ctx.AddInputRelevance(0, rx);
    }
}
