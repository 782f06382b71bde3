using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.OnnxMl;

/// <summary>
/// <c>ai.onnx.ml.ArrayFeatureExtractor</c> picks elements of the last axis by index; relevance is routed back to the
/// picked elements (summed where an index repeats).
/// </summary>
internal sealed class ArrayFeatureExtractorRule : IRelevanceRule
{
    public string Description => "Route";

    public IEnumerable<string> RequiredValues(LrpNode node) => [];

    public void Propagate(RuleContext ctx)
    {
        var r = ctx.OutputRelevanceOrZeros(0);
        var xShape = ctx.Shape(ctx.Node.Inputs[0]);
        var rx = new Tensor(xShape);
        long[] indices = ctx.Int64s(ctx.Node.Inputs[1]);
        int last = xShape[^1];
        int outer = rx.Length / last;
        int picked = r.Length / outer;
        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < picked; j++)
            {
                long index = indices[j % indices.Length];
                rx.Data[(o * last) + (int)(index < 0 ? index + last : index)] += r.Data[(o * picked) + j];
            }
        }

        ctx.AddInputRelevance(0, rx);
    }
}
