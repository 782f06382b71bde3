using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.OnnxMl;

/// <summary>
/// <c>ai.onnx.ml.Imputer</c>: an element equal to <c>replaced_value_float</c> (or NaN when that is NaN) becomes a
/// constant, the others pass unchanged. As an affine map: <c>R_x = R</c> where the input passes, and the constant
/// absorbs <c>R</c> where it was imputed.
/// </summary>
internal sealed class ImputerRule(float replaced) : IRelevanceRule
{
    public string Description => "Pass(imputed absorbed)";

    public IEnumerable<string> RequiredValues(LrpNode node) => [node.Inputs[0]];

    public void Propagate(RuleContext ctx)
    {
        var r = ctx.OutputRelevanceOrZeros(0);
        var x = ctx.Value(ctx.Node.Inputs[0]);
        int features = x.Length / ctx.Batch;
        var rx = new Tensor(x.Shape);
        for (int i = 0; i < x.Length; i++)
        {
            bool imputed = float.IsNaN(replaced) ? float.IsNaN(x.Data[i]) : x.Data[i] == replaced;
            if (imputed)
            {
                ctx.Absorb(i / features, r.Data[i]);
            }
            else
            {
                rx.Data[i] = r.Data[i];
            }
        }

        ctx.AddInputRelevance(0, rx);
    }
}
