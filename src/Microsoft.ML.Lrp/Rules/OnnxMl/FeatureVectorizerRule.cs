using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.OnnxMl;

/// <summary>
/// <c>ai.onnx.ml.FeatureVectorizer</c> concatenates its inputs (each flattened to <c>inputdimensions[i]</c> values per
/// row) into one feature vector; relevance is routed back slot by slot. Slots an input does not fill (zero padding)
/// are absorbed.
/// </summary>
internal sealed class FeatureVectorizerRule(long[] dimensions) : IRelevanceRule
{
    public string Description => "Route";

    public IEnumerable<string> RequiredValues(LrpNode node) => [];

    public void Propagate(RuleContext ctx)
    {
        var r = ctx.OutputRelevanceOrZeros(0);
        int width = r.Length / ctx.Batch;
        int offset = 0;
        for (int i = 0; i < ctx.Node.Inputs.Count; i++)
        {
            var shape = ctx.Shape(ctx.Node.Inputs[i]);
            var part = new Tensor(shape);
            int inputWidth = part.Length / ctx.Batch;
            int dim = i < dimensions.Length ? (int)dimensions[i] : inputWidth;
            int copied = Math.Min(dim, inputWidth);
            for (int n = 0; n < ctx.Batch; n++)
            {
                Array.Copy(r.Data, (n * width) + offset, part.Data, n * inputWidth, copied);
                for (int j = copied; j < dim; j++)
                {
                    ctx.Absorb(n, r.Data[(n * width) + offset + j]);
                }
            }

            offset += dim;
            ctx.AddInputRelevance(i, part);
        }
    }
}
