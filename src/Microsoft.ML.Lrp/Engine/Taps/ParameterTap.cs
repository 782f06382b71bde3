using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Promises;
using Microsoft.ML.Lrp.Rules.Linear;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Engine.Taps;

/// <summary>
/// One linear node whose parameter relevance is asked for: its layer (weights in the canonical layout, BatchNormalization
/// folded in), its rule, and where each canonical weight and bias element lies in the named initializers.
/// </summary>
internal sealed class ParameterTap
{
    private ParameterTap(LrpNode node, LinearLayer layer, LrpRule rule, Func<int[], (Tensor Low, Tensor High)>? bounds, float epsilon)
    {
        Node = node;
        Layer = layer;
        Rule = rule;
        Bounds = bounds;
        Epsilon = epsilon;
    }

    public LrpNode Node { get; }

    public LinearLayer Layer { get; }

    public LrpRule Rule { get; }

    /// <summary>The ZBox bounds of the node's rule for an input shape (null for the other rules).</summary>
    public Func<int[], (Tensor Low, Tensor High)>? Bounds { get; }

    public float Epsilon { get; }

    /// <summary>The weight initializer when asked for; null otherwise.</summary>
    public string? WeightName { get; private set; }

    /// <summary>Canonical weight index → index in the weight initializer.</summary>
    public int[] WeightIndex { get; private set; } = [];

    public int[] WeightShape { get; private set; } = [];

    /// <summary>The bias initializer when asked for; null otherwise.</summary>
    public string? BiasName { get; private set; }

    /// <summary>Output channel → index in the bias initializer.</summary>
    public int[] BiasIndex { get; private set; } = [];

    public int[] BiasShape { get; private set; } = [];

    /// <summary>Checks, once shapes are known, that the node's input and output hold the rows on axis 0.</summary>
    public void Bind(ShapeTable shapes)
    {
        foreach (var value in new[] { Node.Inputs[0], Node.Outputs[0] })
        {
            if (shapes.BatchAxis(value) != 0)
            {
                throw new LrpException($"LrpOptions.ParameterRelevance: node '{Node.Name}' ({Node.OpType}) holds its rows on axis {shapes.BatchAxis(value)} of '{value}'; parameter relevance needs the batch on axis 0.");
            }
        }
    }

    /// <summary>The nodes and parameters <see cref="LrpOptions.ParameterRelevance"/> names (<c>"*"</c>: every weight and bias).</summary>
    public static Dictionary<LrpNode, ParameterTap> Resolve(CanonicalGraph graph, IReadOnlyList<RelevanceStep> steps, LrpOptions options)
    {
        var taps = new Dictionary<LrpNode, ParameterTap>();
        var requested = options.ParameterRelevance ?? [];
        if (requested.Count == 0)
        {
            return taps;
        }

        bool all = requested.Contains("*");
        var found = new HashSet<string>(StringComparer.Ordinal);
        var unsupported = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var step in steps)
        {
            if (step.Rule is not LinearRule { Layer: var layer } linear || step.Choice.Rule is not { } rule)
            {
                continue;
            }

            var node = step.Node;
            string weight = node.Inputs[1];
            string? bias = node.Inputs.Count > 2 && node.Inputs[2].Length > 0 ? node.Inputs[2] : node.FoldedBatchNorm?.Inputs[2];
            string? why = Unsupported(node, layer);
            if (why is not null)
            {
                unsupported[weight] = why;
                if (bias is not null)
                {
                    unsupported[bias] = why;
                }

                continue;
            }

            bool wantWeight = all || requested.Contains(weight);
            bool wantBias = bias is not null && (all || requested.Contains(bias));
            if (!wantWeight && !wantBias)
            {
                continue;
            }

            float eps = rule.Kind == LrpRuleKind.Epsilon && !float.IsNaN(rule.EpsilonValue) ? rule.EpsilonValue : options.Epsilon;
            var tap = new ParameterTap(node, layer, rule, linear.Bounds, eps);
            if (wantWeight)
            {
                tap.WeightName = weight;
                tap.WeightShape = graph.Constants.Get(weight).Shape;
                tap.WeightIndex = WeightLayout(node, layer, tap.WeightShape);
                found.Add(weight);
            }

            if (wantBias)
            {
                tap.BiasName = bias;
                tap.BiasShape = graph.Constants.Get(bias!).Shape;
                int length = tap.BiasShape.Aggregate(1, (p, d) => p * d);
                tap.BiasIndex = Enumerable.Range(0, layer.OutChannels).Select(i => length == 1 ? 0 : i).ToArray();
                found.Add(bias!);
            }

            taps[node] = tap;
        }

        foreach (var name in requested.Where(n => n != "*" && !found.Contains(n)))
        {
            throw new LrpException(unsupported.TryGetValue(name, out var why)
                ? $"LrpOptions.ParameterRelevance names '{name}': {why}"
                : $"LrpOptions.ParameterRelevance names '{name}', which is not the weight or bias of a Gemm, MatMul or Conv node with a linear rule on the relevance path. Those are: {string.Join(", ", Names(steps).Take(20))}.");
        }

        return taps;
    }

    private static string? Unsupported(LrpNode node, LinearLayer layer) => layer switch
    {
        ConvLayer { Transposed: true } => $"node '{node.Name}' is a ConvTranspose, whose parameter relevance is not supported (Gemm, MatMul and Conv are).",
        BatchedDenseLayer => $"node '{node.Name}' (MatMul) has a weight of rank 3 or more, whose parameter relevance is not supported (a 2-D weight is).",
        DenseLayer when node.OpType == "Gemm" && node.Source.GetInt("transA", 0) != 0 => $"node '{node.Name}' (Gemm) has transA = 1, whose parameter relevance is not supported.",
        _ => null,
    };

    private static IEnumerable<string> Names(IReadOnlyList<RelevanceStep> steps)
        => steps.Where(s => s.Rule is LinearRule).SelectMany(s => s.Node.Inputs.Skip(1).Take(2)).Where(n => n.Length > 0);

    /// <summary>Canonical [M, K] (Dense) or [M, C/group, *k] (Conv) index → index in the initializer's own layout.</summary>
    private static int[] WeightLayout(LrpNode node, LinearLayer layer, int[] shape)
    {
        int length = layer.Weight.Length;
        var index = Enumerable.Range(0, length).ToArray();
        bool transposed = node.OpType switch
        {
            "Gemm" => node.Source.GetInt("transB", 0) == 0,   // B is [K, M]
            "MatMul" => layer is not DenseLayer { WeightInputMajor: true },   // B is [K, M]; kept so when shared
            _ => false,                                        // Conv: [M, C/group, *k] already
        };
        if (transposed)
        {
            int m = layer.OutChannels, k = length / m;
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < k; j++)
                {
                    index[(i * k) + j] = (j * m) + i;
                }
            }
        }

        if (shape.Aggregate(1, (p, d) => p * d) != length)
        {
            throw new LrpException($"LrpOptions.ParameterRelevance: the weight '{node.Inputs[1]}' of node '{node.Name}' has shape [{string.Join(", ", shape)}], which does not match the layer's {length} weights.");
        }

        return index;
    }
}
