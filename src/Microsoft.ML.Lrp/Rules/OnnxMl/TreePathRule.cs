using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.OnnxMl;

/// <summary>
/// Tree ensembles (<c>ai.onnx.ml.TreeEnsembleRegressor</c>, <c>TreeEnsembleClassifier</c>) by path decomposition
/// (Saabas), not by a gradient rule: in each tree, the row's root-to-leaf path credits each split's feature with the
/// change of node value it causes, <c>c_f += v(child) − v(parent)</c>, per target; a node's value is the
/// cover-weighted mean of the leaves below it, the covers counted by routing the rows the estimator is fit on
/// (uniform over the leaves when it was fit on no rows). Per tree, <c>Σ_f c_f + v(root) = leaf weight</c>; per
/// ensemble and target, <c>Σ_f c_f + base = prediction</c> with <c>base = base_values + Σ_trees v(root)</c> (divided
/// by the tree count for AVERAGE). The contributions are scaled by <c>R / stab(prediction)</c>, exactly 1 where the
/// relevance is the prediction itself (the Score seed at the explained output); the base absorbs the rest.
/// </summary>
internal sealed class TreePathRule : IRelevanceRule, ICalibratedRule
{
    private readonly TreeEnsemble _trees;
    private readonly double[] _baseValues;
    private readonly bool _average;
    private readonly int _scoreOutput;
    private readonly bool _rawOutput;
    private readonly string _nodeName;

    public TreePathRule(TreeEnsemble trees, double[] baseValues, bool average, int scoreOutput, bool rawOutput, string nodeName)
    {
        _trees = trees;
        _baseValues = baseValues;
        _average = average;
        _scoreOutput = scoreOutput;
        _rawOutput = rawOutput;
        _nodeName = nodeName;
    }

    public string Description => _trees.Calibrated ? "TreePath(covers from fit data)" : "TreePath(uniform covers)";

    /// <summary>The ensemble, for tests and diagnostics.</summary>
    public TreeEnsemble Trees => _trees;

    public IEnumerable<string> RequiredValues(LrpNode node) => [node.Inputs[0], node.Outputs[_scoreOutput]];

    public void Observe(Tensor input)
    {
        int rows = input.Shape.Length > 0 ? input.Shape[0] : 1;
        int features = input.Length / Math.Max(1, rows);
        CheckWidth(features);
        _trees.CountCovers(input.Data, features);
    }

    public void EndCalibration() => _trees.ComputeValues();

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
        CheckWidth(features);
        int targets = _trees.Targets;
        int columns = r.Length / n;
        if (columns != targets)
        {
            throw new LrpException($"Node '{_nodeName}' ({ctx.Node.OpType}) scores {columns} values per row but its trees have {targets} targets; this layout is not supported.");
        }

        double treeScale = _average ? 1.0 / _trees.Roots.Length : 1.0;
        var rx = new Tensor(x.Shape);
        var contributions = new double[targets * features];
        var prediction = new double[targets];
        var baseline = new double[targets];
        Span<int> path = new int[_trees.Depth];
        for (int row = 0; row < n; row++)
        {
            var xs = x.Data.AsSpan(row * features, features);
            Array.Clear(contributions);
            for (int k = 0; k < targets; k++)
            {
                prediction[k] = baseline[k] = _baseValues.Length > k ? _baseValues[k] : 0;
            }

            foreach (int root in _trees.Roots)
            {
                int leaf = _trees.Route(root, xs, path, out int length);
                for (int k = 0; k < targets; k++)
                {
                    prediction[k] += treeScale * _trees.LeafWeight(leaf, k);
                    baseline[k] += treeScale * _trees.Value(root, k);
                }

                for (int p = 1; p < length; p++)
                {
                    int parent = path[p - 1], child = path[p];
                    int f = _trees.Feature(parent);
                    for (int k = 0; k < targets; k++)
                    {
                        contributions[(k * features) + f] += treeScale * (_trees.Value(child, k) - _trees.Value(parent, k));
                    }
                }
            }

            var rxs = rx.Data.AsSpan(row * features, features);
            for (int k = 0; k < targets; k++)
            {
                float rk = r.Data[(row * columns) + k];
                if (rk == 0f)
                {
                    continue;
                }

                double scale = OnnxMlMath.Scale(rk, y.Data[(row * columns) + k], prediction[k], ctx.Epsilon, _rawOutput);
                double passed = 0;
                for (int f = 0; f < features; f++)
                {
                    double share = contributions[(k * features) + f] * scale;
                    rxs[f] += (float)share;
                    passed += share;
                }

                ctx.Absorb(row, rk - passed);
            }
        }

        ctx.AddInputRelevance(0, rx);
    }

    private void CheckWidth(int features)
    {
        if (_trees.MaxFeature >= features)
        {
            throw new LrpException($"Node '{_nodeName}' splits on feature {_trees.MaxFeature}, but its input has {features} features per row.");
        }
    }
}
