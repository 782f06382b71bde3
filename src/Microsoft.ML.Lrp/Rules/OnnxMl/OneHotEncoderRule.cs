using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.OnnxMl;

/// <summary>
/// <c>ai.onnx.ml.OneHotEncoder</c> turns each input element into a one-hot block of the category count; the relevance
/// of the block returns to the element it encodes (<c>R_x[..., c] = Σ_k R[..., c, k]</c>).
/// </summary>
internal sealed class OneHotEncoderRule : IRelevanceRule
{
    public string Description => "Route";

    public IEnumerable<string> RequiredValues(LrpNode node) => [];

    public void Propagate(RuleContext ctx)
    {
        var r = ctx.OutputRelevanceOrZeros(0);
        var xShape = ctx.Shape(ctx.Node.Inputs[0]);
        var rx = new Tensor(xShape);
        int categories = r.Length / Math.Max(1, rx.Length);
        for (int i = 0; i < rx.Length; i++)
        {
            double sum = 0;
            for (int k = 0; k < categories; k++)
            {
                sum += r.Data[(i * categories) + k];
            }

            rx.Data[i] = (float)sum;
        }

        ctx.AddInputRelevance(0, rx);
    }
}
