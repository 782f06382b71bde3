using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.Tests.Reference;

/// <summary>
/// The reference's reading of the composites of RULES.md: the rule of each node, from the per-node-name override,
/// the per-op-type override, or the composite (first layer, Conv, Dense).
/// </summary>
internal sealed class ReferenceComposite
{
    /// <summary>Ops that only move data or are identities: the first layer is searched through them.</summary>
    public static readonly HashSet<string> ShapeOnlyOpTypes =
        ["Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Slice", "Concat", "Split", "Gather", "Expand", "Tile", "Pad", "Identity", "Dropout", "Cast"];

    /// <summary>Ops whose relevance passes unchanged (<c>R_x = R</c>) to their first input.</summary>
    public static readonly HashSet<string> PassOpTypes =
        ["Relu", "LeakyRelu", "Elu", "Selu", "Sigmoid", "Tanh", "Softplus", "HardSigmoid", "Clip", "Dropout", "Identity", "Cast", "Softmax", "BatchNormalization"];

    private readonly ReferenceOptions options;

    /// <summary>Finds the first layers of the graph.</summary>
    public ReferenceComposite(ReferenceGraph graph, ReferenceOptions options, string inputName, ISet<string> activations)
    {
        this.options = options;
        var queue = new Queue<string>([inputName]);
        var seen = new HashSet<string>();
        while (queue.Count > 0)
        {
            string value = queue.Dequeue();
            foreach (var node in graph.Nodes.Where(n => n.Input.Contains(value)))
            {
                if (IsDense(node, activations) || IsConv(node))
                {
                    FirstLayers.Add(node);
                }
                else if (ShapeOnlyOpTypes.Contains(node.OpType))
                {
                    foreach (var output in node.Output.Where(seen.Add))
                    {
                        queue.Enqueue(output);
                    }
                }
            }
        }
    }

    /// <summary>The first Dense or Conv nodes reached from the explained input through shape-only ops.</summary>
    public HashSet<NodeProto> FirstLayers { get; } = [];

    /// <summary>Gemm, or MatMul with a constant operand.</summary>
    public static bool IsDense(NodeProto node, ISet<string> activations)
        => node.OpType == "Gemm" || (node.OpType == "MatMul" && node.Input.Count(activations.Contains) == 1);

    /// <summary>Conv or ConvTranspose.</summary>
    public static bool IsConv(NodeProto node) => node.OpType is "Conv" or "ConvTranspose";

    /// <summary>
    /// The rule of a node: an override, or the composite's. <c>OptionBounds</c> says a ZBox takes its bounds from the
    /// options (the composite's first convolution) rather than from the rule.
    /// </summary>
    public (LrpRule Rule, bool OptionBounds) RuleFor(NodeProto node)
    {
        if (options.RuleOverrides is { } overrides
            && (overrides.TryGetValue(node.Name, out var rule) || overrides.TryGetValue(node.OpType, out rule)))
        {
            return (rule, false);
        }

        if (node.OpType is "Add" or "Sum" or "Sub" or "AveragePool" or "GlobalAveragePool")
        {
            return (LrpRule.Norm(), false);
        }

        if (PassOpTypes.Contains(node.OpType) || node.OpType is "Mul" or "Div")
        {
            return (LrpRule.Pass(), false);
        }

        bool conv = IsConv(node);
        bool first = FirstLayers.Contains(node);
        var epsilon = LrpRule.Epsilon();
        return options.Composite switch
        {
            LrpComposite.Epsilon or LrpComposite.AttnLrp or LrpComposite.CpLrp => (epsilon, false),
            LrpComposite.EpsilonPlus => (conv ? LrpRule.ZPlus() : epsilon, false),
            LrpComposite.EpsilonAlpha2Beta1 => (conv ? LrpRule.AlphaBeta(2, 1) : epsilon, false),
            LrpComposite.EpsilonPlusFlat => (first ? LrpRule.Flat() : conv ? LrpRule.ZPlus() : epsilon, false),
            LrpComposite.EpsilonAlpha2Beta1Flat => (first ? LrpRule.Flat() : conv ? LrpRule.AlphaBeta(2, 1) : epsilon, false),
            LrpComposite.EpsilonGammaBox => first && conv ? (LrpRule.ZBox(0, 0), true) : (conv ? LrpRule.Gamma((float)options.Gamma) : epsilon, false),
            _ => throw new NotSupportedException($"The reference does not implement the {options.Composite} composite."),
        };
    }
}
