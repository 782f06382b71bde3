using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.OnnxMl;

/// <summary>
/// <c>ai.onnx.ml.LinearRegressor</c> and <c>LinearClassifier</c>, <c>z_c = Σ_i W[c,i]·x_i + b_c</c>, with the Epsilon
/// rule: <c>R_x = x ⊙ Wᵀ(R / stab(z))</c>, the intercept absorbing the rest. Where the relevance at a score is that
/// score itself (the Score seed at the explained output, no post-transform) the factor is exactly 1, so
/// <c>R_i = W[c,i]·x_i</c>: ML.NET's <c>CalculateFeatureContribution(normalize: false)</c>. A post-transform
/// (LOGISTIC, SOFTMAX…) at the explained output is passed like Softmax there: its relevance is taken as the raw
/// score's. A binary classifier with one coefficient row scores <c>[1 − z, z]</c> (as ONNX Runtime does); column 0's relevance goes to <c>−W·x</c>, the constant 1 absorbing its share.
/// </summary>
internal sealed class OnnxMlLinearRule : IRelevanceRule
{
    private readonly float[] _weights;
    private readonly float[] _intercepts;
    private readonly int _rows;
    private readonly int _scoreOutput;
    private readonly bool _rawOutput;

    public OnnxMlLinearRule(float[] weights, float[] intercepts, int rows, int scoreOutput, bool rawOutput)
    {
        _weights = weights;
        _intercepts = intercepts;
        _rows = rows;
        _scoreOutput = scoreOutput;
        _rawOutput = rawOutput;
    }

    public string Description => "Epsilon";

    public IEnumerable<string> RequiredValues(LrpNode node) => [node.Inputs[0], node.Outputs[_scoreOutput]];

    public void Propagate(RuleContext ctx)
    {
        var r = ctx.OutputRelevance(_scoreOutput);
        if (r is null)
        {
            return;
        }

        var x = ctx.Value(ctx.Node.Inputs[0]);
        var y = ctx.Value(ctx.Node.Outputs[_scoreOutput]);
        int n = ctx.Batch;
        int features = x.Length / n;
        int columns = r.Length / n;
        if (features * _rows != _weights.Length)
        {
            throw new LrpException($"Node '{ctx.Node.Name}' ({ctx.Node.OpType}) has {_weights.Length} coefficients for {_rows} score rows, but its input has {features} features per row.");
        }

        var rx = new Tensor(x.Shape);
        for (int row = 0; row < n; row++)
        {
            var xs = x.Data.AsSpan(row * features, features);
            var rxs = rx.Data.AsSpan(row * features, features);
            for (int c = 0; c < columns; c++)
            {
                float rc = r.Data[(row * columns) + c];
                if (rc == 0f)
                {
                    continue;
                }

                // Binary classifier with one row: ONNX Runtime scores column 0 as 1 − z, column 1 as z.
                int w = _rows == 1 ? 0 : c;
                bool complement = _rows == 1 && columns == 2 && c == 0;
                double sign = complement ? -1 : 1;
                double z = _intercepts.Length > w ? _intercepts[w] : 0;
                for (int i = 0; i < features; i++)
                {
                    z += (double)_weights[(w * features) + i] * xs[i];
                }

                double scale = OnnxMlMath.Scale(rc, y.Data[(row * columns) + c], complement ? 1 - z : z, ctx.Epsilon, _rawOutput) * sign;
                double passed = 0;
                for (int i = 0; i < features; i++)
                {
                    double share = (double)_weights[(w * features) + i] * xs[i] * scale;
                    rxs[i] += (float)share;
                    passed += share;
                }

                ctx.Absorb(row, rc - passed);
            }
        }

        ctx.AddInputRelevance(0, rx);
    }
}
